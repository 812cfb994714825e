//! Starting a card payment: what the member owes (or gives) becomes a
//! pending online payment — it keeps their memberships out of lapse while
//! they are on Stripe's page — and a Stripe Checkout page for exactly that
//! amount, tagged with our tenant and payment ids. The member's consent to
//! renewals charged to the card is recorded here, per plan, with the words
//! they were shown; Stripe then keeps the card for those charges only.
//! A member who comes back to pay while an earlier page is still open is
//! sent to that page again: one payment, never two.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::CardPayments;
use super::error::{CardError, not_set_up};
use super::{keys, store};
use crate::contributions::memberships::{self, OpenDue, today};
use crate::contributions::model::PaymentStatus;
use crate::contributions::payments::{self, Allocation};
use crate::contributions::provider::{CheckoutRequest, PaymentProvider};
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::model::Amount;
use crate::stripe::{self, Credentials, Tag};

/// How far ahead dues are paid by card: everything already asked for.
const DUES_HORIZON_DAYS: u64 = 3 * 366;

/// Where to send the member.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub payment_id: i64,
    pub redirect_url: String,
}

/// The member, as Stripe is told.
pub struct Payer<'a> {
    pub account_id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub locale: &'a str,
}

/// The Stripe customer of `payer`, made on first use.
pub async fn customer(
    tx: &mut TenantTx,
    service: &CardPayments,
    credentials: &Credentials,
    payer: &Payer<'_>,
) -> Result<String, CardError> {
    if let Some(known) = store::customer(tx, payer.account_id).await? {
        return Ok(known.customer_id);
    }
    let tag = Tag {
        tenant: tx.tenant().id.get(),
        payment: None,
    };
    let made = stripe::create_customer(service.client(), credentials, payer.email, payer.name, tag)
        .await?;
    store::add_customer(tx, payer.account_id, &made.id).await?;
    Ok(made.id)
}

impl<'a> From<&'a crate::accounts::Account> for Payer<'a> {
    fn from(account: &'a crate::accounts::Account) -> Self {
        Payer {
            account_id: account.id,
            email: &account.email,
            name: &account.display_name,
            locale: account.locale.as_deref().unwrap_or("fr"),
        }
    }
}

/// Everything `account_id` owes that a card payment pays, earliest first.
pub async fn owed(tx: &mut TenantTx, account_id: i64) -> Result<Vec<OpenDue>, sqlx::Error> {
    let until = today()
        .checked_add_days(Days::new(DUES_HORIZON_DAYS))
        .unwrap_or(NaiveDate::MAX);
    memberships::open_dues(tx, account_id, until).await
}

/// Pays everything `payer` owes by card; `renew_plans` are the plans whose
/// renewals they agreed to have charged to this card (`wording`: what the
/// page said).
pub async fn pay_dues(
    tx: &mut TenantTx,
    service: &CardPayments,
    payer: &Payer<'_>,
    renew_plans: &[i64],
    wording: &str,
) -> Result<Started, CardError> {
    let credentials = keys::credentials(tx, service)
        .await?
        .ok_or_else(not_set_up)?;
    if let Some(open) = open_page(tx, service, &credentials, payer.account_id).await? {
        return Ok(open);
    }
    let dues = owed(tx, payer.account_id).await?;
    let Some((total, allocations)) = to_pay(dues.iter())? else {
        return Err(Refusal::conflict("nothing-due", "nothing is due").into());
    };
    let mut consent = None;
    for plan in renew_plans {
        if dues.iter().any(|d| d.plan_id == *plan) {
            consent = Some(store::grant(tx, payer.account_id, Some(*plan), wording).await?);
        }
    }
    let description = dues
        .iter()
        .map(|d| d.plan_name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let by = Some(payer.account_id);
    let payment = pending(tx, payer.account_id, (total, allocations), by).await?;
    let charge = store::NewCharge {
        payment_id: payment,
        account_id: payer.account_id,
        renewal: false,
        consent_id: consent,
        gift_id: None,
        charge_after: None,
        attempt: 1,
    };
    store::add_charge(tx, &charge).await?;
    let page = Page {
        payment,
        amount: total,
        description: &description,
        save_card: consent.is_some(),
    };
    open_checkout(tx, service, &credentials, payer, page).await
}

/// A pending card payment of `amount` for `allocations`; `by`: who asked
/// (none: a renewal).
pub(super) async fn pending(
    tx: &mut TenantTx,
    payer_id: i64,
    (amount, allocations): (Amount, Vec<Allocation>),
    by: Option<i64>,
) -> Result<i64, Refusal> {
    let payment = super::pending_payment(payer_id, amount, allocations);
    Ok(payments::record(tx, &payment, by).await?.id)
}

/// The total of `dues` and what it pays, one line per membership (none:
/// nothing is due).
pub(super) fn to_pay<'a>(
    dues: impl Iterator<Item = &'a OpenDue>,
) -> Result<Option<(Amount, Vec<Allocation>)>, Refusal> {
    let mut allocations: Vec<Allocation> = Vec::new();
    let mut total: Option<Amount> = None;
    for due in dues {
        total = Some(match total {
            None => due.amount,
            Some(sum) => sum
                .checked_add(due.amount)
                .map_err(|_| Refusal::invalid("amount", "too-large", "amount too large"))?,
        });
        match allocations
            .iter_mut()
            .find(|a| a.membership_id == due.membership_id)
        {
            Some(line) => line.amount_minor += due.amount.minor(),
            None => allocations.push(Allocation {
                membership_id: due.membership_id,
                amount_minor: due.amount.minor(),
            }),
        }
    }
    Ok(total.map(|total| (total, allocations)))
}

/// One Checkout page to open.
pub(super) struct Page<'a> {
    pub payment: i64,
    pub amount: Amount,
    pub description: &'a str,
    pub save_card: bool,
}

/// Opens the Stripe page for a pending payment already written.
pub(super) async fn open_checkout(
    tx: &mut TenantTx,
    service: &CardPayments,
    credentials: &Credentials,
    payer: &Payer<'_>,
    page: Page<'_>,
) -> Result<Started, CardError> {
    let customer = customer(tx, service, credentials, payer).await?;
    let tenant = tx.tenant().clone();
    let success = service.link(&tenant, "/membership/card-payments?paid=1");
    let cancel = service.link(&tenant, "/membership/card-payments?cancelled=1");
    let request = CheckoutRequest {
        payment_id: page.payment,
        customer,
        amount: page.amount,
        description: page.description.to_owned(),
        save_card: page.save_card,
        locale: if payer.locale.starts_with("fr") {
            "fr"
        } else {
            "en"
        }
        .to_owned(),
        return_url: success,
        cancel_url: cancel,
    };
    let provider = super::provider(tx, service).await?;
    let checkout = provider.start_checkout(request).await?;
    store::set_session(tx, page.payment, &checkout.provider_ref).await?;
    Ok(Started {
        payment_id: page.payment,
        redirect_url: checkout.redirect_url,
    })
}

/// The member's Checkout page still open, if they started one: they go
/// back to it. One that expired fails its payment (the dues are free again).
async fn open_page(
    tx: &mut TenantTx,
    service: &CardPayments,
    credentials: &Credentials,
    account_id: i64,
) -> Result<Option<Started>, CardError> {
    for (payment_id, session_id) in store::recent_checkouts(tx, account_id).await? {
        let still_pending = payments::find(tx, payment_id)
            .await?
            .is_some_and(|p| p.status == PaymentStatus::Pending);
        if !still_pending {
            continue;
        }
        let session: stripe::objects::CheckoutSession = service
            .client()
            .get(credentials, &format!("checkout/sessions/{session_id}"))
            .await?;
        match (session.status.as_deref(), session.url) {
            (Some("open"), Some(url)) => {
                return Ok(Some(Started {
                    payment_id,
                    redirect_url: url,
                }));
            }
            (Some("expired"), _) => {
                super::reconcile::abandoned(tx, payment_id).await?;
            }
            // Complete: its events are on their way; nothing new is due.
            _ => {
                return Err(Refusal::conflict(
                    "payment-on-its-way",
                    "your card payment is being confirmed",
                )
                .into());
            }
        }
    }
    Ok(None)
}
