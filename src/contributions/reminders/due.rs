//! Which renewal reminders are due, and sending one batch of them.
//!
//! A reminder is due for a membership and an offset N of
//! `contribution_settings.reminder_days` when `ends_on - N <= today` (so a
//! day the job did not run is caught up) and not earlier than `CATCH_UP`
//! days ago (an old offset is not sent late, nor several at once), the
//! membership is neither cancelled nor followed by a later one of the same
//! member, its plan still exists, the payer is active and has not opted
//! out of `renewal_reminders`, and no `reminders_sent` row says it went.
//!
//! One mail per payer lists the memberships it pays for (a household gets
//! one mail). The `reminders_sent` rows and the mail job are written in the
//! same transaction: the unique row is what makes each reminder leave
//! exactly once, whatever restarts or concurrent runs happen.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use serde_json::json;

use super::links::{self, Linker, Topic};
use crate::db::TenantTx;
use crate::mail::{self, Mail};
use crate::model::{Amount, Currency, Email};

/// How many days late a due reminder is still sent.
pub const CATCH_UP: i32 = 7;

/// One due (membership, offset), with what the mail shows.
#[derive(Debug, Clone)]
struct Due {
    membership_id: i64,
    offset_days: i32,
    payer_id: i64,
    payer_email: String,
    payer_name: String,
    locale: Option<String>,
    member_name: String,
    plan_name: String,
    ends_on: NaiveDate,
    amount_minor: i64,
    currency: String,
}

/// Due reminders of at most `payers` payers (all of each one's).
async fn due(tx: &mut TenantTx, today: NaiveDate, payers: i64) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as!(
        Due,
        r#"WITH due AS (
               SELECT m.id, m.payer_id, m.account_id, m.plan_id, m.ends_on, m.amount_minor,
                      m.currency, d.n
               FROM memberships m
               CROSS JOIN contribution_settings s
               CROSS JOIN LATERAL unnest(s.reminder_days) AS d(n)
               WHERE m.cancelled_at IS NULL AND m.ends_on IS NOT NULL
                 AND coalesce(m.status_override, '') <> 'cancelled'
                 AND m.ends_on - d.n <= $1::date
                 AND m.ends_on - d.n > $1::date - $2::int
                 AND NOT EXISTS (SELECT 1 FROM memberships later
                                 WHERE later.account_id = m.account_id
                                   AND later.cancelled_at IS NULL
                                   AND later.id <> m.id
                                   AND (later.previous_id = m.id
                                        OR (later.starts_on > m.starts_on
                                            AND (later.ends_on IS NULL OR later.ends_on > m.ends_on))))
                 AND NOT EXISTS (SELECT 1 FROM reminders_sent r
                                 WHERE r.membership_id = m.id AND r.offset_days = d.n)
                 AND NOT EXISTS (SELECT 1 FROM mail_opt_outs o
                                 WHERE o.account_id = m.payer_id AND o.topic = 'renewal_reminders')
           ),
           payers AS (
               SELECT DISTINCT due.payer_id FROM due
               JOIN accounts a ON a.id = due.payer_id AND a.status = 'active'
               ORDER BY due.payer_id LIMIT $3
           )
           SELECT due.id AS "membership_id!", due.n AS "offset_days!", due.payer_id AS "payer_id!",
                  payer.email AS payer_email, payer.display_name AS payer_name,
                  payer.locale, member.display_name AS member_name, p.name AS plan_name,
                  due.ends_on AS "ends_on!", due.amount_minor AS "amount_minor!",
                  due.currency AS "currency!"
           FROM due
           JOIN payers USING (payer_id)
           JOIN accounts payer ON payer.id = due.payer_id
           JOIN accounts member ON member.id = due.account_id
           JOIN plans p ON p.id = due.plan_id
           ORDER BY due.payer_id, due.ends_on, due.id, due.n"#,
        today,
        CATCH_UP,
        payers
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Marks these reminders as sent; returns those this call marked (a
/// concurrent run that got there first keeps the others).
async fn mark_sent(tx: &mut TenantTx, due: &[Due]) -> Result<Vec<(i64, i32)>, sqlx::Error> {
    let ids: Vec<i64> = due.iter().map(|d| d.membership_id).collect();
    let offsets: Vec<i32> = due.iter().map(|d| d.offset_days).collect();
    let rows = sqlx::query!(
        "INSERT INTO reminders_sent (membership_id, offset_days)
         SELECT * FROM unnest($1::bigint[], $2::int[])
         ON CONFLICT DO NOTHING
         RETURNING membership_id, offset_days",
        &ids,
        &offsets
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.membership_id, r.offset_days))
        .collect())
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Batch {
    /// Payers looked at (a full batch means there may be more).
    pub payers: usize,
    /// Mails queued.
    pub mails: usize,
}

/// Sends the due reminders of up to `payers` payers in the caller's
/// transaction (which the caller commits).
pub async fn send_batch(
    tx: &mut TenantTx,
    linker: &Linker,
    today: NaiveDate,
    payers: i64,
) -> Result<Batch, sqlx::Error> {
    let due = due(tx, today, payers).await?;
    let marked = mark_sent(tx, &due).await?;
    let mut by_payer: BTreeMap<i64, Vec<&Due>> = BTreeMap::new();
    for reminder in &due {
        if marked.contains(&(reminder.membership_id, reminder.offset_days)) {
            by_payer
                .entry(reminder.payer_id)
                .or_default()
                .push(reminder);
        }
    }
    let payers_seen = due
        .iter()
        .map(|d| d.payer_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut mails = 0;
    for reminders in by_payer.values() {
        queue_mail(tx, linker, today, reminders).await?;
        mails += 1;
    }
    Ok(Batch {
        payers: payers_seen,
        mails,
    })
}

/// One payer's mail: the memberships (each once, whatever offsets were
/// due together), a renew link and an unsubscribe link.
async fn queue_mail(
    tx: &mut TenantTx,
    linker: &Linker,
    today: NaiveDate,
    reminders: &[&Due],
) -> Result<(), sqlx::Error> {
    let Some(first) = reminders.first() else {
        return Ok(());
    };
    let tenant = tx.tenant().clone();
    let locale = first
        .locale
        .clone()
        .unwrap_or_else(|| tenant.locale.clone());
    let mut seen = Vec::new();
    let mut memberships = Vec::new();
    for reminder in reminders {
        if seen.contains(&reminder.membership_id) {
            continue;
        }
        seen.push(reminder.membership_id);
        let currency = Currency::parse(&reminder.currency).unwrap_or_default();
        let amount = Amount::new(reminder.amount_minor, currency)
            .map(|a| a.format(&locale))
            .unwrap_or_default();
        memberships.push(json!({
            "member": reminder.member_name,
            "plan": reminder.plan_name,
            "ends_on": crate::contributions::pages::day(reminder.ends_on, &locale),
            "amount": amount,
        }));
    }
    let host = tenant.canonical_host().as_str();
    let renew = links::renew_token(&linker.keys, tenant.id, first.membership_id, Utc::now());
    let unsubscribe = links::unsubscribe_token(
        &linker.keys,
        tenant.id,
        first.payer_id,
        Topic::RenewalReminders,
    );
    let renew_link = linker.absolute(host, &format!("/membership/renew/{renew}"));
    let state = if first.ends_on < today {
        "ended"
    } else {
        "ending"
    };
    let data = json!({
        "name": first.payer_name,
        "state": state,
        "ends_on": crate::contributions::pages::day(first.ends_on, &locale),
        "memberships": memberships,
        "link": renew_link,
        "unsubscribe_link": linker.absolute(host, &format!("/membership/unsubscribe/{unsubscribe}")),
    });
    // A stored address always parses; if one ever did not, the reminder
    // is dropped rather than blocking the tenant's run for good.
    let Ok(to) = Email::parse(&first.payer_email) else {
        return Ok(());
    };
    let mail = Mail {
        to,
        to_name: Some(first.payer_name.clone()),
        template: "renewal-reminder",
        locale,
        data,
    };
    mail::queue(tx, &mail).await
}
