//! [`notify`]: the one entry point producers call, inside their own
//! transaction. One statement stores the notice and fans it out by each
//! recipient's preferences (in-app rows, the mail queue, the push queue);
//! then one `notifications.deliver` job is queued for what must leave now.
//! Everything commits or rolls back with the producer's change.

use serde_json::json;

use super::model::{Notice, NotifyError};
use crate::db::TenantTx;
use crate::jobs::{self, NewJob};

/// The job kind that sends a notice's mails and pushes.
pub const DELIVER_KIND: &str = "notifications.deliver";

/// What [`notify`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fanout {
    pub notice_id: i64,
    /// Active accounts of the audience.
    pub recipients: i64,
    /// Rows in members' lists.
    pub in_app: i64,
    /// Mails to send now.
    pub emails: i64,
    /// Mails waiting for their recipient's daily digest.
    pub digests: i64,
    /// Pushes to send (one per device).
    pub pushes: i64,
}

/// Stores `notice` and queues its deliveries, in the caller's transaction.
/// A notice nobody receives is still stored (and costs nothing more).
pub async fn notify(tx: &mut TenantTx, notice: Notice) -> Result<Fanout, NotifyError> {
    let text = notice.cleaned()?;
    let fanout = fan_out(tx, &notice, &text).await?;
    if fanout.emails > 0 || fanout.pushes > 0 {
        let job = NewJob::new(DELIVER_KIND, json!({ "notice_id": fanout.notice_id }));
        jobs::enqueue(tx, job).await?;
    }
    tracing::debug!(?fanout, kind = notice.kind.as_str(), "notice fanned out");
    Ok(fanout)
}

/// The notice row, then one statement per channel over the same
/// recipients (active accounts of the audience, with their choices or the
/// kind's defaults), as data-modifying CTEs: one round trip.
async fn fan_out(
    tx: &mut TenantTx,
    notice: &Notice,
    (title, body, url): &(String, String, String),
) -> Result<Fanout, sqlx::Error> {
    let (account, roles) = notice.audience.filter();
    let defaults = notice.kind.defaults();
    sqlx::query_as!(
        Fanout,
        r#"WITH notice AS (
               INSERT INTO notices (kind, title, body, url) VALUES ($1, $2, $3, $4)
               RETURNING id),
           recipients AS (
               SELECT a.id,
                      coalesce(p.in_app, $7) AS in_app,
                      coalesce(p.email, $8) AS email,
                      coalesce(p.push, $9) AS push,
                      coalesce(s.digest, false) AS digest
               FROM accounts a
               LEFT JOIN notification_preferences p ON p.account_id = a.id AND p.kind = $1
               LEFT JOIN notification_settings s ON s.account_id = a.id
               WHERE a.status = 'active' AND a.role = ANY($6::text[])
                 AND ($5::bigint IS NULL OR a.id = $5)),
           in_app AS (
               INSERT INTO notifications (account_id, notice_id)
               SELECT r.id, notice.id FROM recipients r, notice WHERE r.in_app
               RETURNING 1),
           mails AS (
               INSERT INTO notification_mail_queue (notice_id, account_id, digest)
               SELECT notice.id, r.id, r.digest FROM recipients r, notice WHERE r.email
               RETURNING digest),
           pushes AS (
               INSERT INTO notification_push_queue (notice_id, subscription_id)
               SELECT notice.id, s.id
               FROM recipients r JOIN push_subscriptions s ON s.account_id = r.id, notice
               WHERE r.push
               RETURNING 1)
           SELECT notice.id AS "notice_id!",
                  (SELECT count(*) FROM recipients) AS "recipients!",
                  (SELECT count(*) FROM in_app) AS "in_app!",
                  (SELECT count(*) FROM mails WHERE NOT digest) AS "emails!",
                  (SELECT count(*) FROM mails WHERE digest) AS "digests!",
                  (SELECT count(*) FROM pushes) AS "pushes!"
           FROM notice"#,
        notice.kind.as_str(),
        title,
        body,
        url,
        account,
        &roles,
        defaults.in_app,
        defaults.email,
        defaults.push
    )
    .fetch_one(tx.conn().await?)
    .await
}
