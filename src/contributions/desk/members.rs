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
use crate::contributions::status::{self, Facts};
use crate::contributions::{Status, ledger, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;

/// The last period of a chain (not renewed, not cancelled), with its status.
#[derive(Debug, Clone, Serialize)]
pub struct Latest {
    pub membership_id: i64,
    pub account_id: i64,
    pub name: String,
    pub email: String,
    pub plan_id: i64,
    pub plan_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: Status,
}

/// Every last period of a chain ending on or after `since` (or never),
/// with its status on `today`.
pub async fn latest(
    tx: &mut TenantTx,
    since: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<Latest>, sqlx::Error> {
    let rules = status::rules(tx).await?;
    let rows = sqlx::query!(
        r#"SELECT m.id, m.account_id, a.display_name, a.email, m.plan_id, p.name AS plan_name,
                  m.starts_on, m.ends_on, m.amount_minor, m.credit_minor, m.currency,
                  m.status_override,
                  (SELECT min(j.starts_on) FROM memberships j
                   WHERE j.account_id = m.account_id AND j.plan_id = m.plan_id) AS "joined_on!",
                  EXISTS (SELECT 1 FROM payment_allocations pa JOIN payments py ON py.id = pa.payment_id
                          WHERE pa.membership_id = m.id AND py.status IN ('paid', 'refunded')) AS "paid_any!",
                  EXISTS (SELECT 1 FROM payment_allocations pa JOIN payments py ON py.id = pa.payment_id
                          WHERE pa.membership_id = m.id AND py.status = 'pending') AS "pending!"
           FROM memberships m
           JOIN accounts a ON a.id = m.account_id
           JOIN plans p ON p.id = m.plan_id
           WHERE m.cancelled_at IS NULL
             AND (m.ends_on IS NULL OR m.ends_on >= $1)
             AND NOT EXISTS (SELECT 1 FROM memberships n
                             WHERE n.previous_id = m.id AND n.cancelled_at IS NULL)
           ORDER BY m.ends_on NULLS LAST, a.display_name, m.id
           LIMIT 5000"#,
        since
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let facts = Facts {
                joined_on: r.joined_on,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                amount_due: r.amount_minor > r.credit_minor,
                paid_any: r.paid_any,
                payment_pending: r.pending,
                cancelled: false,
                overridden: r.status_override.and_then(|s| s.parse().ok()),
            };
            Latest {
                status: status::status_of(&rules, &facts, today),
                membership_id: r.id,
                account_id: r.account_id,
                name: r.display_name,
                email: r.email,
                plan_id: r.plan_id,
                plan_name: r.plan_name,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                amount_minor: r.amount_minor,
                currency: r.currency,
            }
        })
        .collect())
}

/// People with a membership that is new, current or in grace today.
pub async fn active_count(tx: &mut TenantTx, today: NaiveDate) -> Result<i64, sqlx::Error> {
    let since = today.checked_sub_days(Days::new(400)).unwrap_or(today);
    let mut people: Vec<i64> = latest(tx, since, today)
        .await?
        .into_iter()
        .filter(|m| matches!(m.status, Status::New | Status::Current | Status::Grace))
        .map(|m| m.account_id)
        .collect();
    people.sort_unstable();
    people.dedup();
    Ok(i64::try_from(people.len()).unwrap_or(i64::MAX))
}

#[derive(Debug, Default, Deserialize)]
pub struct Window {
    #[serde(default)]
    days: String,
}

#[derive(Serialize)]
struct Line {
    #[serde(flatten)]
    membership: Latest,
    amount: String,
}

#[derive(Serialize)]
struct ListPage {
    /// `expiring` or `lapsed`.
    kind: &'static str,
    days: i64,
    lines: Vec<Line>,
}

fn lines(found: Vec<Latest>, view: &PageView) -> Vec<Line> {
    found
        .into_iter()
        .map(|m| {
            let amount = Currency::parse(&m.currency)
                .ok()
                .and_then(|c| Amount::new(m.amount_minor, c))
                .map(|a| money(a, view))
                .unwrap_or_default();
            Line {
                membership: m,
                amount,
            }
        })
        .collect()
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
    let found: Vec<Latest> = latest(&mut tx, today, today)
        .await?
        .into_iter()
        .filter(|m| m.ends_on.is_some_and(|end| end <= until))
        .filter(|m| m.status != Status::Cancelled)
        .collect();
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
    let found: Vec<Latest> = latest(&mut tx, since, today)
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
