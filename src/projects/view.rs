//! Projects as pages and the API show them: a card (title, summary, the
//! gauge, deadline, volunteers) in lists, and the rendered description and
//! updates on a project's own page. The gauge's figures come from the
//! contributions module's payments (`earmarks::raised_for`), read when the
//! page is built, never copied here. Markdown is rendered on the way out,
//! so a change of the tenant's image policy applies everywhere at once.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Project, Status, Visibility};
use super::updates::Update;
use crate::announcements::markdown::{self, Images};
use crate::contributions::api::money::MoneyView;
use crate::contributions::earmarks::Raised;
use crate::model::Amount;

/// One project in a list (and the head of its own page).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Card {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub status: Status,
    pub visibility: Visibility,
    pub deadline: Option<NaiveDate>,
    /// Its page on the portal.
    pub url: String,
    /// Paid donations earmarked for it, less their refunds.
    pub raised: MoneyView,
    pub goal: Option<MoneyView>,
    /// Raised ÷ goal in percent (past 100 when the goal is passed).
    pub percent: Option<i64>,
    /// People whose donation was not wholly refunded.
    pub donors: i64,
    pub volunteering: bool,
    pub volunteers: i64,
    /// Places; `None`: as many as come.
    pub volunteers_wanted: Option<i32>,
    pub full: bool,
}

impl Card {
    pub fn of(project: &Project, raised: Raised, volunteers: i64) -> Self {
        let amount = raised_amount(project, raised);
        Self {
            id: project.id,
            slug: project.slug.clone(),
            title: project.title.clone(),
            summary: project.summary.clone(),
            status: project.status,
            visibility: project.visibility,
            deadline: project.deadline,
            url: page_url(&project.slug),
            raised: amount.into(),
            goal: project.goal.map(Into::into),
            percent: project.goal.map(|goal| percent(amount, goal)),
            donors: raised.donors,
            volunteering: project.volunteering,
            volunteers,
            volunteers_wanted: project.volunteers_wanted,
            full: project.is_full(volunteers),
        }
    }
}

/// A card as a page shows it: the same, with amounts written for the
/// reader's language and the gauge's filled length.
#[derive(Debug, Clone, Serialize)]
pub struct PageCard {
    #[serde(flatten)]
    pub card: Card,
    pub raised_text: String,
    pub goal_text: Option<String>,
    /// How much of the gauge is filled, 0 to 100.
    pub filled: i64,
    /// `YYYY-MM-DDT00:00:00Z`, what the `date` filter reads.
    pub deadline_at: Option<String>,
    pub deadline_passed: bool,
}

impl PageCard {
    pub fn of(project: &Project, raised: Raised, volunteers: i64, locale: &str) -> Self {
        let amount = raised_amount(project, raised);
        let card = Card::of(project, raised, volunteers);
        Self {
            filled: card.percent.unwrap_or(0).clamp(0, 100),
            card,
            raised_text: amount.format(locale),
            goal_text: project.goal.map(|goal| goal.format(locale)),
            deadline_at: project.deadline.map(|d| format!("{d}T00:00:00Z")),
            deadline_passed: project
                .deadline
                .is_some_and(|d| d < Utc::now().date_naive()),
        }
    }
}

/// One project on its own page (and in the API).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Full {
    #[serde(flatten)]
    pub card: Card,
    /// Markdown, as written.
    pub description: String,
    /// The description as cleaned HTML.
    pub html: String,
    pub volunteer_roles: String,
    pub comments_locked: bool,
    /// Members may comment now.
    pub takes_comments: bool,
    /// Members may sign up (or withdraw) now.
    pub takes_volunteers: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Full {
    pub fn of(project: &Project, raised: Raised, volunteers: i64, images: Images) -> Self {
        Self {
            card: Card::of(project, raised, volunteers),
            description: project.description.clone(),
            html: markdown::render(&project.description, images),
            volunteer_roles: project.volunteer_roles.clone(),
            comments_locked: project.comments_locked,
            takes_comments: project.takes_comments(),
            takes_volunteers: project.takes_volunteers(),
            created_at: project.created_at,
            updated_at: project.updated_at,
        }
    }
}

/// One update, rendered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdateView {
    pub id: i64,
    pub title: String,
    /// Markdown, as written.
    pub body: String,
    /// The body as cleaned HTML.
    pub html: String,
    pub author_name: Option<String>,
    pub posted_at: DateTime<Utc>,
}

impl UpdateView {
    pub fn of(update: Update, images: Images) -> Self {
        Self {
            html: markdown::render(&update.body, images),
            id: update.id,
            title: update.title,
            body: update.body,
            author_name: update.author_name,
            posted_at: update.posted_at,
        }
    }
}

/// A project's page: `/projects/<slug>`.
pub fn page_url(slug: &str) -> String {
    format!("/projects/{slug}")
}

fn raised_amount(project: &Project, raised: Raised) -> Amount {
    Amount::new(raised.minor, project.currency).unwrap_or(Amount::zero(project.currency))
}

/// `raised` of `goal` in whole percent, rounded down (a gauge says 100 %
/// only once the goal is met). Amounts stay below 10^13, so the product
/// fits in an `i128`.
fn percent(raised: Amount, goal: Amount) -> i64 {
    if goal.minor() <= 0 {
        return 0;
    }
    let ratio = i128::from(raised.minor()) * 100 / i128::from(goal.minor());
    i64::try_from(ratio).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Currency;

    fn eur(minor: i64) -> Amount {
        Amount::new(minor, Currency::EUR).unwrap_or(Amount::zero(Currency::EUR))
    }

    #[test]
    fn the_gauge_rounds_down_and_may_pass_its_goal() {
        assert_eq!(percent(eur(299_999), eur(300_000)), 99);
        assert_eq!(percent(eur(300_000), eur(300_000)), 100);
        assert_eq!(percent(eur(450_000), eur(300_000)), 150);
        assert_eq!(percent(eur(0), eur(300_000)), 0);
    }
}
