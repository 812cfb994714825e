//! `/affiliate/`: the dashboard (earnings, clicks, conversions, a chart of
//! the last twelve months, the links), or the programmes a member may join;
//! `/affiliate/stats/` with the commission history; `/affiliate/referrals/`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Me, Pick, done, me, refused};
use crate::affiliation::books::Books;
use crate::affiliation::links::{self, Link};
use crate::affiliation::referrals::{self, Referral};
use crate::affiliation::stats::{self, LineView, Stats};
use crate::affiliation::{Affiliation, programs, tenant};
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;
use crate::web::form::Form;

#[derive(Serialize)]
struct Open {
    id: i64,
    name: String,
    description: String,
}

#[derive(Serialize)]
struct Page<'a> {
    csrf: &'a str,
    /// Not an affiliate yet: what they may join.
    joinable: Vec<Open>,
    program: Option<ProgramView>,
    stats: Option<Stats>,
    /// The chart: each month's cash earnings, as a share of the tallest.
    bars: Vec<Bar>,
    links: Vec<Link>,
    lines: Vec<LineView>,
    referrals: Vec<Referral>,
    base: String,
}

#[derive(Serialize)]
struct ProgramView {
    id: i64,
    name: String,
    description: String,
    currency: String,
    cookie_days: i32,
    holding_days: i32,
    min_payout_minor: i64,
    others: Vec<(i64, String)>,
    /// In more than one programme: links name the one shown.
    several: bool,
    banned: bool,
}

#[derive(Serialize)]
struct Bar {
    month: String,
    earned_minor: i64,
    /// 0 to 100.
    height: i64,
}

impl Bar {
    fn of(stats: &Stats) -> Vec<Bar> {
        let top = stats
            .months
            .iter()
            .map(|m| m.earned_minor)
            .max()
            .unwrap_or(0)
            .max(1);
        stats
            .months
            .iter()
            .map(|m| Bar {
                month: m.month.clone(),
                earned_minor: m.earned_minor,
                height: m.earned_minor.max(0) * 100 / top,
            })
            .collect()
    }
}

impl ProgramView {
    fn of(me: &Me) -> Self {
        Self {
            id: me.program.id,
            name: me.program.settings.name.clone(),
            description: me.program.settings.description.clone(),
            currency: me.program.currency.clone(),
            cookie_days: me.program.settings.cookie_days,
            holding_days: me.program.settings.holding_days,
            min_payout_minor: me.program.settings.min_payout_minor,
            others: me.all.clone(),
            several: me.all.len() > 1,
            banned: me.affiliate.status == crate::affiliation::model::AffiliateStatus::Banned,
        }
    }
}

fn base(auth: &RequestAuth) -> String {
    let scheme = if auth.links_over_tls() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{}", auth.host)
}

/// What the page shows: `lines` and `referrals` only where asked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Dashboard,
    Stats,
    Referrals,
}

/// What every page of the dashboard is rendered with.
struct Asked<'a> {
    themes: &'a Themes,
    view: &'a PageView,
    auth: &'a RequestAuth,
    headers: &'a HeaderMap,
    who: &'a crate::auth::Principal,
    pick: &'a Pick,
}

async fn render(asked: Asked<'_>, mut tx: TenantTx, part: Part) -> Result<Response, AppError> {
    let Asked {
        themes,
        view,
        auth,
        headers,
        who,
        pick,
    } = asked;
    let csrf = auth.csrf.value();
    let Some(me) = me(&mut tx, who, pick, auth, headers).await? else {
        let joinable = programs::list(&mut Books::tenant(&mut tx))
            .await?
            .into_iter()
            .filter(|p| p.settings.active && p.settings.open_enrolment)
            .map(|p| Open {
                id: p.id,
                name: p.settings.name,
                description: p.settings.description,
            })
            .collect();
        let page = Page {
            csrf,
            joinable,
            program: None,
            stats: None,
            bars: Vec::new(),
            links: Vec::new(),
            lines: Vec::new(),
            referrals: Vec::new(),
            base: base(auth),
        };
        let template = "affiliation/dashboard.html";
        return Ok(themes
            .private_page(&tx, view, template, StatusCode::OK, &page)
            .await?);
    };
    let mut books = Books::tenant(&mut tx);
    let stats = stats::of_affiliate(&mut books, me.affiliate.id).await?;
    let links = links::of_affiliate(&mut books, me.affiliate.id).await?;
    let lines = match part {
        Part::Stats => stats::lines(&mut books, me.program.id, Some(me.affiliate.id), 200).await?,
        _ => stats::lines(&mut books, me.program.id, Some(me.affiliate.id), 5).await?,
    };
    let referrals = match part {
        Part::Referrals => referrals::of_affiliate(&mut books, me.affiliate.id, 500).await?,
        _ => Vec::new(),
    };
    let page = Page {
        csrf,
        joinable: Vec::new(),
        program: Some(ProgramView::of(&me)),
        bars: Bar::of(&stats),
        stats: Some(stats),
        links,
        lines: lines.into_iter().map(line_initials).collect(),
        referrals: referrals.into_iter().map(initials).collect(),
        base: base(auth),
    };
    let template = match part {
        Part::Dashboard => "affiliation/dashboard.html",
        Part::Stats => "affiliation/stats.html",
        Part::Referrals => "affiliation/referrals.html",
    };
    Ok(themes
        .private_page(&tx, view, template, StatusCode::OK, &page)
        .await?)
}

/// Affiliates see who they brought by first name and initial only.
pub(in crate::affiliation) fn initials(mut referral: Referral) -> Referral {
    referral.name = first_name_and_initial(&referral.name);
    referral
}

/// The same in the lines of their rewards.
pub(in crate::affiliation) fn line_initials(mut line: LineView) -> LineView {
    line.referred_name = line.referred_name.as_deref().map(first_name_and_initial);
    line
}

fn first_name_and_initial(name: &str) -> String {
    let mut words = name.split_whitespace();
    let first = words.next().unwrap_or("").to_owned();
    let last = words.last().and_then(|w| w.chars().next());
    match last {
        Some(initial) => format!("{first} {initial}."),
        None => first,
    }
}

macro_rules! page_handler {
    ($name:ident, $part:expr) => {
        pub async fn $name(
            State(themes): State<Themes>,
            SignedIn(who): SignedIn,
            view: PageView,
            auth: RequestAuth,
            headers: HeaderMap,
            Query(pick): Query<Pick>,
            tx: TenantTx,
        ) -> Result<Response, AppError> {
            let asked = Asked {
                themes: &themes,
                view: &view,
                auth: &auth,
                headers: &headers,
                who: &who,
                pick: &pick,
            };
            render(asked, tx, $part).await
        }
    };
}

page_handler!(show, Part::Dashboard);
page_handler!(stats, Part::Stats);
page_handler!(referrals, Part::Referrals);

#[derive(Deserialize)]
pub struct JoinForm {
    program_id: i64,
}

/// `POST /affiliate/join`: joins an open programme, with a first link.
pub async fn join(
    State(affiliation): State<Affiliation>,
    SignedIn(who): SignedIn,
    mut tx: TenantTx,
    Form(form): Form<JoinForm>,
) -> Result<Response, AppError> {
    match tenant::join_member(&mut tx, who.account_id, form.program_id).await {
        Ok(affiliate) => {
            affiliation.forget_links();
            let to = format!("/affiliate/?program={}", affiliate.program_id);
            Ok(done(&to, "affiliation-flash-joined"))
        }
        Err(error) => refused("/affiliate/", error),
    }
}
