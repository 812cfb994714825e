//! What a payer still owes, due date by due date: each membership's price
//! less its credit and whatever is paid or on its way, split along its
//! instalments when it has some (what is covered pays the earliest ones
//! first). Direct debit plans its collections from this list.

use chrono::NaiveDate;

use crate::db::TenantTx;
use crate::model::{Amount, Currency};

/// One amount owed on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDue {
    pub membership_id: i64,
    pub plan_id: i64,
    pub plan_name: String,
    pub due_on: NaiveDate,
    pub amount: Amount,
}

/// The payer's dues falling on or before `until`, earliest first. A due
/// already covered by a pending payment (a transfer announced, a debit
/// planned) is not listed.
pub async fn open_dues(
    tx: &mut TenantTx,
    payer_id: i64,
    until: NaiveDate,
) -> Result<Vec<OpenDue>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.plan_id, p.name AS plan_name, m.starts_on, m.amount_minor, m.currency,
                  (m.credit_minor + coalesce((
                      SELECT sum(n.net_minor) FROM allocation_net n
                      WHERE n.membership_id = m.id AND n.status IN ('paid', 'refunded', 'pending')), 0))::bigint
                    AS "covered!",
                  coalesce((SELECT array_agg(i.due_on ORDER BY i.number) FROM membership_instalments i
                            WHERE i.membership_id = m.id), '{}') AS "instalment_dates!",
                  coalesce((SELECT array_agg(i.amount_minor ORDER BY i.number) FROM membership_instalments i
                            WHERE i.membership_id = m.id), '{}') AS "instalment_amounts!"
           FROM memberships m JOIN plans p ON p.id = m.plan_id
           WHERE m.payer_id = $1 AND m.cancelled_at IS NULL AND m.starts_on <= $2
           ORDER BY m.starts_on, m.id"#,
        payer_id,
        until
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut dues = Vec::new();
    for row in rows {
        let Ok(currency) = Currency::parse(&row.currency) else {
            continue;
        };
        let schedule: Vec<(NaiveDate, i64)> = if row.instalment_dates.is_empty() {
            vec![(row.starts_on, row.amount_minor)]
        } else {
            row.instalment_dates
                .into_iter()
                .zip(row.instalment_amounts)
                .collect()
        };
        for (due_on, minor) in uncovered(&schedule, row.covered) {
            if due_on > until {
                continue;
            }
            if let Some(amount) = Amount::new(minor, currency) {
                dues.push(OpenDue {
                    membership_id: row.id,
                    plan_id: row.plan_id,
                    plan_name: row.plan_name.clone(),
                    due_on,
                    amount,
                });
            }
        }
    }
    dues.sort_by_key(|due| (due.due_on, due.membership_id));
    Ok(dues)
}

/// What is left of each scheduled amount once `covered` pays the earliest.
pub(super) fn uncovered(schedule: &[(NaiveDate, i64)], covered: i64) -> Vec<(NaiveDate, i64)> {
    let mut left_to_cover = covered.max(0);
    let mut open = Vec::new();
    for &(due_on, minor) in schedule {
        let taken = left_to_cover.min(minor);
        left_to_cover -= taken;
        if minor > taken {
            open.push((due_on, minor - taken));
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> Result<NaiveDate, String> {
        NaiveDate::from_ymd_opt(2026, 9, d).ok_or_else(|| format!("no 2026-09-{d}"))
    }

    #[test]
    fn covered_money_pays_the_earliest_instalments_first() -> Result<(), String> {
        let (a, b, c) = (day(1)?, day(2)?, day(3)?);
        let schedule = [(a, 3_400), (b, 3_300), (c, 3_300)];
        assert_eq!(uncovered(&schedule, 0), schedule.to_vec());
        assert_eq!(uncovered(&schedule, 3_400), vec![(b, 3_300), (c, 3_300)]);
        assert_eq!(uncovered(&schedule, 5_000), vec![(b, 1_700), (c, 3_300)]);
        assert_eq!(uncovered(&schedule, 10_000), vec![]);
        assert_eq!(uncovered(&schedule, 12_000), vec![]);
        Ok(())
    }
}
