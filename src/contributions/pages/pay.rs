//! How to pay what one owes: the amount due, bank transfer details (the
//! association's account holder, IBAN and BIC, and the structured
//! reference to write), cheques (to whose order) and cash at the office.
//! "I have sent a transfer" records a *pending* transfer for what is due,
//! so the memberships it pays stay out of lapse while it travels; the
//! treasurer marks it paid when it arrives. Online payment comes with the
//! first payment provider.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::{Money, redirect_with, render, success};
use crate::accounts::pages::current_account;
use crate::auth::{RequestAuth, SignedIn};
use crate::contributions::error::Error;
use crate::contributions::memberships::{self, MembershipView};
use crate::contributions::model::{Method, PaymentStatus};
use crate::contributions::payments::{self, NewPayment};
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Amount;
use crate::themes::{PageView, Themes};

/// Everything the "how to pay" block shows.
#[derive(Debug, Serialize)]
pub struct PayInfo {
    /// What is due and not yet announced.
    pub due: Option<Money>,
    /// Announced transfers still on their way.
    pub pending: bool,
    pub reference: Option<String>,
    pub holder: String,
    pub iban: Option<String>,
    pub bic: Option<String>,
}

/// The memberships `payer_id` pays with something due and no payment on
/// its way, oldest first.
async fn open_dues(tx: &mut TenantTx, payer_id: i64) -> Result<Vec<MembershipView>, sqlx::Error> {
    let mut dues: Vec<MembershipView> = memberships::for_account(tx, payer_id)
        .await?
        .into_iter()
        .filter(|m| m.payer_id == payer_id && m.due.is_positive() && !m.payment_pending)
        .filter(|m| m.status != crate::contributions::Status::Cancelled)
        .collect();
    dues.sort_by_key(|m| (m.starts_on, m.id));
    Ok(dues)
}

fn total(dues: &[MembershipView]) -> Option<Amount> {
    let first = dues.first()?;
    dues.iter()
        .skip(1)
        .try_fold(first.due, |sum, m| sum.checked_add(m.due).ok())
}

/// IBAN in groups of four, as printed on bank documents.
fn grouped(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn pay_info(
    tx: &mut TenantTx,
    payer_id: i64,
    locale: &str,
) -> Result<PayInfo, sqlx::Error> {
    let settings = settings::get(tx).await?;
    let dues = open_dues(tx, payer_id).await?;
    let pending = memberships::for_account(tx, payer_id)
        .await?
        .iter()
        .any(|m| m.payer_id == payer_id && m.payment_pending);
    let holder = settings
        .bank_account_holder
        .clone()
        .unwrap_or_else(|| tx.tenant().name.clone());
    Ok(PayInfo {
        due: total(&dues).map(|a| Money::new(a, locale)),
        pending,
        reference: dues
            .first()
            .map(|m| grouped(&payments::transfer_reference(m.id))),
        holder,
        iban: settings.iban.as_deref().map(grouped),
        bic: settings.bic,
    })
}

/// What "I have sent a transfer" did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announced {
    Recorded,
    NothingDue,
}

/// Records a pending transfer of everything `payer_id` owes and has not
/// announced yet, with the reference shown.
pub async fn announce_transfer(
    tx: &mut TenantTx,
    payer_id: i64,
    by: Option<i64>,
) -> Result<Announced, Error> {
    let dues = open_dues(tx, payer_id).await?;
    let (Some(amount), Some(first)) = (total(&dues), dues.first()) else {
        return Ok(Announced::NothingDue);
    };
    let reference = payments::transfer_reference(first.id);
    // The reference is unique among payments: a failed earlier transfer
    // keeps it, and the new one goes without.
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM payments WHERE reference = $1) AS "taken!""#,
        reference
    )
    .fetch_one(tx.conn().await?)
    .await?;
    let payment = NewPayment {
        payer_id,
        amount,
        method: Method::Transfer,
        status: PaymentStatus::Pending,
        cheque_number: None,
        cheque_bank: None,
        reference: (!taken).then_some(reference),
        received_on: memberships::today(),
        note: None,
        allocations: Vec::new(),
        provider: None,
    };
    payments::record(tx, &payment, by).await?;
    Ok(Announced::Recorded)
}

#[derive(Serialize)]
struct PayPage<'a> {
    csrf: &'a str,
    pay: PayInfo,
    action: &'static str,
}

pub async fn page(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let page = PayPage {
        csrf: auth.csrf.value(),
        pay: pay_info(&mut tx, account.id, view.locale).await?,
        action: "/membership/pay/transfer-sent",
    };
    render(
        &themes,
        &tx,
        &view,
        "membership/pay.html",
        StatusCode::OK,
        &page,
    )
    .await
}

pub async fn transfer_sent(
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let flash = match announce_transfer(&mut tx, account.id, Some(account.id)).await? {
        Announced::Recorded => "membership-flash-transfer-noted",
        Announced::NothingDue => "membership-flash-nothing-due",
    };
    Ok(redirect_with("/membership", success(flash)))
}
