//! What an editor does to an announcement besides writing it, the same
//! through the pages and the API: each change is audited in the same
//! transaction.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::store;
use crate::audit::{self, Entry};
use crate::db::TenantTx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Published now (or again, after an archive or a schedule).
    Publish,
    /// Published at a later time.
    Schedule(DateTime<Utc>),
    /// Back to a draft: out of every list.
    Unpublish,
    Pin,
    Unpin,
    Archive,
    Restore,
    Delete,
}

impl Action {
    /// A path segment of the editor's buttons.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "publish" => Action::Publish,
            "unpublish" => Action::Unpublish,
            "pin" => Action::Pin,
            "unpin" => Action::Unpin,
            "archive" => Action::Archive,
            "restore" => Action::Restore,
            "delete" => Action::Delete,
            _ => return None,
        })
    }

    fn audit_name(self) -> &'static str {
        match self {
            Action::Publish => "announcement.published",
            Action::Schedule(_) => "announcement.scheduled",
            Action::Unpublish => "announcement.unpublished",
            Action::Pin => "announcement.pinned",
            Action::Unpin => "announcement.unpinned",
            Action::Archive => "announcement.archived",
            Action::Restore => "announcement.restored",
            Action::Delete => "announcement.deleted",
        }
    }
}

/// Who acts, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub account_id: i64,
    pub ip: Option<IpAddr>,
}

/// Applies `action` to `id`; false when there is no such announcement.
pub async fn apply(
    tx: &mut TenantTx,
    id: i64,
    action: Action,
    actor: Actor,
) -> Result<bool, sqlx::Error> {
    let done = match action {
        Action::Publish => publish(tx, id, Utc::now()).await?,
        Action::Schedule(at) => publish(tx, id, at).await?,
        Action::Unpublish => store::set_publication(tx, id, None).await?,
        Action::Pin => store::set_pinned(tx, id, true).await?,
        Action::Unpin => store::set_pinned(tx, id, false).await?,
        Action::Archive => store::set_archived(tx, id, true).await?,
        Action::Restore => store::set_archived(tx, id, false).await?,
        Action::Delete => store::delete(tx, id).await?,
    };
    if done {
        record(tx, action.audit_name(), id, actor).await?;
    }
    Ok(done)
}

/// Publishes `id` at `at`, and asks for members to be told then.
async fn publish(tx: &mut TenantTx, id: i64, at: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = store::set_publication(tx, id, Some(at)).await?;
    if done {
        super::notice::schedule(tx, id, at).await?;
    }
    Ok(done)
}

/// Audits a write of `id` (`announcement.created`, `….updated`, or an action).
pub async fn record(
    tx: &mut TenantTx,
    name: &str,
    id: i64,
    actor: Actor,
) -> Result<(), sqlx::Error> {
    let entry = Entry::new(name)
        .by(actor.account_id)
        .from(actor.ip)
        .with(serde_json::json!({ "announcement": id }));
    audit::record(tx, entry).await
}
