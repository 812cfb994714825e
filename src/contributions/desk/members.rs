//! The members' side of the desk: who is active, whose membership ends
//! soon, who lapsed (grace or expired, not renewed), who owes what. A
//! membership's status is derived as everywhere else (`status::status_of`
//! over the association's rules), from facts read here in one statement.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{money, render};
use crate::auth::{RequireRole, Treasurer};
use crate::contributions::memberships::{self, MembershipFilter, MembershipView};
use crate::contributions::{Status, ledger, settings, status};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;

/// Memberships not renewed yet (the last of each chain), cancelled ones
/// left out, with their status today; `ends` narrows to periods ending
/// between two dates (lifetime ones then drop out).
async fn latest(
    tx: &mut TenantTx,
    ends: Option<(NaiveDate, NaiveDate)>,
    today: NaiveDate,
) -> Result<Vec<MembershipView>, sqlx::Error> {
    let rules = status::rules(tx).await?;
    let filter = MembershipFilter {
        ends_from: ends.map(|e| e.0),
        ends_until: ends.map(|e| e.1),
        latest_only: true,
        limit: LIMIT,
        ..MembershipFilter::default()
    };
    memberships::list(tx, &filter, &rules, today).await
}

/// Rows a list reads at most (the newest first).
const LIMIT: i64 = 5000;

/// People with a membership that is new, current or in grace today.
pub async fn active_count(tx: &mut TenantTx, today: NaiveDate) -> Result<i64, sqlx::Error> {
    crate::contributions::figures::active_members(tx, today).await
}

#[derive(Debug, Default, Deserialize)]
pub struct Window {
    #[serde(default)]
    days: String,
}

#[derive(Serialize)]
struct Line {
    account_id: i64,
    name: String,
    email: String,
    plan_name: String,
    ends_on: Option<NaiveDate>,
    status: Status,
    amount: String,
    due: String,
}

#[derive(Serialize)]
struct ListPage {
    /// `expiring` or `lapsed`.
    kind: &'static str,
    days: i64,
    lines: Vec<Line>,
}

fn lines(found: Vec<MembershipView>, view: &PageView) -> Vec<Line> {
    let mut lines: Vec<Line> = found
        .into_iter()
        .map(|m| Line {
            amount: money(m.amount, view),
            due: money(m.due, view),
            account_id: m.account_id,
            name: m.member_name,
            email: m.member_email,
            plan_name: m.plan_name,
            ends_on: m.ends_on,
            status: m.status,
        })
        .collect();
    // Soonest end first, then by name.
    lines.sort_by(|a, b| (a.ends_on, &a.name).cmp(&(b.ends_on, &b.name)));
    lines
}

/// `GET /treasury/members/expiring?days=30`: periods ending within the
/// window and not renewed yet.
pub async fn expiring(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    Query(window): Query<Window>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let days = window
        .days
        .trim()
        .parse::<i64>()
        .map_or(30, |d| d.clamp(1, 366));
    let today = chrono::Utc::now().date_naive();
    let until = today
        .checked_add_days(Days::new(days.unsigned_abs()))
        .unwrap_or(today);
    let found = latest(&mut tx, Some((today, until)), today).await?;
    let data = ListPage {
        kind: "expiring",
        days,
        lines: lines(found, &view),
    };
    let template = "treasury/members.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

/// `GET /treasury/members/lapsed?days=365`: in grace or expired, not
/// renewed, ended within the window.
pub async fn lapsed(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    Query(window): Query<Window>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let days = window
        .days
        .trim()
        .parse::<i64>()
        .map_or(365, |d| d.clamp(1, 3650));
    let today = chrono::Utc::now().date_naive();
    let since = today
        .checked_sub_days(Days::new(days.unsigned_abs()))
        .unwrap_or(today);
    let found: Vec<MembershipView> = latest(&mut tx, Some((since, today)), today)
        .await?
        .into_iter()
        .filter(|m| matches!(m.status, Status::Grace | Status::Expired))
        .collect();
    let data = ListPage {
        kind: "lapsed",
        days,
        lines: lines(found, &view),
    };
    let template = "treasury/members.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

#[derive(Serialize)]
struct BalanceLine {
    account_id: i64,
    name: String,
    email: String,
    balance: String,
    owes: bool,
}

#[derive(Serialize)]
struct BalancesPage {
    lines: Vec<BalanceLine>,
    owing_only: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct BalanceQuery {
    #[serde(default)]
    all: String,
}

/// `GET /treasury/members/balances[?all=1]`: who owes (or, with `all`,
/// also who is owed), most first.
pub async fn balances(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    Query(query): Query<BalanceQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let currency = settings::get(&mut tx).await?.currency;
    let owing_only = query.all.is_empty();
    let found = ledger::balances(&mut tx, currency, owing_only, 500).await?;
    let data = BalancesPage {
        lines: found
            .into_iter()
            .map(|b| BalanceLine {
                owes: b.balance.is_positive(),
                balance: money(b.balance, &view),
                account_id: b.account_id,
                name: b.display_name,
                email: b.email,
            })
            .collect(),
        owing_only,
    };
    let template = "treasury/balances.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}
