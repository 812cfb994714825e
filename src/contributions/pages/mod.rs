//! What members see of contributions, under `/membership/`: the plans on
//! offer, joining (alone or for a household, with a quote to confirm),
//! how to pay, their own membership (status, dates, balance, history,
//! payments, receipts, households) and renewing. The one-click renew and
//! unsubscribe links of the reminder mails are `reminders::pages`'.
//!
//! Server-rendered, French and English, no JavaScript needed; every form
//! carries the CSRF token, every mistake is a message next to its field
//! and nothing is written unless the whole request is valid.

mod build;
mod join;
mod join_form;
mod mine;
pub mod pay;
pub mod plans;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Serialize;

use crate::auth::Auth;
use crate::model::Amount;
use crate::themes::Themes;

pub use crate::accounts::pages::{Errors, redirect_with, render, success};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Auth: FromRef<S>,
{
    Router::new()
        .route("/membership", get(mine::page))
        .route("/membership/plans", get(plans::page))
        .route("/membership/join", get(join::form).post(join::review))
        .route("/membership/join/confirm", post(join::confirm))
        .route("/membership/pay", get(pay::page))
        .route("/membership/pay/transfer-sent", post(pay::transfer_sent))
        .route("/membership/renew", get(mine::renew_form).post(mine::renew))
        .merge(super::reminders::pages::router())
}

/// A date as people read it: `26 novembre 2026` / `26 November 2026`.
pub fn day(date: NaiveDate, locale: &str) -> String {
    let noon = date.and_hms_opt(12, 0, 0).unwrap_or_default().and_utc();
    crate::themes::filters::format_date(noon, locale)
}

/// An optional end date (lifetime memberships have none).
pub fn until(date: Option<NaiveDate>, locale: &str) -> Option<String> {
    date.map(|date| day(date, locale))
}

/// An amount as people read it, with its raw decimal for forms.
#[derive(Debug, Clone, Serialize)]
pub struct Money {
    pub text: String,
    pub decimal: String,
    pub minor: i64,
}

impl Money {
    pub fn new(amount: Amount, locale: &str) -> Self {
        Self {
            text: amount.format(locale),
            decimal: amount.decimal(),
            minor: amount.minor(),
        }
    }
}
