//! What staff do to a project besides writing it, the same through the
//! pages and the API, and the audit entry of every staff change (in the
//! request's transaction, like the change itself).

use std::net::IpAddr;

use serde_json::{Value, json};

use super::error::{Error, Refusal};
use super::model::Status;
use super::store;
use crate::audit::{self, Entry};
use crate::contributions::earmarks;
use crate::db::TenantTx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Draft, open, closed or archived.
    Move(Status),
    LockComments,
    UnlockComments,
    /// For good, with its updates, comments and volunteers; refused once
    /// money was earmarked for it.
    Delete,
}

impl Action {
    /// A path segment of the staff's buttons.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "lock" => Action::LockComments,
            "unlock" => Action::UnlockComments,
            "delete" => Action::Delete,
            other => Action::Move(Status::parse(other)?),
        })
    }
}

/// Who acts, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub account_id: i64,
    pub ip: Option<IpAddr>,
}

/// Applies `action` to `id`; false when nothing changed (no such project,
/// or it was so already).
pub async fn apply(
    tx: &mut TenantTx,
    id: i64,
    action: Action,
    actor: Actor,
) -> Result<bool, Error> {
    let (done, name, detail) = match action {
        Action::Move(status) => (
            store::set_status(tx, id, status).await?,
            "project.status",
            json!({ "status": status.as_str() }),
        ),
        Action::LockComments => (
            store::set_comments_locked(tx, id, true).await?,
            "project.comments_locked",
            Value::Null,
        ),
        Action::UnlockComments => (
            store::set_comments_locked(tx, id, false).await?,
            "project.comments_unlocked",
            Value::Null,
        ),
        Action::Delete => {
            if earmarks::has_payments(tx, id).await? {
                return Err(Refusal::HasDonations.into());
            }
            (store::delete(tx, id).await?, "project.deleted", Value::Null)
        }
    };
    if done {
        record(tx, name, id, actor, detail).await?;
    }
    Ok(done)
}

/// Audits a staff change of project `id` (`project.created`, …).
pub async fn record(
    tx: &mut TenantTx,
    name: &str,
    id: i64,
    actor: Actor,
    detail: Value,
) -> Result<(), sqlx::Error> {
    let mut details = json!({ "project": id });
    if let (Some(all), Value::Object(more)) = (details.as_object_mut(), detail) {
        all.extend(more);
    }
    let entry = Entry::new(name)
        .by(actor.account_id)
        .from(actor.ip)
        .with(details);
    audit::record(tx, entry).await
}
