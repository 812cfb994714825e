//! « Record a payment » (`/treasury/payments/new`), made for the keyboard:
//! the search field has the focus, Enter searches; each match is a link
//! to the form with the payer chosen; the form's fields follow in reading
//! order and Enter records. Cash, cheque (its number is required, the bank
//! optional), transfer (with its reference), card or other; the amount as
//! typed (`12,50`), the date received, a note, and which of the payer's
//! open memberships it pays (by default the oldest dues first) — or the
//! open project a donation is earmarked for (`earmarks`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::once;
use super::record_form::{Checked, METHODS, Values, check};
use super::search::{self, Match};
use super::{Choice, Errors, done, money, render};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::earmarks::{self, Target};
use crate::contributions::memberships::{self, MembershipView};
use crate::contributions::payments::{self, Allocation, NewPayment};
use crate::contributions::{Error, PaymentStatus, Status, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Amount;
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;
use crate::web::flash::FlashKind;
use crate::web::form::Form;

#[derive(Debug, Default, Deserialize)]
pub struct Pick {
    #[serde(default)]
    q: String,
    #[serde(default)]
    payer: String,
}

/// An open membership the payment may pay.
#[derive(Debug, Clone, Serialize)]
pub struct Open {
    pub id: i64,
    pub member_name: String,
    pub plan_name: String,
    pub starts_on: NaiveDate,
    pub due: String,
    pub checked: bool,
}

#[derive(Serialize)]
struct RecordPage {
    q: String,
    matches: Vec<Match>,
    payer: Option<Match>,
    open: Vec<Open>,
    values: Values,
    errors: Errors,
    summary: Vec<String>,
    methods: Vec<Choice>,
    /// Open projects a donation may be earmarked for.
    projects: Vec<Target>,
    currency: String,
    csrf_token: String,
    /// Sent back with the form: see [`once`].
    idempotency_key: String,
}

const TEMPLATE: &str = "treasury/record.html";

async fn payer_of(tx: &mut TenantTx, text: &str) -> Result<Option<Match>, sqlx::Error> {
    match text.trim().parse::<i64>() {
        Ok(id) => search::one(tx, id).await,
        Err(_) => Ok(None),
    }
}

/// `GET /treasury/payments/new?q=&payer=`.
pub async fn form(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let payer = payer_of(&mut tx, &pick.payer).await?;
    let values = Values {
        payer: payer.as_ref().map(|p| p.id.to_string()).unwrap_or_default(),
        method: "cash".into(),
        received_on: chrono::Utc::now().date_naive().to_string(),
        ..Values::default()
    };
    let data = page(
        &mut tx,
        &view,
        &auth,
        pick.q,
        payer,
        values,
        Errors::default(),
    )
    .await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &data).await
}

async fn page(
    tx: &mut TenantTx,
    view: &PageView,
    auth: &RequestAuth,
    q: String,
    payer: Option<Match>,
    values: Values,
    errors: Errors,
) -> Result<RecordPage, AppError> {
    let currency = settings::get(tx).await?.currency;
    let open = match &payer {
        Some(payer) => open_memberships(tx, payer.id, &values.memberships, view).await?,
        None => Vec::new(),
    };
    Ok(RecordPage {
        matches: search::members(tx, &q).await?,
        q,
        payer,
        open,
        summary: errors.keys().into_iter().map(str::to_owned).collect(),
        values,
        errors,
        methods: Choice::words(&METHODS, "treasury-method-"),
        projects: earmarks::targets(tx).await?,
        currency: currency.code().to_owned(),
        csrf_token: auth.csrf.value().to_owned(),
        idempotency_key: once::new_key(),
    })
}

/// The payer's memberships (theirs and those they pay for) with something
/// left to pay, oldest first.
async fn due_memberships(
    tx: &mut TenantTx,
    payer_id: i64,
) -> Result<Vec<MembershipView>, AppError> {
    let mut open: Vec<MembershipView> = memberships::for_account(tx, payer_id)
        .await?
        .into_iter()
        .filter(|m| m.payer_id == payer_id && m.due.is_positive() && m.status != Status::Cancelled)
        .collect();
    open.sort_by_key(|m| (m.starts_on, m.id));
    Ok(open)
}

async fn open_memberships(
    tx: &mut TenantTx,
    payer_id: i64,
    checked: &[i64],
    view: &PageView,
) -> Result<Vec<Open>, AppError> {
    Ok(due_memberships(tx, payer_id)
        .await?
        .into_iter()
        .map(|m| Open {
            checked: checked.contains(&m.id),
            due: money(m.due, view),
            id: m.id,
            member_name: m.member_name,
            plan_name: m.plan_name,
            starts_on: m.starts_on,
        })
        .collect())
}

/// What the ticked memberships get of `amount`: each its due, oldest
/// first, until the amount runs out (what is left stays a credit).
pub fn allocate(amount: Amount, ticked: &[(i64, Amount)]) -> Vec<Allocation> {
    let mut left = amount.minor();
    let mut allocations = Vec::new();
    for (membership_id, due) in ticked {
        let part = due.minor().min(left);
        if part <= 0 {
            break;
        }
        allocations.push(Allocation {
            membership_id: *membership_id,
            amount_minor: part,
        });
        left -= part;
    }
    allocations
}

/// `POST /treasury/payments/new`: records it (paid), with its ledger line,
/// receipt number and audit entry, then shows it.
pub async fn submit(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let by = guard.principal().account_id;
    if let Some(location) = once::earlier(&mut tx, by, &fields).await? {
        let flash = "treasury-flash-payment-recorded";
        return Ok(done(&location, FlashKind::Success, flash));
    }
    let values = Values::from_fields(&fields);
    let payer = payer_of(&mut tx, &values.payer).await?;
    let currency = settings::get(&mut tx).await?.currency;
    let errors = match check(&values, payer.as_ref(), currency) {
        Ok(checked) => match write(&mut tx, &checked, by).await {
            Ok(id) => {
                let location = format!("/treasury/payments/{id}");
                once::led_to(&mut tx, by, &fields, &location).await?;
                let flash = "treasury-flash-payment-recorded";
                return Ok(done(&location, FlashKind::Success, flash));
            }
            Err(Ok(errors)) => errors,
            Err(Err(error)) => return Err(error),
        },
        Err(errors) => errors,
    };
    let mut data = page(&mut tx, &view, &auth, String::new(), payer, values, errors).await?;
    // The same form again: a second submission stays the same payment.
    if let Some((_, key)) = fields.iter().find(|(name, _)| name == once::FIELD) {
        data.idempotency_key = key.clone();
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(&themes, &tx, &view, TEMPLATE, status, &data).await
}

/// Records `checked`; a refusal of the store comes back as form errors.
async fn write(
    tx: &mut TenantTx,
    checked: &Checked,
    by: i64,
) -> Result<i64, Result<Errors, AppError>> {
    // References are unique: say so next to the field rather than let the
    // insert fail (and the transaction with it).
    let taken = match &checked.reference {
        Some(reference) => reference_taken(tx, reference)
            .await
            .map_err(|e| Err(e.into()))?,
        None => false,
    };
    if taken {
        let mut errors = Errors::default();
        errors.add("reference", "treasury-error-reference-taken");
        return Err(Ok(errors));
    }
    let ticked: Vec<(i64, Amount)> = due_memberships(tx, checked.payer_id)
        .await
        .map_err(Err)?
        .into_iter()
        .filter(|m| checked.memberships.contains(&m.id))
        .map(|m| (m.id, m.due))
        .collect();
    let payment = NewPayment {
        payer_id: checked.payer_id,
        amount: checked.amount,
        method: checked.method,
        status: PaymentStatus::Paid,
        cheque_number: checked.cheque_number.clone(),
        cheque_bank: checked.cheque_bank.clone(),
        reference: checked.reference.clone(),
        received_on: checked.received_on,
        note: checked.note.clone(),
        allocations: allocate(checked.amount, &ticked),
        provider: None,
    };
    let recorded = match checked.project_id {
        Some(project) => earmarks::record_donation(tx, &payment, project, Some(by)).await,
        None => payments::record(tx, &payment, Some(by)).await,
    };
    match recorded {
        Ok(recorded) => Ok(recorded.id),
        Err(Error::Database(e)) => Err(Err(AppError::Database(e))),
        Err(error) => {
            let mut errors = Errors::default();
            errors.store(&error, "amount");
            Err(Ok(errors))
        }
    }
}

async fn reference_taken(tx: &mut TenantTx, reference: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM payments WHERE reference = $1) AS "taken!""#,
        reference
    )
    .fetch_one(tx.conn().await?)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Currency;

    fn eur(minor: i64) -> Amount {
        Amount::new(minor, Currency::EUR).unwrap_or(Amount::zero(Currency::EUR))
    }

    #[test]
    fn ticked_memberships_get_their_due_oldest_first() {
        let got = allocate(eur(5000), &[(1, eur(3000)), (2, eur(3000)), (3, eur(1000))]);
        let parts: Vec<(i64, i64)> = got
            .iter()
            .map(|a| (a.membership_id, a.amount_minor))
            .collect();
        assert_eq!(parts, [(1, 3000), (2, 2000)]);
        assert!(allocate(eur(5000), &[]).is_empty());
    }
}
