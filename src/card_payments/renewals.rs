//! Charges to a saved card the member agreed to: the renewal of a plan
//! they consented to (the next period is created when the current one is
//! about to end, then its dues charged), and each month of a monthly gift.
//!
//! [`plan`] writes what is due as pending payments (attempt 1), each with a
//! renewal charge due now; [`charge`] sends one to Stripe. A decline fails
//! that payment and, until [`MAX_ATTEMPTS`], presents the same dues again a
//! few days later as a new pending payment with the next attempt number —
//! which keeps the member in grace, never lapsed, while retries remain —
//! and mails them an « update your card » link. A new card given through
//! that link is charged at once ([`super::cards`]).

use chrono::{Days, Duration, Utc};
use serde_json::json;

use super::reconcile::{self, Applied, Success};
use super::{CardPayments, keys, store};
use super::{checkout, gifts};
use crate::contributions::memberships::{self, MembershipFilter, today};
use crate::contributions::model::PaymentStatus;
use crate::contributions::payments::{self, Allocation, Payment};
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::mail::{self, Mail};
use crate::model::Email;
use crate::stripe::{self, StripeError, Tag};

/// Presentations of the same dues before they are given up.
pub const MAX_ATTEMPTS: i16 = 3;
/// Days before retry n+1 after attempt n failed.
const RETRY_AFTER_DAYS: [i64; 2] = [3, 5];
/// A period consented to is renewed this many days before it ends.
const RENEW_AHEAD_DAYS: u64 = 3;
/// The mail telling a member a charge was declined.
pub const DECLINED_MAIL: &str = "card-declined";

/// What a planning run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Planned {
    pub renewed: usize,
    pub charges: usize,
    pub gifts: usize,
}

/// Renews the periods members consented to and writes every charge due.
pub async fn plan(tx: &mut TenantTx) -> Result<Planned, Refusal> {
    let mut planned = Planned::default();
    let day = today();
    let ahead = day
        .checked_add_days(Days::new(RENEW_AHEAD_DAYS))
        .unwrap_or(day);
    for (consent, account, plan) in store::renewal_consents(tx).await? {
        if store::customer(tx, account)
            .await?
            .and_then(|c| c.payment_method)
            .is_none()
        {
            continue;
        }
        let filter = MembershipFilter {
            account_id: Some(account),
            plan_id: Some(plan),
            latest_only: true,
            ends_until: Some(ahead),
            limit: 50,
            ..Default::default()
        };
        let rules = crate::contributions::status::rules(tx).await?;
        for due in memberships::list(tx, &filter, &rules, day).await? {
            if due.payer_id == account && due.renewable && !due.renewed {
                memberships::renew(tx, due.id, account, false, day).await?;
                planned.renewed += 1;
            }
        }
        planned.charges += charge_dues(tx, account, plan, consent).await?;
    }
    for gift in gifts::live(tx, None, Some(day)).await? {
        if store::customer(tx, gift.account_id)
            .await?
            .and_then(|c| c.payment_method)
            .is_none()
        {
            continue;
        }
        let payment =
            gifts::pending_gift(tx, gift.account_id, gift.amount, gift.project_id).await?;
        add_renewal(
            tx,
            payment,
            gift.account_id,
            (Some(gift.consent_id), Some(gift.id)),
            1,
        )
        .await?;
        gifts::advance(tx, &gift).await?;
        planned.gifts += 1;
    }
    Ok(planned)
}

/// One pending payment for what `account` owes now on `plan`.
async fn charge_dues(
    tx: &mut TenantTx,
    account: i64,
    plan: i64,
    consent: i64,
) -> Result<usize, Refusal> {
    let dues = memberships::open_dues(tx, account, today()).await?;
    let Some(to_pay) = checkout::to_pay(dues.iter().filter(|d| d.plan_id == plan))? else {
        return Ok(0);
    };
    let payment = checkout::pending(tx, account, to_pay, None).await?;
    add_renewal(tx, payment, account, (Some(consent), None), 1).await?;
    Ok(1)
}

async fn add_renewal(
    tx: &mut TenantTx,
    payment_id: i64,
    account_id: i64,
    (consent_id, gift_id): (Option<i64>, Option<i64>),
    attempt: i16,
) -> Result<(), Refusal> {
    let wait = match attempt {
        1 => 0,
        n => RETRY_AFTER_DAYS
            .get(usize::try_from(n - 2).unwrap_or(0))
            .copied()
            .unwrap_or(5),
    };
    let charge = store::NewCharge {
        payment_id,
        account_id,
        renewal: true,
        consent_id,
        gift_id,
        charge_after: Some(Utc::now() + Duration::days(wait)),
        attempt,
    };
    store::add_charge(tx, &charge).await?;
    if attempt > 1 {
        payments::set_attempt(tx, payment_id, u8::try_from(attempt).unwrap_or(2)).await?;
    }
    Ok(())
}

/// Renewal charges due now.
pub async fn due(tx: &mut TenantTx) -> Result<Vec<i64>, sqlx::Error> {
    store::due_charges(tx, Utc::now()).await
}

/// Sends one due renewal charge to Stripe and applies the answer.
pub async fn charge(
    tx: &mut TenantTx,
    service: &CardPayments,
    payment_id: i64,
) -> Result<Applied, Refusal> {
    let Some(charge) = store::charge(tx, payment_id).await? else {
        return Ok(Applied::Ignored("no such charge"));
    };
    let Some(payment) = payments::find(tx, payment_id).await? else {
        return Ok(Applied::Ignored("payment gone"));
    };
    if charge.payment_intent.is_some() || payment.status != PaymentStatus::Pending {
        return Ok(Applied::AlreadyDone(payment_id));
    }
    let card = store::customer(tx, charge.account_id).await?;
    let (Some(credentials), Some(card)) = (keys::credentials(tx, service).await?, card) else {
        return declined(tx, service, payment_id, "no_card").await;
    };
    let Some(method) = card.payment_method.as_deref() else {
        return declined(tx, service, payment_id, "no_card").await;
    };
    let tag = Tag {
        tenant: tx.tenant().id.get(),
        payment: Some(payment_id),
    };
    let currency = payment.amount.currency().code().to_ascii_lowercase();
    let answer = stripe::charge_saved_card(
        service.client(),
        &credentials,
        (&card.customer_id, method),
        payment.amount.minor(),
        &currency,
        tag,
    )
    .await;
    match answer {
        Ok(intent) if intent.status == "succeeded" => {
            let success = Success {
                payment_id,
                payment_intent: &intent.id,
                amount_minor: intent.amount,
                currency: &intent.currency,
            };
            reconcile::succeeded(tx, success).await
        }
        Ok(intent) if intent.status == "processing" => {
            store::set_intent(tx, payment_id, &intent.id).await?;
            Ok(Applied::Ignored("processing: its events will tell"))
        }
        Ok(intent) => {
            store::set_intent(tx, payment_id, &intent.id).await?;
            declined(tx, service, payment_id, "authentication_required").await
        }
        Err(StripeError::Declined { code, .. }) => declined(tx, service, payment_id, &code).await,
        Err(StripeError::BadKey(_)) => declined(tx, service, payment_id, "key_refused").await,
        Err(other) => Err(Refusal::conflict("stripe-unreachable", other.to_string())),
    }
}

/// A renewal charge was declined: failed, then presented again or given up.
pub async fn declined(
    tx: &mut TenantTx,
    service: &CardPayments,
    payment_id: i64,
    why: &str,
) -> Result<Applied, Refusal> {
    let Some(charge) = store::charge(tx, payment_id).await? else {
        return Ok(Applied::Ignored("not a card payment of this association"));
    };
    if charge.kind != "renewal" {
        return Ok(Applied::Ignored(
            "the member may try another card on the page",
        ));
    }
    let Some(payment) = payments::find(tx, payment_id).await? else {
        return Ok(Applied::Ignored("payment gone"));
    };
    if payment.status != PaymentStatus::Pending {
        return Ok(Applied::AlreadyDone(payment_id));
    }
    store::set_failure(tx, payment_id, why).await?;
    payments::mark_failed(tx, payment_id, None).await?;
    let next = if charge.attempt < MAX_ATTEMPTS {
        Some(present_again(tx, &payment, &charge).await?)
    } else {
        if let Some(gift) = charge.gift_id {
            gifts::end(tx, gift).await?;
        }
        None
    };
    tell_declined(tx, service, &payment, why, next).await?;
    Ok(Applied::Failed(payment_id))
}

/// The same dues as a new pending payment, the next attempt, a few days on.
async fn present_again(
    tx: &mut TenantTx,
    failed: &Payment,
    charge: &store::CardCharge,
) -> Result<chrono::NaiveDate, Refusal> {
    let payment = match &failed.earmark {
        Some(earmark) => {
            gifts::pending_gift(tx, failed.payer_id, failed.amount, earmark.project_id).await?
        }
        None => {
            let allocations = failed
                .allocations
                .iter()
                .map(|(membership_id, amount)| Allocation {
                    membership_id: *membership_id,
                    amount_minor: amount.minor(),
                })
                .collect();
            checkout::pending(tx, failed.payer_id, (failed.amount, allocations), None).await?
        }
    };
    let attempt = charge.attempt + 1;
    add_renewal(
        tx,
        payment,
        charge.account_id,
        (charge.consent_id, charge.gift_id),
        attempt,
    )
    .await?;
    let next = store::charge_after(tx, payment)
        .await?
        .unwrap_or_else(Utc::now);
    Ok(next.date_naive())
}

async fn tell_declined(
    tx: &mut TenantTx,
    service: &CardPayments,
    payment: &Payment,
    why: &str,
    next: Option<chrono::NaiveDate>,
) -> Result<(), Refusal> {
    let Some(account) = crate::accounts::store::find(tx, payment.payer_id).await? else {
        return Ok(());
    };
    let Ok(to) = Email::parse(&account.email) else {
        return Ok(());
    };
    let locale = account.locale.clone().unwrap_or_else(|| "fr".into());
    let tenant = tx.tenant().clone();
    let mail = Mail {
        to,
        to_name: Some(account.display_name.clone()),
        template: DECLINED_MAIL,
        locale: locale.clone(),
        data: json!({
            "name": account.display_name,
            "amount": payment.amount.format(&locale),
            "reason": why,
            "next_date": next.map(|d| crate::contributions::pages::day(d, &locale)),
            "update_url": service.link(&tenant, "/membership/card-payments"),
        }),
    };
    mail::queue(tx, &mail).await?;
    Ok(())
}
