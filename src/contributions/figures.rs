//! Figures of the contributions for dashboards (reporting's widgets read
//! them here, never the tables): the season's money in one read
//! ([`super::season_money`]) and renewals and plans (the desk's
//! [`super::desk::stats`]), re-exported; active members, members by town
//! and age, arrears and the latest events. Each is one statement (active
//! members: the statuses come from the association's rules, in Rust, over
//! one read of the latest memberships).

use chrono::{DateTime, NaiveDate, Utc};

use super::memberships;
use crate::db::TenantTx;
use crate::model::Currency;

pub use super::desk::stats::{PlanFigures, Renewal, by_plan, renewal, season_of, year_before};
pub use super::season_money::{SeasonMoney, Window as SeasonWindow, read as season_money};

/// People whose latest membership is new, current or in grace on `today`.
pub async fn active_members(tx: &mut TenantTx, today: NaiveDate) -> Result<i64, sqlx::Error> {
    memberships::active_people(tx, today).await
}

/// A label and how many people (or payments) it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    /// A town as members wrote it (trimmed, first letter up), or empty
    /// when unknown.
    pub label: String,
    pub count: i64,
}

/// People with a membership over `[from, to]` (not cancelled) per town,
/// most first, the `top` largest towns then one line « other » (label
/// `"…"`) for the rest; people without a town are counted under `""`.
pub async fn members_by_town(
    tx: &mut TenantTx,
    from: NaiveDate,
    to: NaiveDate,
    top: i64,
) -> Result<Vec<Count>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH people AS (
               SELECT DISTINCT m.account_id FROM memberships m
               WHERE m.cancelled_at IS NULL AND m.starts_on <= $2
                 AND (m.ends_on IS NULL OR m.ends_on >= $1)),
           towns AS (
               SELECT coalesce(initcap(nullif(btrim(a.town), '')), '') AS town, count(*) AS n
               FROM people JOIN accounts a ON a.id = people.account_id
               GROUP BY 1),
           ranked AS (
               SELECT town, n, row_number() OVER (ORDER BY (town = ''), n DESC, town) AS rank
               FROM towns)
           SELECT CASE WHEN rank <= $3 OR town = '' THEN town ELSE '…' END AS "town!",
                  sum(n)::bigint AS "n!", min(rank) AS "rank!"
           FROM ranked GROUP BY 1 ORDER BY 3"#,
        from,
        to,
        top
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Count {
            label: r.town,
            count: r.n,
        })
        .collect())
}

/// People with a membership over `[from, to]` per age band on `today`:
/// labels `0-17`, `18-25`, `26-40`, `41-60`, `61+`, and `""` for those
/// who gave no birth date; bands without anyone left out, youngest first.
pub async fn members_by_age(
    tx: &mut TenantTx,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<Count>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH people AS (
               SELECT DISTINCT m.account_id FROM memberships m
               WHERE m.cancelled_at IS NULL AND m.starts_on <= $2
                 AND (m.ends_on IS NULL OR m.ends_on >= $1)),
           aged AS (
               SELECT extract(year FROM age($3::date, a.birth_date))::int AS years
               FROM people JOIN accounts a ON a.id = people.account_id)
           SELECT CASE WHEN years IS NULL THEN ''
                       WHEN years < 18 THEN '0-17' WHEN years <= 25 THEN '18-25'
                       WHEN years <= 40 THEN '26-40' WHEN years <= 60 THEN '41-60'
                       ELSE '61+' END AS "band!",
                  count(*) AS "n!", coalesce(min(years), 1000) AS "order!"
           FROM aged GROUP BY 1 ORDER BY 3"#,
        from,
        to,
        today
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Count {
            label: r.band,
            count: r.n,
        })
        .collect())
}

/// What members owe: how many have a positive balance, and its sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Arrears {
    pub people: i64,
    pub minor: i64,
}

/// The ledger's positive balances in `currency`.
pub async fn arrears(tx: &mut TenantTx, currency: Currency) -> Result<Arrears, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "people!", coalesce(sum(balance), 0)::bigint AS "minor!"
           FROM (SELECT sum(amount_minor) AS balance FROM ledger_entries
                 WHERE currency = $1 GROUP BY account_id
                 HAVING sum(amount_minor) > 0) owed"#,
        currency.code()
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(Arrears {
        people: row.people,
        minor: row.minor,
    })
}

/// Something that happened: `sign_up` (an account was created),
/// `membership` (one was taken, `detail` is its plan) or `payment`
/// (`minor` and `detail`, its method, known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub name: String,
    pub detail: String,
    pub minor: Option<i64>,
    pub currency: Option<String>,
}

/// The `limit` latest events, newest first; payments only with `money`.
pub async fn recent(tx: &mut TenantTx, limit: i64, money: bool) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"(SELECT 'sign_up' AS kind, a.created_at AS at, a.display_name AS name,
                   '' AS detail, NULL::bigint AS minor, NULL::text AS currency
            FROM accounts a WHERE a.status <> 'invited'
            ORDER BY a.created_at DESC LIMIT $1)
           UNION ALL
           (SELECT 'membership', m.created_at, a.display_name, pl.name, NULL, NULL
            FROM memberships m JOIN accounts a ON a.id = m.account_id
            JOIN plans pl ON pl.id = m.plan_id
            WHERE m.cancelled_at IS NULL
            ORDER BY m.created_at DESC LIMIT $1)
           UNION ALL
           (SELECT 'payment', p.created_at, a.display_name, p.method,
                   p.amount_minor - p.refunded_minor, p.currency
            FROM payments p JOIN accounts a ON a.id = p.payer_id
            WHERE $2 AND p.status IN ('paid', 'refunded')
            ORDER BY p.created_at DESC LIMIT $1)
           ORDER BY 2 DESC LIMIT $1"#,
        limit,
        money
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Event {
                kind: r.kind?,
                at: r.at?,
                name: r.name?,
                detail: r.detail.unwrap_or_default(),
                minor: r.minor,
                currency: r.currency,
            })
        })
        .collect())
}
