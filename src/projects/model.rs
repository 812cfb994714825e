//! What a project is: its status, who may see it, the rules that follow
//! from both (who reads it, when it takes comments and volunteers), and
//! what an editor may write.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::announcements::Reach;
use crate::model::{Amount, Currency};

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written: staff only.
    Draft,
    /// Listed; takes donations, comments and volunteers.
    Open,
    /// Done (completed or ended): listed after the open ones, read only.
    Closed,
    /// Out of the lists; its page stays readable at its address.
    Archived,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Open,
        Status::Closed,
        Status::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Open => "open",
            Status::Closed => "closed",
            Status::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Who may see a project (staff see every one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone, signed in or not.
    #[default]
    Public,
    /// Signed-in people of the association; a 404 to anyone else.
    Members,
}

impl Visibility {
    pub const ALL: [Visibility; 2] = [Visibility::Public, Visibility::Members];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Members => "members",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// The visibilities `reach` opens, as the SQL compares them.
    pub fn open_to(reach: Reach) -> Vec<String> {
        let open: &[Visibility] = match reach {
            Reach::Anonymous => &[Visibility::Public],
            Reach::Member | Reach::Staff => &Visibility::ALL,
        };
        open.iter().map(|v| v.as_str().to_owned()).collect()
    }
}

/// One project as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown, as the editor wrote it.
    pub description: String,
    pub goal: Option<Amount>,
    pub currency: Currency,
    pub deadline: Option<NaiveDate>,
    pub status: Status,
    pub visibility: Visibility,
    pub volunteering: bool,
    /// Places for volunteers; `None`: as many as come.
    pub volunteers_wanted: Option<i32>,
    pub volunteer_roles: String,
    pub comments_locked: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Project {
    /// Whether `reach` may read it at all (lists show fewer: see `store`).
    pub fn readable_by(&self, reach: Reach) -> bool {
        match reach {
            Reach::Staff => true,
            Reach::Member => self.status != Status::Draft,
            Reach::Anonymous => {
                self.status != Status::Draft && self.visibility == Visibility::Public
            }
        }
    }

    /// Members may write comments: open, and not locked by staff.
    pub fn takes_comments(&self) -> bool {
        self.status == Status::Open && !self.comments_locked
    }

    /// Members may sign up (or withdraw): open and asking for volunteers.
    pub fn takes_volunteers(&self) -> bool {
        self.status == Status::Open && self.volunteering
    }

    /// Every place is taken by `signed_up` people.
    pub fn is_full(&self, signed_up: i64) -> bool {
        self.volunteers_wanted
            .is_some_and(|wanted| signed_up >= i64::from(wanted))
    }
}

/// What an editor writes; [`Draft::check`] makes it one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub title: String,
    /// Empty: made from the title.
    pub slug: String,
    pub summary: String,
    pub description: String,
    /// In minor units of the association's currency.
    pub goal_minor: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub visibility: Visibility,
    pub volunteering: bool,
    pub volunteers_wanted: Option<i32>,
    pub volunteer_roles: String,
}

/// The longest texts the table accepts.
pub const TITLE_MAX: usize = 200;
pub const SLUG_MAX: usize = 80;
pub const SUMMARY_MAX: usize = 500;
pub const DESCRIPTION_MAX: usize = 50_000;
pub const ROLES_MAX: usize = 1000;
pub const WANTED_MAX: i32 = 10_000;

/// Why something cannot be kept: the field and a translation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub key: &'static str,
}

impl Invalid {
    /// The reason in English, for API clients.
    pub fn reason(&self) -> &'static str {
        match self.key {
            "projects-error-title-missing" => "required",
            "projects-error-title-long" => "at most 200 characters",
            "projects-error-slug" => {
                "lowercase letters, digits and hyphens, not only digits, at most 80"
            }
            "projects-error-slug-taken" => "another project has this address",
            "projects-error-summary-long" => "at most 500 characters",
            "projects-error-description-long" => "at most 50,000 characters",
            "projects-error-goal" => "a positive amount",
            "projects-error-wanted" => "a number from 1 to 10,000",
            "projects-error-roles-long" => "at most 1,000 characters",
            "projects-error-comment-missing" => "required",
            "projects-error-comment-long" => "at most 2,000 characters",
            "projects-error-note-long" => "at most 500 characters",
            "projects-error-update-long" => "at most 20,000 characters",
            _ => "invalid",
        }
    }

    /// Every reason, for a 422 problem.
    pub fn summary(invalid: &[Invalid]) -> String {
        let reasons: Vec<String> = invalid
            .iter()
            .map(|i| format!("{}: {}", i.field, i.reason()))
            .collect();
        reasons.join("; ")
    }
}

impl Draft {
    /// Trims what is typed and refuses what the table would.
    pub fn check(mut self) -> Result<Self, Vec<Invalid>> {
        self.title = self.title.trim().to_owned();
        self.slug = self.slug.trim().to_lowercase();
        self.summary = self.summary.trim().to_owned();
        self.volunteer_roles = self.volunteer_roles.trim().to_owned();
        let mut invalid = Vec::new();
        let mut refuse = |field, key| invalid.push(Invalid { field, key });
        if self.title.is_empty() {
            refuse("title", "projects-error-title-missing");
        }
        let long = |text: &str, max: usize| text.chars().count() > max;
        if long(&self.title, TITLE_MAX) {
            refuse("title", "projects-error-title-long");
        }
        if !self.slug.is_empty() && !super::slug::is_valid(&self.slug) {
            refuse("slug", "projects-error-slug");
        }
        if long(&self.summary, SUMMARY_MAX) {
            refuse("summary", "projects-error-summary-long");
        }
        if long(&self.description, DESCRIPTION_MAX) {
            refuse("description", "projects-error-description-long");
        }
        if self
            .goal_minor
            .is_some_and(|g| g <= 0 || g > crate::model::MAX_MINOR)
        {
            refuse("goal", "projects-error-goal");
        }
        if self
            .volunteers_wanted
            .is_some_and(|w| !(1..=WANTED_MAX).contains(&w))
        {
            refuse("volunteers_wanted", "projects-error-wanted");
        }
        if long(&self.volunteer_roles, ROLES_MAX) {
            refuse("volunteer_roles", "projects-error-roles-long");
        }
        match invalid.is_empty() {
            true => Ok(self),
            false => Err(invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(status: Status, visibility: Visibility) -> Project {
        Project {
            id: 1,
            slug: "local-velo".into(),
            title: "Local vélo".into(),
            summary: String::new(),
            description: String::new(),
            goal: None,
            currency: Currency::EUR,
            deadline: None,
            status,
            visibility,
            volunteering: true,
            volunteers_wanted: Some(2),
            volunteer_roles: String::new(),
            comments_locked: false,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn members_only_and_drafts_are_closed_to_those_who_may_not_see_them() {
        let members = project(Status::Open, Visibility::Members);
        assert!(!members.readable_by(Reach::Anonymous));
        assert!(members.readable_by(Reach::Member));
        let draft = project(Status::Draft, Visibility::Public);
        assert!(!draft.readable_by(Reach::Member));
        assert!(draft.readable_by(Reach::Staff));
    }

    #[test]
    fn a_project_is_full_when_every_place_is_taken() {
        let open = project(Status::Open, Visibility::Public);
        assert!(!open.is_full(1) && open.is_full(2));
        assert!(open.takes_volunteers() && open.takes_comments());
        let closed = project(Status::Closed, Visibility::Public);
        assert!(!closed.takes_volunteers() && !closed.takes_comments());
    }

    #[test]
    fn a_bad_draft_names_each_bad_field() {
        let draft = Draft {
            title: " ".into(),
            slug: "123".into(),
            goal_minor: Some(0),
            volunteers_wanted: Some(0),
            ..Draft::default()
        };
        let fields: Vec<&str> = draft
            .check()
            .err()
            .unwrap_or_default()
            .iter()
            .map(|i| i.field)
            .collect();
        assert_eq!(fields, ["title", "slug", "goal", "volunteers_wanted"]);
    }
}
