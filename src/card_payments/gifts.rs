//! Gifts by card: one-off or monthly, of an amount the donor types (no
//! amount is pre-selected, nothing is added), to the association or to one
//! of its open projects. A gift is a donation payment of the contributions
//! module (receipt, tax basis, project gauge); a monthly one is also a
//! `recurring_gifts` row charged to the saved card each month under the
//! donor's consent, until they stop it.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::checkout::{self, Page, Payer, Started};
use super::error::{CardError, not_set_up};
use super::{CardPayments, keys, store};
use crate::contributions::earmarks;
use crate::contributions::memberships::today;
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::model::{Amount, Currency};

/// The largest gift taken online, 100,000.00 (a bigger one is a transfer).
pub const MAX_GIFT_MINOR: i64 = 10_000_000;

pub struct GiftRequest {
    pub amount: Amount,
    pub project_id: Option<i64>,
    pub monthly: bool,
}

/// Starts a gift: the pending donation and its Checkout page.
pub async fn give(
    tx: &mut TenantTx,
    service: &CardPayments,
    payer: &Payer<'_>,
    request: &GiftRequest,
    wording: &str,
) -> Result<Started, CardError> {
    let credentials = keys::credentials(tx, service)
        .await?
        .ok_or_else(not_set_up)?;
    if !request.amount.is_positive() || request.amount.minor() > MAX_GIFT_MINOR {
        return Err(Refusal::invalid(
            "amount",
            "gift-amount",
            "give an amount above zero and at most 100,000",
        )
        .into());
    }
    let payment = pending_gift(tx, payer.account_id, request.amount, request.project_id).await?;
    let (consent, gift) = if request.monthly {
        let consent = store::grant(tx, payer.account_id, None, wording).await?;
        let gift = start(tx, payer.account_id, consent, request).await?;
        (Some(consent), Some(gift))
    } else {
        (None, None)
    };
    let charge = store::NewCharge {
        payment_id: payment,
        account_id: payer.account_id,
        renewal: false,
        consent_id: consent,
        gift_id: gift,
        charge_after: None,
        attempt: 1,
    };
    store::add_charge(tx, &charge).await?;
    let description = match request.project_id {
        Some(_) => "Don fléché / Earmarked gift",
        None => "Don / Gift",
    };
    let page = Page {
        payment,
        amount: request.amount,
        description,
        save_card: request.monthly,
    };
    checkout::open_checkout(tx, service, &credentials, payer, page).await
}

/// A pending donation of `amount` to `project_id` (or the association).
pub async fn pending_gift(
    tx: &mut TenantTx,
    payer_id: i64,
    amount: Amount,
    project_id: Option<i64>,
) -> Result<i64, Refusal> {
    let payment = super::pending_payment(payer_id, amount, Vec::new());
    let recorded = match project_id {
        Some(project) => earmarks::record_donation(tx, &payment, project, Some(payer_id)).await?,
        None => earmarks::record_general_donation(tx, &payment, Some(payer_id)).await?,
    };
    Ok(recorded.id)
}

/// Starts a monthly gift under `consent_id`, next charged in a month.
pub async fn start(
    tx: &mut TenantTx,
    account_id: i64,
    consent_id: i64,
    request: &GiftRequest,
) -> Result<i64, sqlx::Error> {
    let next = next_month(today());
    sqlx::query_scalar!(
        "INSERT INTO recurring_gifts (account_id, consent_id, amount_minor, currency, project_id, next_on)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        account_id,
        consent_id,
        request.amount.minor(),
        request.amount.currency().code(),
        request.project_id,
        next
    )
    .fetch_one(tx.conn().await?)
    .await
}

fn next_month(day: NaiveDate) -> NaiveDate {
    day.checked_add_months(Months::new(1)).unwrap_or(day)
}

/// Stops a monthly gift (its first payment failed, or the donor stopped it).
pub async fn end(tx: &mut TenantTx, gift_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE recurring_gifts SET ended_at = now() WHERE id = $1 AND ended_at IS NULL",
        gift_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// A monthly gift as the donor and the treasurer see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecurringGift {
    pub id: i64,
    pub account_id: i64,
    pub consent_id: i64,
    /// `{minor, currency}`.
    #[schema(value_type = Object)]
    pub amount: Amount,
    pub project_id: Option<i64>,
    pub next_on: NaiveDate,
    pub started_at: DateTime<Utc>,
}

fn gift_of(
    id: i64,
    (account_id, consent_id): (i64, i64),
    (amount_minor, currency): (i64, &str),
    project_id: Option<i64>,
    (next_on, started_at): (NaiveDate, DateTime<Utc>),
) -> Option<RecurringGift> {
    let amount = Amount::new(amount_minor, Currency::parse(currency).ok()?)?;
    Some(RecurringGift {
        id,
        account_id,
        consent_id,
        amount,
        project_id,
        next_on,
        started_at,
    })
}

/// The live monthly gifts: of one donor, or (`None`) all of them due by `until`.
pub async fn live(
    tx: &mut TenantTx,
    account_id: Option<i64>,
    until: Option<NaiveDate>,
) -> Result<Vec<RecurringGift>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, account_id, consent_id, amount_minor, currency, project_id, next_on, started_at
         FROM recurring_gifts
         WHERE ended_at IS NULL AND ($1::bigint IS NULL OR account_id = $1)
           AND ($2::date IS NULL OR next_on <= $2)
         ORDER BY next_on, id",
        account_id,
        until
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            gift_of(
                r.id,
                (r.account_id, r.consent_id),
                (r.amount_minor, &r.currency),
                r.project_id,
                (r.next_on, r.started_at),
            )
        })
        .collect())
}

/// The gift's next month, once this one is on its way.
pub async fn advance(tx: &mut TenantTx, gift: &RecurringGift) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE recurring_gifts SET next_on = $2 WHERE id = $1",
        gift.id,
        next_month(gift.next_on)
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}
