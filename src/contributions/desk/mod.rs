//! The treasurer's desk: server-rendered pages under `/treasury/` for
//! treasurers and admins (`RequireRole<Treasurer>`). The season dashboard
//! with its SVG charts drawn on the server (`dashboard`, `stats`; the
//! geometry is [`crate::charts`]'s),
//! plans and their price tiers (`plans`, `plan_form`), the contribution
//! settings and status rules (`settings`), households (`households`), the
//! member search every form starts from (`search`), recording a payment
//! (`record`), the payments list, a payment and its refund (`payments`),
//! and the members' side: expiring, lapsed, balances, one member's
//! contributions (`members`).
//!
//! Every page works without JavaScript, at 360 px, in French and English;
//! every form carries the CSRF token, shows its errors next to the fields
//! and writes nothing unless the whole form is valid. The rules live in the
//! contributions store; these pages only read forms and show results.

mod dashboard;
mod households;
mod member;
mod members;
mod once;
mod payment;
mod payment_list;
mod plan_form;
mod plans;
mod record;
mod record_form;
pub mod search;
mod settings;
pub mod stats;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::Error;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Amount;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    Router::new()
        .route("/treasury", get(dashboard::page))
        .route("/treasury/", get(|| async { Redirect::to("/treasury") }))
        .route("/treasury/plans", get(plans::list))
        .route(
            "/treasury/plans/new",
            get(plans::new_form).post(plans::create),
        )
        .route(
            "/treasury/plans/{id}",
            get(plans::edit_form).post(plans::update),
        )
        .route("/treasury/plans/{id}/archive", post(plans::archive))
        .route(
            "/treasury/settings",
            get(settings::form).post(settings::save),
        )
        .route("/treasury/settings/rules", post(settings::save_rules))
        .route("/treasury/households", get(households::list))
        .route(
            "/treasury/households/new",
            get(households::new_form).post(households::create),
        )
        .route("/treasury/households/{id}", get(households::show))
        .route("/treasury/households/{id}/add", post(households::add))
        .route("/treasury/households/{id}/remove", post(households::remove))
        .route(
            "/treasury/payments/new",
            get(record::form).post(record::submit),
        )
        .route("/treasury/members/expiring", get(members::expiring))
        .route("/treasury/members/lapsed", get(members::lapsed))
        .route("/treasury/members/balances", get(members::balances))
        .route("/treasury/members/{id}", get(member::page))
        .route(
            "/treasury/memberships/{id}/override",
            post(member::override_status),
        )
        .route("/treasury/memberships/{id}/cancel", post(member::cancel))
        .route("/treasury/memberships/{id}/renew", post(member::renew))
        .route("/treasury/payments", get(payment_list::page))
        .route("/treasury/payments/{id}", get(payment::show))
        .route("/treasury/payments/{id}/refund", post(payment::refund))
}

/// Renders a desk page: personal data with a CSRF token, never cached.
async fn render<T: Serialize>(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    template: &str,
    status: StatusCode,
    page: &T,
) -> Result<Response, AppError> {
    Ok(themes
        .private_page(tx, view, template, status, page)
        .await?)
}

/// 303 to `to`, with a one-time message there.
fn done(to: &str, kind: FlashKind, key: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Some(cookie) = Flash::new(kind, key).set_cookie() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Field errors of a form: field name → translation key (what
/// `field_error(errors=page.errors, field=…)` reads in templates).
#[derive(Debug, Default, Clone, Serialize)]
#[serde(transparent)]
pub struct Errors(BTreeMap<String, String>);

impl Errors {
    pub fn add(&mut self, field: &str, key: &str) {
        self.0
            .entry(field.to_owned())
            .or_insert_with(|| key.to_owned());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error of the store, on its field (or on `fallback`).
    pub fn store(&mut self, error: &Error, fallback: &str) {
        self.add(error.field().unwrap_or(fallback), error_key(error));
    }

    /// Every message, for the summary over the form.
    pub fn keys(&self) -> Vec<&str> {
        self.0.values().map(String::as_str).collect()
    }
}

/// Store error codes that have a sentence of their own, as their keys
/// (`treasury-error-<code>`); any other code gets the general message.
const KEYS: &[&str] = &[
    "treasury-error-name",
    "treasury-error-too-long",
    "treasury-error-negative",
    "treasury-error-too-large",
    "treasury-error-too-precise",
    "treasury-error-not-an-amount",
    "treasury-error-positive",
    "treasury-error-free-with-tiers",
    "treasury-error-below-minimum",
    "treasury-error-fixed-with-minimum",
    "treasury-error-instalments",
    "treasury-error-percent",
    "treasury-error-no-tier",
    "treasury-error-too-many-tiers",
    "treasury-error-tier-code",
    "treasury-error-tier-duplicate",
    "treasury-error-tier-label",
    "treasury-error-month",
    "treasury-error-reminder-days",
    "treasury-error-iban",
    "treasury-error-bic",
    "treasury-error-too-many-members",
    "treasury-error-wrong-currency",
    "treasury-error-not-found",
    "treasury-error-required",
    "treasury-error-cheque-number",
    "treasury-error-not-a-date",
    "treasury-error-not-a-number",
    "treasury-error-reason",
    "treasury-error-already-renewed",
    "treasury-error-not-renewable",
    "treasury-error-already-cancelled",
    "treasury-error-not-refundable",
    "treasury-error-over-refund",
    "treasury-error-over-allocated",
    "treasury-error-date",
    // The earmark of a donation (their sentences are in projects.ftl).
    "treasury-error-not-open",
];

/// The translation key of a store error.
pub fn error_key(error: &Error) -> &'static str {
    code_key(error.code().unwrap_or("invalid"))
}

/// `treasury-error-<code>` for a known code, else the general message.
pub fn code_key(code: &str) -> &'static str {
    KEYS.iter()
        .find(|key| key.strip_prefix("treasury-error-") == Some(code))
        .map_or("treasury-error-invalid", |key| *key)
}

/// An amount as people read it in the page's language.
fn money(amount: Amount, view: &PageView) -> String {
    amount.format(view.locale)
}

/// A choice of a `<select>`: its value and its (translated) label key.
#[derive(Debug, Clone, Serialize)]
struct Choice {
    value: String,
    key: String,
}

impl Choice {
    fn words(words: &[&'static str], prefix: &str) -> Vec<Choice> {
        words
            .iter()
            .map(|word| Choice {
                value: (*word).to_owned(),
                key: format!("{prefix}{word}"),
            })
            .collect()
    }
}

/// A text field: trimmed, `None` when empty.
fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_their_key() {
        assert_eq!(code_key("iban"), "treasury-error-iban");
        assert_eq!(code_key("something-else"), "treasury-error-invalid");
    }
}
