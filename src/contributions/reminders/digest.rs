//! The treasurers' weekly digest: payments of the last seven days (count
//! and total), memberships ending within 30 days, memberships that lapsed
//! in the last seven days. It goes to active treasurers and admins who have
//! not opted out of `treasurer_digest`, when the association has
//! `weekly_digest` on, once per ISO week: the first run of a week sends it
//! and records `contributions.digest.sent` with the week in the audit log,
//! in the transaction that queues the mails, under a lock, so two runs
//! never both send it.

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::links::{self, Linker, Topic};
use crate::audit::{self, Entry};
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::mail::{self, Mail};
use crate::model::{Amount, Email};

const ACTION: &str = "contributions.digest.sent";

/// `2026-W49`.
pub fn iso_week(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

struct Figures {
    payments: i64,
    total_minor: i64,
    expiring: i64,
    lapsed: i64,
}

async fn figures(
    tx: &mut TenantTx,
    today: NaiveDate,
    currency: &str,
) -> Result<Figures, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM payments
              WHERE status = 'paid' AND received_on > $1::date - 7 AND received_on <= $1
                AND currency = $2) AS "payments!",
             (SELECT coalesce(sum(amount_minor - refunded_minor), 0)::bigint FROM payments
              WHERE status = 'paid' AND received_on > $1::date - 7 AND received_on <= $1
                AND currency = $2) AS "total!",
             (SELECT count(*) FROM memberships m
              WHERE m.cancelled_at IS NULL AND m.ends_on >= $1 AND m.ends_on < $1::date + 30
                AND NOT EXISTS (SELECT 1 FROM memberships r
                                WHERE r.previous_id = m.id AND r.cancelled_at IS NULL)) AS "expiring!",
             (SELECT count(*) FROM memberships m
              WHERE m.cancelled_at IS NULL AND m.ends_on >= $1::date - 7 AND m.ends_on < $1
                AND NOT EXISTS (SELECT 1 FROM memberships r
                                WHERE r.previous_id = m.id AND r.cancelled_at IS NULL)) AS "lapsed!""#,
        today,
        currency
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(Figures {
        payments: row.payments,
        total_minor: row.total,
        expiring: row.expiring,
        lapsed: row.lapsed,
    })
}

struct Recipient {
    id: i64,
    email: String,
    display_name: String,
    locale: Option<String>,
}

async fn recipients(tx: &mut TenantTx) -> Result<Vec<Recipient>, sqlx::Error> {
    sqlx::query_as!(
        Recipient,
        "SELECT a.id, a.email, a.display_name, a.locale FROM accounts a
         WHERE a.role IN ('treasurer', 'admin') AND a.status = 'active'
           AND NOT EXISTS (SELECT 1 FROM mail_opt_outs o
                           WHERE o.account_id = a.id AND o.topic = 'treasurer_digest')
         ORDER BY a.id"
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Whether this week's digest went already; waits for a run holding the
/// week's lock (ends with the caller's transaction).
async fn already_sent(tx: &mut TenantTx, week: &str) -> Result<bool, sqlx::Error> {
    // One lock per tenant: the key mixes the tenant id with a constant.
    let key = tx.tenant().id.get() ^ 0x6469_6765_7374_0000;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", key)
        .execute(tx.conn().await?)
        .await?;
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM audit_log
                          WHERE action = $1 AND detail->>'week' = $2) AS "sent!""#,
        ACTION,
        week
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Queues this week's digest if due; returns the number of mails queued.
pub async fn send_if_due(
    tx: &mut TenantTx,
    linker: &Linker,
    today: NaiveDate,
) -> Result<usize, sqlx::Error> {
    let settings = settings::get(tx).await?;
    if !settings.weekly_digest {
        return Ok(0);
    }
    let week = iso_week(today);
    if already_sent(tx, &week).await? {
        return Ok(0);
    }
    let currency = settings.currency;
    let figures = figures(tx, today, currency.code()).await?;
    let people = recipients(tx).await?;
    let tenant = tx.tenant().clone();
    let host = tenant.canonical_host().as_str();
    for person in &people {
        let locale = person
            .locale
            .clone()
            .unwrap_or_else(|| tenant.locale.clone());
        let total = Amount::new(figures.total_minor, currency)
            .unwrap_or_else(|| Amount::zero(currency))
            .format(&locale);
        let unsubscribe =
            links::unsubscribe_token(&linker.keys, tenant.id, person.id, Topic::TreasurerDigest);
        let data = json!({
            "name": person.display_name,
            "week": week,
            "payments": figures.payments,
            "total": total,
            "expiring": figures.expiring,
            "lapsed": figures.lapsed,
            "link": linker.absolute(host, "/treasury/"),
            "unsubscribe_link": linker.absolute(host, &format!("/membership/unsubscribe/{unsubscribe}")),
        });
        let to = Email::parse(&person.email).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let mail = Mail {
            to,
            to_name: Some(person.display_name.clone()),
            template: "treasurer-digest",
            locale,
            data,
        };
        mail::queue(tx, &mail).await?;
    }
    let detail = json!({ "week": week, "recipients": people.len() });
    audit::record(tx, Entry::new(ACTION).with(detail)).await?;
    Ok(people.len())
}
