//! The dashboard's figures, each one statement over the contributions
//! tables: money collected (received, net of refunds) over dates and per
//! month, the renewal rate between two seasons, and per plan its members,
//! what they owe for the season and what was collected for it.

use chrono::{Datelike, Months, NaiveDate};

use crate::db::TenantTx;
use crate::model::Currency;

/// `[first day, last day]` of the season containing `today`, seasons
/// starting on the first of `start_month`.
pub fn season_of(today: NaiveDate, start_month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let month = start_month.clamp(1, 12);
    let year = if today.month() >= month {
        today.year()
    } else {
        today.year() - 1
    };
    let start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let end = start.checked_add_months(Months::new(12))?.pred_opt()?;
    Some((start, end))
}

/// The same dates a year earlier (Feb 29 becomes Feb 28).
pub fn year_before(date: NaiveDate) -> Option<NaiveDate> {
    date.checked_sub_months(Months::new(12))
}

/// Received in `[from, to]`, net of refunds, in minor units of `currency`.
pub async fn collected(
    tx: &mut TenantTx,
    currency: Currency,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_minor - refunded_minor), 0)::bigint AS "minor!"
           FROM payments
           WHERE status IN ('paid', 'refunded') AND currency = $1
             AND received_on BETWEEN $2 AND $3"#,
        currency.code(),
        from,
        to
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Net received per month of `[from, to]`: `(first day of month, minor)`,
/// months without payments left out.
pub async fn monthly(
    tx: &mut TenantTx,
    currency: Currency,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT date_trunc('month', received_on)::date AS "month!",
                  sum(amount_minor - refunded_minor)::bigint AS "minor!"
           FROM payments
           WHERE status IN ('paid', 'refunded') AND currency = $1
             AND received_on BETWEEN $2 AND $3
           GROUP BY 1 ORDER BY 1"#,
        currency.code(),
        from,
        to
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(|r| (r.month, r.minor)).collect())
}

/// Renewals from one season to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Renewal {
    /// People with a dated membership over the earlier season.
    pub before: i64,
    /// Of those, people with one over the later season too.
    pub renewed: i64,
}

impl Renewal {
    /// Whole percent, `None` when nobody was a member before.
    pub fn percent(&self) -> Option<i64> {
        (self.before > 0).then(|| (self.renewed * 100 + self.before / 2) / self.before)
    }
}

/// Who renewed between seasons `before` and `after`: people with a
/// membership over `before` and one starting in `after` (lifetime and
/// one-off memberships have no renewal and are left out; cancelled ones
/// do not count).
pub async fn renewal(
    tx: &mut TenantTx,
    before: (NaiveDate, NaiveDate),
    after: (NaiveDate, NaiveDate),
) -> Result<Renewal, sqlx::Error> {
    let row = sqlx::query!(
        r#"WITH earlier AS (
               SELECT DISTINCT account_id FROM memberships
               WHERE cancelled_at IS NULL AND ends_on IS NOT NULL
                 AND starts_on <= $2 AND ends_on >= $1),
           later AS (
               SELECT DISTINCT account_id FROM memberships
               WHERE cancelled_at IS NULL AND ends_on IS NOT NULL
                 AND starts_on BETWEEN $3 AND $4)
           SELECT (SELECT count(*) FROM earlier) AS "before!",
                  (SELECT count(*) FROM earlier JOIN later USING (account_id)) AS "renewed!""#,
        before.0,
        before.1,
        after.0,
        after.1
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(Renewal {
        before: row.before,
        renewed: row.renewed,
    })
}

/// One plan over a season.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFigures {
    pub plan_id: i64,
    pub name: String,
    /// People with a membership of the plan over the season.
    pub members: i64,
    /// What memberships starting in the season cost (credits deducted).
    pub dues: i64,
    /// What payments received in the season paid of them, net of refunds.
    pub collected: i64,
}

/// Every plan with members or money in `[from, to]`, by name.
pub async fn by_plan(
    tx: &mut TenantTx,
    currency: Currency,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<PlanFigures>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH m AS (
               SELECT plan_id, count(DISTINCT account_id) AS members,
                      sum(amount_minor - credit_minor) FILTER (WHERE starts_on >= $2) AS dues
               FROM memberships
               WHERE cancelled_at IS NULL AND currency = $1
                 AND starts_on <= $3 AND (ends_on IS NULL OR ends_on >= $2)
               GROUP BY plan_id),
           c AS (
               SELECT ms.plan_id, sum(n.net_minor) AS collected
               FROM allocation_net n
               JOIN memberships ms ON ms.id = n.membership_id
               WHERE n.status IN ('paid', 'refunded') AND n.currency = $1
                 AND n.received_on BETWEEN $2 AND $3
               GROUP BY ms.plan_id)
           SELECT pl.id, pl.name,
                  coalesce(m.members, 0)::bigint AS "members!",
                  coalesce(m.dues, 0)::bigint AS "dues!",
                  coalesce(c.collected, 0)::bigint AS "collected!"
           FROM plans pl
           LEFT JOIN m ON m.plan_id = pl.id
           LEFT JOIN c ON c.plan_id = pl.id
           WHERE m.plan_id IS NOT NULL OR c.plan_id IS NOT NULL
           ORDER BY pl.position, pl.name, pl.id"#,
        currency.code(),
        from,
        to
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PlanFigures {
            plan_id: r.id,
            name: r.name,
            members: r.members,
            dues: r.dues,
            collected: r.collected,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn seasons_follow_the_start_month() {
        assert_eq!(
            season_of(date(2026, 12, 6), 9),
            Some((date(2026, 9, 1), date(2027, 8, 31)))
        );
        assert_eq!(
            season_of(date(2026, 3, 1), 9),
            Some((date(2025, 9, 1), date(2026, 8, 31)))
        );
        assert_eq!(
            season_of(date(2024, 2, 29), 1),
            Some((date(2024, 1, 1), date(2024, 12, 31)))
        );
        assert_eq!(year_before(date(2024, 2, 29)), Some(date(2023, 2, 28)));
    }

    #[test]
    fn renewal_rate_rounds() {
        let r = Renewal {
            before: 3,
            renewed: 2,
        };
        assert_eq!(r.percent(), Some(67));
        assert_eq!(
            Renewal {
                before: 0,
                renewed: 0
            }
            .percent(),
            None
        );
    }
}
