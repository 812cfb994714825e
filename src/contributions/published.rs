//! What an association publishes of its contributions to the platform:
//! counts and money, never a person ([`figures`]); and, only when its
//! staff choose to share it with their federation, the named list of its
//! licence holders ([`licence_holders`]: name, plan and dates, no address).
//!
//! Read from the tenant's own schema with its transaction; `reporting`
//! writes the result to the platform's tables.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::desk::stats::season_of;
use crate::db::TenantTx;

/// Licence holders of one plan on the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanCount {
    pub plan: String,
    pub licences: i64,
}

/// Received, net of refunds, in one currency (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Collected {
    pub currency: String,
    /// On the day.
    pub day_minor: i64,
    /// Since the start of the season.
    pub season_minor: i64,
}

/// Received in one month and currency (minor units).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MonthCollected {
    /// `YYYY-MM`.
    pub month: String,
    pub currency: String,
    pub minor: i64,
}

/// A tenant's aggregates on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub day: NaiveDate,
    /// People with a membership, ever (cancelled ones left out).
    pub members: i64,
    /// People with a membership covering the day.
    pub licences: i64,
    /// People whose first membership started this season.
    pub new_members: i64,
    /// People whose last membership ended in the past year, not renewed.
    pub lapsed: i64,
    /// Payments received this season.
    pub payments: i64,
    pub by_plan: Vec<PlanCount>,
    pub collected: Vec<Collected>,
    /// The last twelve months, oldest first.
    pub monthly: Vec<MonthCollected>,
}

/// The tenant's figures on `day`. A membership counts unless cancelled or
/// forced `expired`/`cancelled` by staff.
pub async fn figures(tx: &mut TenantTx, day: NaiveDate) -> Result<Figures, sqlx::Error> {
    let settings = super::settings::get(tx).await?;
    let (season_start, _) = season_of(day, settings.season_start_month).unwrap_or((day, day));
    let people = sqlx::query!(
        r#"WITH m AS (
               SELECT * FROM memberships
               WHERE cancelled_at IS NULL
                 AND coalesce(status_override, '') NOT IN ('expired', 'cancelled')),
           holders AS (
               SELECT DISTINCT account_id FROM m
               WHERE starts_on <= $1 AND (ends_on IS NULL OR ends_on >= $1)),
           firsts AS (SELECT account_id, min(starts_on) AS first FROM m GROUP BY account_id),
           lasts AS (SELECT account_id, max(coalesce(ends_on, 'infinity'::date)) AS last
                     FROM m WHERE starts_on <= $1 GROUP BY account_id)
           SELECT (SELECT count(*) FROM firsts) AS "members!",
                  (SELECT count(*) FROM holders) AS "licences!",
                  (SELECT count(*) FROM firsts WHERE first BETWEEN $2 AND $1) AS "new_members!",
                  (SELECT count(*) FROM lasts
                   WHERE last < $1 AND last >= $1 - 365
                     AND NOT EXISTS (SELECT 1 FROM m WHERE m.account_id = lasts.account_id
                                                         AND m.starts_on > $1)) AS "lapsed!",
                  (SELECT count(*) FROM payments
                   WHERE status IN ('paid', 'refunded') AND received_on BETWEEN $2 AND $1) AS "payments!""#,
        day,
        season_start
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(Figures {
        day,
        members: people.members,
        licences: people.licences,
        new_members: people.new_members,
        lapsed: people.lapsed,
        payments: people.payments,
        by_plan: by_plan(tx, day).await?,
        collected: collected(tx, day, season_start).await?,
        monthly: monthly(tx, day).await?,
    })
}

async fn by_plan(tx: &mut TenantTx, day: NaiveDate) -> Result<Vec<PlanCount>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT p.name, count(DISTINCT m.account_id) AS "licences!"
           FROM memberships m JOIN plans p ON p.id = m.plan_id
           WHERE m.cancelled_at IS NULL
             AND coalesce(m.status_override, '') NOT IN ('expired', 'cancelled')
             AND m.starts_on <= $1 AND (m.ends_on IS NULL OR m.ends_on >= $1)
           GROUP BY p.id, p.name, p.position
           ORDER BY p.position, p.name"#,
        day
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PlanCount {
            plan: r.name,
            licences: r.licences,
        })
        .collect())
}

async fn collected(
    tx: &mut TenantTx,
    day: NaiveDate,
    season_start: NaiveDate,
) -> Result<Vec<Collected>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT currency,
                  coalesce(sum(amount_minor - refunded_minor) FILTER (WHERE received_on = $1), 0)::bigint
                    AS "day!",
                  coalesce(sum(amount_minor - refunded_minor), 0)::bigint AS "season!"
           FROM payments
           WHERE status IN ('paid', 'refunded') AND received_on BETWEEN $2 AND $1
           GROUP BY currency ORDER BY currency"#,
        day,
        season_start
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Collected {
            currency: r.currency,
            day_minor: r.day,
            season_minor: r.season,
        })
        .collect())
}

async fn monthly(tx: &mut TenantTx, day: NaiveDate) -> Result<Vec<MonthCollected>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT to_char(date_trunc('month', received_on), 'YYYY-MM') AS "month!", currency,
                  sum(amount_minor - refunded_minor)::bigint AS "minor!"
           FROM payments
           WHERE status IN ('paid', 'refunded') AND received_on <= $1
             AND received_on >= date_trunc('month', $1::date) - interval '11 months'
           GROUP BY 1, 2 ORDER BY 1, 2"#,
        day
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MonthCollected {
            month: r.month,
            currency: r.currency,
            minor: r.minor,
        })
        .collect())
}

/// One licence holder, as a club may share them with its federation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LicenceHolder {
    pub name: String,
    pub plan: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

/// The people holding a licence on `day`, by name (no address, no e-mail).
pub async fn licence_holders(
    tx: &mut TenantTx,
    day: NaiveDate,
) -> Result<Vec<LicenceHolder>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.display_name, p.name AS plan, m.starts_on, m.ends_on
           FROM memberships m
           JOIN accounts a ON a.id = m.account_id
           JOIN plans p ON p.id = m.plan_id
           WHERE m.cancelled_at IS NULL
             AND coalesce(m.status_override, '') NOT IN ('expired', 'cancelled')
             AND m.starts_on <= $1 AND (m.ends_on IS NULL OR m.ends_on >= $1)
           ORDER BY a.display_name, m.starts_on
           LIMIT 20000"#,
        day
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LicenceHolder {
            name: r.display_name,
            plan: r.plan,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
        })
        .collect())
}
