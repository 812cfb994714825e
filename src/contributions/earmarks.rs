//! Payments earmarked for a project (« don fléché »). A donation is a
//! payment like any other — the same row, receipt and audit entry, written
//! by the payments core — that pays no membership and is tied to one
//! project in `payment_earmarks`. Its ledger gets a `donation` line beside
//! the payment line, so the gift leaves the member's balance where it was
//! (a donation never reads as credit towards dues); a refund reverses both
//! by the amount given back. What a project raised is read here, from the
//! payments and their refunds: pending and failed ones count for nothing.
//!
//! A gift to the association itself (the donation page's default) is an
//! earmark without a project: the same donation line, receipt and tax
//! basis, counted towards no project.
//!
//! Projects are the `projects` module's: this one knows them only through
//! the `earmark_targets` view its migration creates (id, title, currency,
//! open), and `projects` calls [`raised_for`], never the other way round.

use std::collections::HashMap;

use super::error::Error;
use super::ledger::{self, Line};
use super::model::LedgerKind;
use super::payments::{self, NewPayment, Payment};
use crate::db::TenantTx;
use crate::model::Amount;

/// A project money may be earmarked for now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    pub id: i64,
    pub title: String,
}

/// What a donation was given to: a project, or (no project, empty
/// title) the association itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Earmark {
    pub project_id: Option<i64>,
    pub title: String,
}

/// A payment recorded as a gift: to `project_id`, or to the association.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gift {
    pub project_id: Option<i64>,
}

/// The open projects, by title: what the treasurer may choose.
pub async fn targets(tx: &mut TenantTx) -> Result<Vec<Target>, sqlx::Error> {
    sqlx::query_as!(
        Target,
        r#"SELECT id AS "id!", title AS "title!" FROM earmark_targets
           WHERE open ORDER BY title, id"#
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Records `payment` as a donation to `project_id`: the project must be
/// open and in the payment's currency, and the payment must not be
/// allocated to memberships. Nothing is written when it is refused.
pub async fn record_donation(
    tx: &mut TenantTx,
    payment: &NewPayment,
    project_id: i64,
    by: Option<i64>,
) -> Result<Payment, Error> {
    if !payment.allocations.is_empty() {
        return Err(Error::invalid(
            "allocations",
            "donation-allocated",
            "a donation pays no membership: leave allocations empty",
        ));
    }
    let target = sqlx::query!(
        r#"SELECT currency AS "currency!", open AS "open!" FROM earmark_targets WHERE id = $1"#,
        project_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(target) = target.filter(|t| t.open) else {
        return Err(Error::invalid(
            "project_id",
            "not-open",
            "no open project with this id",
        ));
    };
    if target.currency != payment.amount.currency().code() {
        return Err(Error::invalid(
            "amount",
            "wrong-currency",
            format!("this project is in {}", target.currency),
        ));
    }
    let gift = Gift {
        project_id: Some(project_id),
    };
    payments::record_for(tx, payment, Some(gift), by).await
}

/// Records `payment` as a gift to the association itself (no project):
/// a donation line, never credit towards the payer's dues.
pub async fn record_general_donation(
    tx: &mut TenantTx,
    payment: &NewPayment,
    by: Option<i64>,
) -> Result<Payment, Error> {
    if !payment.allocations.is_empty() {
        return Err(Error::invalid(
            "allocations",
            "donation-allocated",
            "a donation pays no membership: leave allocations empty",
        ));
    }
    let gift = Gift { project_id: None };
    payments::record_for(tx, payment, Some(gift), by).await
}

/// Ties a new payment to what it was given to (the payments core, in its
/// insert).
pub(super) async fn attach(
    tx: &mut TenantTx,
    payment_id: i64,
    gift: Gift,
) -> Result<(), sqlx::Error> {
    let project_id = gift.project_id;
    sqlx::query!(
        "INSERT INTO payment_earmarks (payment_id, project_id) VALUES ($1, $2)",
        payment_id,
        project_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// What `payment_id` was given to, if it is a donation.
pub async fn of_payment(
    tx: &mut TenantTx,
    payment_id: i64,
) -> Result<Option<Earmark>, sqlx::Error> {
    sqlx::query_as!(
        Earmark,
        r#"SELECT e.project_id AS "project_id?", coalesce(t.title, '') AS "title!"
           FROM payment_earmarks e LEFT JOIN earmark_targets t ON t.id = e.project_id
           WHERE e.payment_id = $1"#,
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// The gift of a donation being paid (`amount`, positive), matching the
/// payment line the core appends next. Nothing for other payments.
pub(super) async fn donation_line(
    tx: &mut TenantTx,
    payment_id: i64,
    payer_id: i64,
    amount: Amount,
    by: Option<i64>,
) -> Result<(), sqlx::Error> {
    let Some(earmark) = of_payment(tx, payment_id).await? else {
        return Ok(());
    };
    let memo = match earmark.project_id {
        Some(_) => format!("donation: {}", earmark.title),
        None => "donation".to_owned(),
    };
    let line = line(
        payer_id,
        LedgerKind::Donation,
        amount,
        payment_id,
        &memo,
        by,
    );
    ledger::append(tx, line).await
}

/// Reverses `refunded` of a donation's gift, matching the refund line.
pub(super) async fn refund_line(
    tx: &mut TenantTx,
    payment_id: i64,
    payer_id: i64,
    refunded: Amount,
    by: Option<i64>,
) -> Result<(), sqlx::Error> {
    if of_payment(tx, payment_id).await?.is_none() {
        return Ok(());
    }
    let reversal = refunded.negated();
    let line = line(
        payer_id,
        LedgerKind::Reversal,
        reversal,
        payment_id,
        "donation refunded",
        by,
    );
    ledger::append(tx, line).await
}

fn line<'a>(
    payer_id: i64,
    kind: LedgerKind,
    amount: Amount,
    payment_id: i64,
    memo: &'a str,
    by: Option<i64>,
) -> Line<'a> {
    Line {
        account_id: payer_id,
        kind,
        amount,
        membership_id: None,
        payment_id: Some(payment_id),
        memo,
        recorded_by: by,
    }
}

/// What a project received: the paid amounts of its donations less their
/// refunds, in minor units of the project's currency, and from how many
/// people (those whose gift was not wholly refunded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Raised {
    pub minor: i64,
    pub donors: i64,
}

/// [`Raised`] for each of `project_ids` (absent: nothing received yet).
pub async fn raised_for(
    tx: &mut TenantTx,
    project_ids: &[i64],
) -> Result<HashMap<i64, Raised>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT e.project_id AS "project_id!",
                  coalesce(sum(p.amount_minor - p.refunded_minor), 0)::bigint AS "minor!",
                  count(DISTINCT p.payer_id) FILTER (WHERE p.amount_minor > p.refunded_minor) AS "donors!"
           FROM payment_earmarks e
           JOIN payments p ON p.id = e.payment_id
           JOIN earmark_targets t ON t.id = e.project_id
           WHERE e.project_id = ANY($1) AND p.status IN ('paid', 'refunded')
             AND p.currency = t.currency
           GROUP BY e.project_id"#,
        project_ids
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let raised = Raised {
                minor: row.minor,
                donors: row.donors,
            };
            (row.project_id, raised)
        })
        .collect())
}

/// What one project received.
pub async fn raised(tx: &mut TenantTx, project_id: i64) -> Result<Raised, sqlx::Error> {
    let found = raised_for(tx, &[project_id]).await?;
    Ok(found.get(&project_id).copied().unwrap_or_default())
}

/// Whether any payment, whatever its state, is earmarked for the project
/// (it then cannot be deleted, only archived).
pub async fn has_payments(tx: &mut TenantTx, project_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM payment_earmarks WHERE project_id = $1) AS "any!""#,
        project_id
    )
    .fetch_one(tx.conn().await?)
    .await
}
