//! Recording a payment: checks, the row, what it pays, and — once paid —
//! its ledger line and its receipt number, all in the caller's transaction.

use chrono::{Days, NaiveDate};
use serde_json::json;

use super::{Payment, find};
use crate::audit::{self, Entry};
use crate::contributions::error::Error;
use crate::contributions::ledger::{self, Line};
use crate::contributions::model::{LedgerKind, Method, PaymentStatus};
use crate::contributions::{earmarks, memberships, receipts};
use crate::db::TenantTx;
use crate::model::Amount;

/// How far ahead a pending direct debit may be dated: the notice period
/// plus the bank's lead time, with room to spare.
const DEBIT_DAYS_AHEAD: u64 = 90;

/// A payment to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub payer_id: i64,
    pub amount: Amount,
    pub method: Method,
    /// `Pending` (announced) or `Paid`.
    pub status: PaymentStatus,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    pub note: Option<String>,
    /// What it pays; empty: the payer's oldest dues first.
    pub allocations: Vec<Allocation>,
    /// Online providers: their name and their id of the payment.
    pub provider: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
pub struct Allocation {
    pub membership_id: i64,
    pub amount_minor: i64,
}

fn trimmed(
    value: &Option<String>,
    field: &'static str,
    max: usize,
) -> Result<Option<String>, Error> {
    let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(Error::invalid(
            field,
            "too-long",
            format!("at most {max} characters"),
        ));
    }
    Ok(value.map(str::to_owned))
}

/// Checks a payment before anything is written.
fn validate(payment: &NewPayment, today: NaiveDate) -> Result<(), Error> {
    if !payment.amount.is_positive() {
        return Err(Error::invalid(
            "amount",
            "positive",
            "the amount must be above zero",
        ));
    }
    if !matches!(payment.status, PaymentStatus::Pending | PaymentStatus::Paid) {
        return Err(Error::invalid(
            "status",
            "status",
            "a new payment is pending or paid",
        ));
    }
    if payment.method == Method::Cheque
        && trimmed(&payment.cheque_number, "cheque_number", 40)?.is_none()
    {
        return Err(Error::invalid(
            "cheque_number",
            "cheque-number",
            "give the cheque's number",
        ));
    }
    if payment.method != Method::Cheque
        && (payment.cheque_number.is_some() || payment.cheque_bank.is_some())
    {
        return Err(Error::invalid(
            "cheque_number",
            "not-a-cheque",
            "only cheques have a number and a bank",
        ));
    }
    if matches!(payment.method, Method::Online | Method::DirectDebit) && payment.provider.is_none()
    {
        return Err(Error::invalid(
            "method",
            "online-needs-provider",
            "online payments and direct debits come from a provider or a batch",
        ));
    }
    // A debit is announced for its collection date, weeks ahead.
    let ahead = if payment.method == Method::DirectDebit && payment.status == PaymentStatus::Pending
    {
        DEBIT_DAYS_AHEAD
    } else {
        1
    };
    let earliest = today.checked_sub_days(Days::new(3660)).unwrap_or(today);
    let latest = today.checked_add_days(Days::new(ahead)).unwrap_or(today);
    if payment.received_on < earliest || payment.received_on > latest {
        return Err(Error::invalid(
            "received_on",
            "date",
            "a date within the last ten years, not in the future",
        ));
    }
    trimmed(&payment.cheque_bank, "cheque_bank", 80)?;
    trimmed(&payment.reference, "reference", 35)?;
    trimmed(&payment.note, "note", 1000)?;
    let mut total = 0_i64;
    for allocation in &payment.allocations {
        if allocation.amount_minor <= 0 {
            return Err(Error::invalid(
                "allocations",
                "positive",
                "each allocation must be above zero",
            ));
        }
        total = total
            .checked_add(allocation.amount_minor)
            .ok_or_else(|| Error::invalid("allocations", "too-large", "amount too large"))?;
    }
    if total > payment.amount.minor() {
        return Err(Error::invalid(
            "allocations",
            "over-allocated",
            "the allocations exceed the payment",
        ));
    }
    Ok(())
}

/// Records a payment; when it is paid, also its ledger line and receipt.
pub async fn record(
    tx: &mut TenantTx,
    payment: &NewPayment,
    by: Option<i64>,
) -> Result<Payment, Error> {
    record_for(tx, payment, None, by).await
}

/// [`record`], or with `gift` a donation (checked by
/// [`earmarks::record_donation`]): the same row, ledger lines, receipt and
/// audit entry, but it pays no membership.
pub(in crate::contributions) async fn record_for(
    tx: &mut TenantTx,
    payment: &NewPayment,
    gift: Option<earmarks::Gift>,
    by: Option<i64>,
) -> Result<Payment, Error> {
    validate(payment, memberships::today())?;
    let payer = crate::accounts::store::find(tx, payment.payer_id).await?;
    if payer.is_none() {
        return Err(Error::invalid(
            "payer_id",
            "unknown-member",
            "no such person",
        ));
    }
    let currency = crate::contributions::settings::get(tx).await?.currency;
    if payment.amount.currency() != currency {
        return Err(Error::invalid(
            "amount",
            "wrong-currency",
            format!("this association is paid in {currency}"),
        ));
    }
    let paid = payment.status == PaymentStatus::Paid;
    let (provider, provider_ref) = payment.provider.clone().unzip();
    let id = sqlx::query_scalar!(
        "INSERT INTO payments (payer_id, amount_minor, currency, method, status, cheque_number, cheque_bank,
                               reference, provider, provider_ref, received_on, note, recorded_by, paid_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $14 THEN now() END)
         RETURNING id",
        payment.payer_id,
        payment.amount.minor(),
        currency.code(),
        payment.method.as_str(),
        payment.status.as_str(),
        trimmed(&payment.cheque_number, "cheque_number", 40)?,
        trimmed(&payment.cheque_bank, "cheque_bank", 80)?,
        trimmed(&payment.reference, "reference", 35)?,
        provider,
        provider_ref,
        payment.received_on,
        trimmed(&payment.note, "note", 1000)?,
        by,
        paid
    )
    .fetch_one(tx.conn().await?)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("payments_provider_key") => {
            Error::conflict("duplicate-provider-payment", "this provider payment is already recorded")
        }
        _ => Error::Database(error),
    })?;
    match gift {
        // A donation is not spread over the payer's dues.
        Some(gift) => earmarks::attach(tx, id, gift).await?,
        None => allocate(tx, id, payment).await?,
    }
    if paid {
        settle(tx, id, payment.payer_id, payment.amount, by).await?;
    }
    audit::record(
        tx,
        Entry::new("contributions.payment.record")
            .by(by)
            .on(payment.payer_id)
            .with(json!({
                "payment": id, "amount_minor": payment.amount.minor(), "currency": currency.code(),
                "method": payment.method.as_str(), "status": payment.status.as_str(),
                "project": gift.and_then(|g| g.project_id), "donation": gift.is_some()
            })),
    )
    .await?;
    let change = if paid {
        crate::live::PaymentChange::Paid
    } else {
        crate::live::PaymentChange::Recorded
    };
    let found = find(tx, id).await?;
    super::live::announced(tx, found, change, None).await
}

/// Writes the allocations asked for (each to a membership this payer
/// pays), or spreads the amount over the payer's oldest dues.
async fn allocate(tx: &mut TenantTx, payment_id: i64, payment: &NewPayment) -> Result<(), Error> {
    let explicit = !payment.allocations.is_empty();
    let plan: Vec<(i64, i64)> = if explicit {
        payment
            .allocations
            .iter()
            .map(|a| (a.membership_id, a.amount_minor))
            .collect()
    } else {
        oldest_dues(tx, payment.payer_id, payment.amount.minor()).await?
    };
    for (membership_id, amount) in plan {
        let inserted = sqlx::query!(
            "INSERT INTO payment_allocations (payment_id, membership_id, amount_minor)
             SELECT $1, id, $3 FROM memberships
             WHERE id = $2 AND (payer_id = $4 OR account_id = $4) AND currency = $5",
            payment_id,
            membership_id,
            amount,
            payment.payer_id,
            payment.amount.currency().code()
        )
        .execute(tx.conn().await?)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Error::invalid(
                "allocations",
                "unknown-membership",
                "no such membership for this payer",
            ));
        }
    }
    Ok(())
}

/// (membership, amount) pairs covering what the payer still owes, oldest
/// period first, up to `available`.
async fn oldest_dues(
    tx: &mut TenantTx,
    payer_id: i64,
    available: i64,
) -> Result<Vec<(i64, i64)>, Error> {
    let rows = sqlx::query!(
        r#"SELECT m.id, (m.amount_minor - m.credit_minor - coalesce((
                    SELECT sum(n.net_minor) FROM allocation_net n
                    WHERE n.membership_id = m.id AND n.status IN ('paid', 'refunded', 'pending')), 0))::bigint AS "due!"
           FROM memberships m
           WHERE m.payer_id = $1 AND m.cancelled_at IS NULL
           ORDER BY m.starts_on, m.id"#,
        payer_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut left = available;
    let mut plan = Vec::new();
    for row in rows.into_iter().filter(|row| row.due > 0) {
        if left == 0 {
            break;
        }
        let part = row.due.min(left);
        plan.push((row.id, part));
        left -= part;
    }
    Ok(plan)
}

/// The ledger line and receipt of money received.
pub(super) async fn settle(
    tx: &mut TenantTx,
    payment_id: i64,
    payer_id: i64,
    amount: Amount,
    by: Option<i64>,
) -> Result<(), Error> {
    // A donation's gift first: with the payment line, the balance is unchanged.
    earmarks::donation_line(tx, payment_id, payer_id, amount, by).await?;
    let credit = amount.negated();
    ledger::append(
        tx,
        Line {
            account_id: payer_id,
            kind: LedgerKind::Payment,
            amount: credit,
            membership_id: None,
            payment_id: Some(payment_id),
            memo: "payment",
            recorded_by: by,
        },
    )
    .await?;
    receipts::issue(tx, payment_id).await?;
    // A referred payer's affiliate earns from it, in this transaction.
    crate::affiliation::tenant::payment_changed(tx, payment_id).await?;
    Ok(())
}
