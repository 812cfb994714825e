//! This module's rows: members as Stripe customers and the card they
//! saved, their consents to being charged, and each card payment's Stripe
//! objects (`card_charges`). The payments themselves are the contributions
//! module's, reached through its functions.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::TenantTx;
use crate::stripe::objects::PaymentMethod;

/// A member's card kept for charges they agreed to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedCard {
    #[serde(skip)]
    pub customer_id: String,
    #[serde(skip)]
    pub payment_method: Option<String>,
    pub brand: Option<String>,
    pub last4: Option<String>,
    /// `MM/YYYY`.
    pub expires: Option<String>,
}

pub async fn customer(
    tx: &mut TenantTx,
    account_id: i64,
) -> Result<Option<SavedCard>, sqlx::Error> {
    sqlx::query_as!(
        SavedCard,
        "SELECT customer_id, payment_method, card_brand AS brand, card_last4 AS last4, card_expires AS expires
         FROM stripe_customers WHERE account_id = $1",
        account_id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

pub async fn add_customer(
    tx: &mut TenantTx,
    account_id: i64,
    customer_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO stripe_customers (account_id, customer_id) VALUES ($1, $2)
         ON CONFLICT (account_id) DO UPDATE SET customer_id = $2, updated_at = now()",
        account_id,
        customer_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// The account a Stripe customer is.
pub async fn account_of_customer(
    tx: &mut TenantTx,
    customer_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT account_id FROM stripe_customers WHERE customer_id = $1",
        customer_id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Keeps `method` as the customer's card for later charges.
pub async fn save_card(
    tx: &mut TenantTx,
    customer_id: &str,
    method: &PaymentMethod,
) -> Result<bool, sqlx::Error> {
    let card = method.card.as_ref();
    let expires = card.and_then(|c| Some(format!("{:02}/{}", c.exp_month?, c.exp_year?)));
    let last4 = card
        .and_then(|c| c.last4.clone())
        .filter(|l| l.len() == 4 && l.bytes().all(|b| b.is_ascii_digit()));
    let saved = sqlx::query!(
        "UPDATE stripe_customers SET payment_method = $2, card_brand = left($3, 30), card_last4 = $4,
                card_expires = $5, updated_at = now()
         WHERE customer_id = $1",
        customer_id,
        method.id,
        card.and_then(|c| c.brand.clone()),
        last4,
        expires
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(saved.rows_affected() > 0)
}

/// A consent to charges on the saved card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consent {
    pub id: i64,
    /// The plan renewed; none for a recurring gift.
    pub plan_id: Option<i64>,
    pub wording: String,
    pub granted_at: DateTime<Utc>,
}

/// Records the member's consent (the one in force when there is one).
pub async fn grant(
    tx: &mut TenantTx,
    account_id: i64,
    plan_id: Option<i64>,
    wording: &str,
) -> Result<i64, sqlx::Error> {
    if let Some(plan_id) = plan_id {
        let live = sqlx::query_scalar!(
            "SELECT id FROM card_consents WHERE account_id = $1 AND plan_id = $2 AND withdrawn_at IS NULL",
            account_id,
            plan_id
        )
        .fetch_optional(tx.conn().await?)
        .await?;
        if let Some(id) = live {
            return Ok(id);
        }
    }
    sqlx::query_scalar!(
        "INSERT INTO card_consents (account_id, plan_id, wording) VALUES ($1, $2, $3) RETURNING id",
        account_id,
        plan_id,
        wording
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// The member's consents in force.
pub async fn consents(tx: &mut TenantTx, account_id: i64) -> Result<Vec<Consent>, sqlx::Error> {
    sqlx::query_as!(
        Consent,
        "SELECT id, plan_id, wording, granted_at FROM card_consents
         WHERE account_id = $1 AND withdrawn_at IS NULL ORDER BY id",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Withdraws one of the member's consents (and ends the gift it carried).
pub async fn withdraw(
    tx: &mut TenantTx,
    account_id: i64,
    consent_id: i64,
) -> Result<bool, sqlx::Error> {
    let withdrawn = sqlx::query!(
        "UPDATE card_consents SET withdrawn_at = now()
         WHERE id = $1 AND account_id = $2 AND withdrawn_at IS NULL",
        consent_id,
        account_id
    )
    .execute(tx.conn().await?)
    .await?
    .rows_affected()
        > 0;
    sqlx::query!(
        "UPDATE recurring_gifts SET ended_at = now() WHERE consent_id = $1 AND ended_at IS NULL",
        consent_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(withdrawn)
}

/// Every consent to plan renewals in force: (consent, account, plan).
pub async fn renewal_consents(tx: &mut TenantTx) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, account_id, plan_id AS "plan_id!" FROM card_consents
           WHERE withdrawn_at IS NULL AND plan_id IS NOT NULL ORDER BY id"#
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.account_id, r.plan_id))
        .collect())
}

/// A card payment's Stripe side.
#[derive(Debug, Clone)]
pub struct CardCharge {
    pub payment_id: i64,
    pub account_id: i64,
    pub kind: String,
    pub session_id: Option<String>,
    pub payment_intent: Option<String>,
    pub consent_id: Option<i64>,
    pub gift_id: Option<i64>,
    pub attempt: i16,
    pub disputed: bool,
}

/// A new card payment: through Checkout, or charged later (`charge_after`).
pub struct NewCharge {
    pub payment_id: i64,
    pub account_id: i64,
    pub renewal: bool,
    pub consent_id: Option<i64>,
    pub gift_id: Option<i64>,
    pub charge_after: Option<DateTime<Utc>>,
    pub attempt: i16,
}

pub async fn add_charge(tx: &mut TenantTx, charge: &NewCharge) -> Result<(), sqlx::Error> {
    let kind = if charge.renewal {
        "renewal"
    } else {
        "checkout"
    };
    sqlx::query!(
        "INSERT INTO card_charges (payment_id, account_id, kind, consent_id, gift_id, charge_after, attempt)
         VALUES ($1, $6, $2, $3, $4, $5, $7)",
        charge.payment_id,
        kind,
        charge.consent_id,
        charge.gift_id,
        charge.charge_after,
        charge.account_id,
        charge.attempt
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

pub async fn set_session(
    tx: &mut TenantTx,
    payment_id: i64,
    session: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE card_charges SET session_id = $2 WHERE payment_id = $1",
        payment_id,
        session
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

pub async fn set_intent(
    tx: &mut TenantTx,
    payment_id: i64,
    intent: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE card_charges SET payment_intent = $2 WHERE payment_id = $1 AND payment_intent IS NULL",
        payment_id,
        intent
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

pub async fn set_failure(
    tx: &mut TenantTx,
    payment_id: i64,
    failure: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE card_charges SET failure = left($2, 300) WHERE payment_id = $1",
        payment_id,
        failure
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Marks the charge disputed; false when it already was.
pub async fn set_disputed(tx: &mut TenantTx, payment_id: i64) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query!(
        "UPDATE card_charges SET disputed_at = now() WHERE payment_id = $1 AND disputed_at IS NULL",
        payment_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(updated.rows_affected() > 0)
}

pub async fn charge(tx: &mut TenantTx, payment_id: i64) -> Result<Option<CardCharge>, sqlx::Error> {
    sqlx::query_as!(
        CardCharge,
        r#"SELECT payment_id, account_id, kind, session_id, payment_intent, consent_id, gift_id, attempt,
                  disputed_at IS NOT NULL AS "disputed!"
           FROM card_charges WHERE payment_id = $1"#,
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

pub async fn charge_by_intent(
    tx: &mut TenantTx,
    intent: &str,
) -> Result<Option<CardCharge>, sqlx::Error> {
    sqlx::query_as!(
        CardCharge,
        r#"SELECT payment_id, account_id, kind, session_id, payment_intent, consent_id, gift_id, attempt,
                  disputed_at IS NOT NULL AS "disputed!"
           FROM card_charges WHERE payment_intent = $1"#,
        intent
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Renewal charges due now and not yet sent to Stripe, oldest first.
pub async fn due_charges(tx: &mut TenantTx, now: DateTime<Utc>) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT payment_id FROM card_charges
         WHERE kind = 'renewal' AND payment_intent IS NULL AND failure IS NULL AND charge_after <= $1
         ORDER BY charge_after, payment_id LIMIT 500",
        now
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Renewal charges of `account_id` waiting for a retry: charged again
/// at once when the member gives a new card.
pub async fn waiting_retries(tx: &mut TenantTx, account_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT payment_id FROM card_charges
         WHERE account_id = $1 AND kind = 'renewal' AND payment_intent IS NULL AND failure IS NULL",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await
}

pub async fn charge_now(tx: &mut TenantTx, payment_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE card_charges SET charge_after = now() WHERE payment_id = $1 AND payment_intent IS NULL",
        payment_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// The member's recent Checkout pages (a page lives a day at most):
/// (payment, session), newest first.
pub async fn recent_checkouts(
    tx: &mut TenantTx,
    account_id: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT payment_id, session_id AS "session_id!" FROM card_charges
           WHERE account_id = $1 AND kind = 'checkout' AND session_id IS NOT NULL
             AND created_at > now() - interval '2 days'
           ORDER BY created_at DESC"#,
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.payment_id, r.session_id))
        .collect())
}

/// When a renewal charge is due.
pub async fn charge_after(
    tx: &mut TenantTx,
    payment_id: i64,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "SELECT charge_after FROM card_charges WHERE payment_id = $1",
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .flatten())
}

/// The latest card payments' ids, newest first.
pub async fn recent_payments(tx: &mut TenantTx, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT payment_id FROM card_charges ORDER BY created_at DESC, payment_id DESC LIMIT $1",
        limit
    )
    .fetch_all(tx.conn().await?)
    .await
}
