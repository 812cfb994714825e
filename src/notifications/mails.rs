//! Notification mails: one notice to one member now ([`send_batch`], from
//! the deliver job), or one member's accumulated notices in their daily
//! digest ([`send_digests`]). Both go through `mail::queue` (the tenant's
//! theme and brand, the reader's language, sent by the job queue) and
//! delete the queue rows they used in the same transaction.

use serde_json::{Value, json};

use super::model::Kind;
use super::service::Notifications;
use super::unsubscribe;
use crate::db::TenantTx;
use crate::mail::{self, Mail};
use crate::model::{Email, Tenant};

/// The mail's own way out: stop mails of `kind` (or, `None`, of any kind).
fn unsubscribe_link(
    service: &Notifications,
    tenant: &Tenant,
    account: i64,
    kind: Option<Kind>,
) -> String {
    let token = unsubscribe::token(service.keys(), tenant.id, account, kind);
    service.link(tenant, &format!("/notifications/unsubscribe/{token}"))
}

/// Notices listed in one digest (the rest are counted).
const DIGEST_ITEMS: usize = 30;

/// What a batch did: rows taken from the queue, mails queued.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent {
    pub taken: usize,
    pub queued: usize,
}

struct Reader {
    id: i64,
    email: String,
    name: String,
    locale: Option<String>,
}

impl Reader {
    /// `None` for an address that no longer parses (never expected: stored
    /// addresses are checked); that mail is dropped rather than retried.
    fn mail(&self, tenant_locale: &str, template: &'static str, data: Value) -> Option<Mail> {
        Some(Mail {
            to: Email::parse(&self.email).ok()?,
            to_name: Some(self.name.clone()),
            template,
            locale: self
                .locale
                .clone()
                .unwrap_or_else(|| tenant_locale.to_owned()),
            data,
        })
    }
}

/// Queues the mails of up to `limit` recipients of `notice_id`.
pub async fn send_batch(
    service: &Notifications,
    tx: &mut TenantTx,
    notice_id: i64,
    limit: i64,
) -> Result<Sent, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT q.account_id, a.email, a.display_name, a.locale, a.status = 'active' AS "active!",
                  n.kind, n.title, n.body, n.url
           FROM notification_mail_queue q
           JOIN accounts a ON a.id = q.account_id
           JOIN notices n ON n.id = q.notice_id
           WHERE q.notice_id = $1 AND NOT q.digest
           ORDER BY q.account_id LIMIT $2
           FOR UPDATE OF q SKIP LOCKED"#,
        notice_id,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let tenant = tx.tenant().clone();
    let preferences = service.link(&tenant, "/notifications/preferences");
    let mut queued = 0;
    for row in rows.iter().filter(|r| r.active) {
        let reader = Reader {
            id: row.account_id,
            email: row.email.clone(),
            name: row.display_name.clone(),
            locale: row.locale.clone(),
        };
        let data = json!({
            "name": row.display_name,
            "kind": row.kind,
            "title": row.title,
            "body": row.body,
            "link": service.link(&tenant, &row.url),
            "preferences_link": preferences,
            "unsubscribe_link": unsubscribe_link(service, &tenant, row.account_id, Kind::parse(&row.kind)),
        });
        if let Some(mail) = reader.mail(&tenant.locale, "notification", data) {
            mail::queue(tx, &mail).await?;
            queued += 1;
        }
    }
    let accounts: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    sqlx::query!(
        "DELETE FROM notification_mail_queue
         WHERE notice_id = $1 AND account_id = ANY($2::bigint[]) AND NOT digest",
        notice_id,
        &accounts
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(Sent {
        taken: rows.len(),
        queued,
    })
}

/// Queues the digests of up to `limit` members whose digest is due: they
/// have notices waiting and got no digest in the last 23 hours (so one a
/// day, whatever the minute the hourly job runs). The members' rows are
/// locked against a concurrent run (`NO KEY UPDATE`: a notice fanned out
/// meanwhile, whose rows point at them, does not wait).
pub async fn send_digests(
    service: &Notifications,
    tx: &mut TenantTx,
    limit: i64,
) -> Result<Sent, sqlx::Error> {
    let readers = sqlx::query!(
        r#"SELECT a.id, a.email, a.display_name, a.locale, a.status = 'active' AS "active!"
           FROM accounts a
           LEFT JOIN notification_settings s ON s.account_id = a.id
           WHERE EXISTS (SELECT 1 FROM notification_mail_queue q
                         WHERE q.account_id = a.id AND q.digest)
             AND (s.last_digest_at IS NULL OR s.last_digest_at < now() - interval '23 hours')
           ORDER BY a.id LIMIT $1
           FOR NO KEY UPDATE OF a SKIP LOCKED"#,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut queued = 0;
    for reader in &readers {
        let items = take_digest_items(tx, reader.id).await?;
        if !reader.active || items.is_empty() {
            continue;
        }
        let person = Reader {
            id: reader.id,
            email: reader.email.clone(),
            name: reader.display_name.clone(),
            locale: reader.locale.clone(),
        };
        if let Some(mail) = digest_mail(service, tx, &person, &items) {
            mail::queue(tx, &mail).await?;
            queued += 1;
        }
    }
    let ids: Vec<i64> = readers.iter().map(|r| r.id).collect();
    sqlx::query!(
        "INSERT INTO notification_settings (account_id, last_digest_at)
         SELECT id, now() FROM unnest($1::bigint[]) AS t (id)
         ON CONFLICT (account_id) DO UPDATE SET last_digest_at = now()",
        &ids
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(Sent {
        taken: readers.len(),
        queued,
    })
}

struct DigestItem {
    kind: String,
    title: String,
    url: String,
}

/// The member's waiting notices, oldest first, taken off the queue.
async fn take_digest_items(
    tx: &mut TenantTx,
    account: i64,
) -> Result<Vec<DigestItem>, sqlx::Error> {
    sqlx::query_as!(
        DigestItem,
        "WITH taken AS (
             DELETE FROM notification_mail_queue
             WHERE account_id = $1 AND digest
             RETURNING notice_id)
         SELECT n.kind, n.title, n.url FROM notices n JOIN taken t ON t.notice_id = n.id
         ORDER BY n.id",
        account
    )
    .fetch_all(tx.conn().await?)
    .await
}

fn digest_mail(
    service: &Notifications,
    tx: &TenantTx,
    reader: &Reader,
    items: &[DigestItem],
) -> Option<Mail> {
    let tenant = tx.tenant();
    let listed: Vec<Value> = items
        .iter()
        .take(DIGEST_ITEMS)
        .map(|item| {
            json!({
                "kind": item.kind,
                "title": item.title,
                "link": service.link(tenant, &item.url),
            })
        })
        .collect();
    let data = json!({
        "name": reader.name,
        "count": items.len(),
        "items": listed,
        "more": items.len().saturating_sub(DIGEST_ITEMS),
        "link": service.link(tenant, "/notifications/"),
        "preferences_link": service.link(tenant, "/notifications/preferences"),
        "unsubscribe_link": unsubscribe_link(service, tenant, reader.id, None),
    });
    reader.mail(&tenant.locale, "notification-digest", data)
}
