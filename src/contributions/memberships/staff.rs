//! What staff may do to one membership: cancel it (what was still due is
//! written off by a reversing ledger line) or force its status, with a
//! reason, until the override is cleared.

use serde_json::json;

use super::view;
use crate::audit::{self, Entry};
use crate::contributions::error::Error;
use crate::contributions::ledger::{self, Line};
use crate::contributions::model::{LedgerKind, Status};
use crate::db::TenantTx;

/// Cancels a membership; the unpaid rest is written off.
pub async fn cancel(
    tx: &mut TenantTx,
    membership_id: i64,
    reason: &str,
    by: i64,
) -> Result<(), Error> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(Error::invalid(
            "reason",
            "reason",
            "give a reason of at most 300 characters",
        ));
    }
    let membership = view::find(tx, membership_id)
        .await?
        .ok_or(Error::NotFound("membership"))?;
    if membership.status == Status::Cancelled && !membership.status_overridden {
        return Err(Error::conflict(
            "already-cancelled",
            "this membership is already cancelled",
        ));
    }
    sqlx::query!(
        "UPDATE memberships SET cancelled_at = now(), cancel_reason = $2 WHERE id = $1 AND cancelled_at IS NULL",
        membership_id,
        reason
    )
    .execute(tx.conn().await?)
    .await?;
    if membership.due.is_positive() {
        let write_off = membership.due.negated();
        ledger::append(
            tx,
            Line {
                account_id: membership.payer_id,
                kind: LedgerKind::Reversal,
                amount: write_off,
                membership_id: Some(membership_id),
                payment_id: None,
                memo: "membership cancelled",
                recorded_by: Some(by),
            },
        )
        .await?;
    }
    audit::record(
        tx,
        Entry::new("contributions.membership.cancel")
            .by(by)
            .on(membership.account_id)
            .with(json!({ "membership": membership_id, "reason": reason, "written_off_minor": membership.due.minor() })),
    )
    .await?;
    Ok(())
}

/// Forces (`Some`) or clears (`None`) the status of a membership.
pub async fn override_status(
    tx: &mut TenantTx,
    membership_id: i64,
    status: Option<Status>,
    reason: &str,
    by: i64,
) -> Result<(), Error> {
    let reason = reason.trim();
    if status.is_some() && (reason.is_empty() || reason.chars().count() > 500) {
        return Err(Error::invalid(
            "reason",
            "reason",
            "give a reason of at most 500 characters",
        ));
    }
    let updated = sqlx::query!(
        "UPDATE memberships SET status_override = $2, override_reason = $3, overridden_by = $4 WHERE id = $1
         RETURNING account_id",
        membership_id,
        status.map(|s| s.as_str()),
        status.map(|_| reason),
        status.map(|_| by)
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .ok_or(Error::NotFound("membership"))?;
    audit::record(
        tx,
        Entry::new("contributions.membership.override")
            .by(by)
            .on(updated.account_id)
            .with(json!({ "membership": membership_id, "status": status.map(|s| s.as_str()), "reason": reason })),
    )
    .await?;
    Ok(())
}

/// Adds `days` (negative: takes them back) to the end of `account_id`'s
/// latest dated, uncancelled membership: a reward in free time. Returns
/// the membership, or `None` when there is none to extend (the reward then
/// waits for one). A lifetime membership has nothing to extend: `None` too.
pub async fn extend_latest(
    tx: &mut TenantTx,
    account_id: i64,
    days: i32,
    why: &str,
) -> Result<Option<i64>, Error> {
    let extended = sqlx::query_scalar!(
        "UPDATE memberships SET ends_on = greatest(starts_on, ends_on + $2::int)
         WHERE id = (SELECT id FROM memberships WHERE account_id = $1 AND cancelled_at IS NULL AND ends_on IS NOT NULL
                     ORDER BY ends_on DESC, id DESC LIMIT 1)
         RETURNING id",
        account_id,
        days
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    if let Some(id) = extended {
        audit::record(
            tx,
            Entry::new("contributions.membership.extend")
                .on(account_id)
                .with(json!({ "membership": id, "days": days, "why": why })),
        )
        .await?;
    }
    Ok(extended)
}
