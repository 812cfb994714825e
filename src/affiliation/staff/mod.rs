//! The staff's pages under `/staff/affiliation` (treasurers and admins):
//! programmes and their settings, reward rules, groups and self-referral
//! checks (`programs`, with forms read by `forms`), affiliates with their
//! earnings, bans and groups (`people`), the review queue (`reviews`) and
//! payouts with their batches and bank files (`payouts`). Every write is
//! audited; a refused form comes back as a flash and writes nothing.

mod forms;
mod partner;
mod payouts;
mod people;
mod programs;
mod reviews;

use axum::Router;
use axum::extract::FromRef;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::Value;

use super::books::Books;
use super::error::Error;
use super::programs::Program;
use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::Themes;
use crate::web::flash::{Flash, FlashKind, redirect_with};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    super::Affiliation: FromRef<S>,
{
    let program = "/staff/affiliation/programs/{id}";
    Router::new()
        .route(
            "/staff/affiliation",
            get(programs::list).post(programs::create),
        )
        .route(
            "/staff/affiliation/",
            get(programs::list).post(programs::create),
        )
        .route(program, get(programs::show).post(programs::save))
        .route(
            "/staff/affiliation/programs/{id}/rules",
            post(programs::add_rule),
        )
        .route(
            "/staff/affiliation/programs/{id}/rules/{rule}/retire",
            post(programs::retire_rule),
        )
        .route(
            "/staff/affiliation/programs/{id}/groups",
            post(programs::add_group),
        )
        .route(
            "/staff/affiliation/programs/{id}/checks",
            post(programs::set_check),
        )
        .route(
            "/staff/affiliation/programs/{id}/affiliates",
            get(people::list),
        )
        .route(
            "/staff/affiliation/programs/{id}/affiliates/{affiliate}/{action}",
            post(people::act),
        )
        .route(
            "/staff/affiliation/programs/{id}/reviews",
            get(reviews::list),
        )
        .route(
            "/staff/affiliation/programs/{id}/reviews/{review}",
            post(reviews::decide),
        )
        .route(
            "/staff/affiliation/programs/{id}/payouts",
            get(payouts::list).post(payouts::prepare),
        )
        .route(
            "/staff/affiliation/programs/{id}/batches/{batch}/paid",
            post(payouts::mark_paid),
        )
        .route(
            "/staff/affiliation/programs/{id}/batches/{batch}/{file}",
            get(payouts::download),
        )
        .route("/staff/partner", get(partner::show).post(partner::act))
}

/// Fields whose errors have their own message (`affiliation-staff-error-<field>`).
const FIELDS: &[&str] = &[
    "name",
    "description",
    "cookie_days",
    "holding_days",
    "review_days",
    "min_payout_minor",
    "donation_payee",
    "donation_iban",
    "bank_name",
    "bank_iban",
    "bank_bic",
    "basis_points",
    "amount_minor",
    "days",
    "intro_count",
    "intro_basis_points",
    "intro_amount_minor",
    "max_sales",
    "cap_minor",
    "side",
    "reward",
    "group_id",
    "affiliate_id",
    "window_hours",
    "value",
    "reason",
    "note",
    "execution_date",
    "bank_reference",
    "currency",
];

/// Refusals by state with their own message (`affiliation-error-<code>`).
const CONFLICTS: &[&str] = &[
    "nothing-to-pay",
    "not-open",
    "no-bank-account",
    "not-euro",
    "group-exists",
    "sepa",
];

/// The programme of the path, or a 404.
pub(super) async fn program(tx: &mut TenantTx, id: i64) -> Result<Program, AppError> {
    super::programs::find(&mut Books::tenant(tx), id)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) fn program_url(id: i64) -> String {
    format!("/staff/affiliation/programs/{id}")
}

/// A refusal as a flash on `back`; a database error is an error page.
pub(super) fn refused(back: &str, error: Error) -> Result<Response, AppError> {
    let Some(code) = error
        .code()
        .filter(|_| !matches!(error, Error::NotFound(_)))
    else {
        return Err(error.into());
    };
    let key = match error.field() {
        Some(field) if FIELDS.contains(&field) => {
            format!("affiliation-staff-error-{}", field.replace('_', "-"))
        }
        _ if CONFLICTS.contains(&code) => format!("affiliation-error-{code}"),
        _ => "affiliation-error-generic".to_owned(),
    };
    Ok(redirect_with(
        back,
        Some(Flash::new(FlashKind::Error, &key)),
    ))
}

pub(super) fn done(back: &str, key: &str) -> Response {
    redirect_with(back, Some(Flash::new(FlashKind::Success, key)))
}

/// Writes the audit entry of a staff change.
pub(super) async fn audited(
    tx: &mut TenantTx,
    by: i64,
    action: &str,
    details: Value,
) -> Result<(), AppError> {
    let entry = Entry::new(action).by(by).with(details);
    audit::record(tx, entry).await?;
    Ok(())
}
