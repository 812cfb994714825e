//! Affiliation: referral programmes, for each association and for the
//! platform, on one engine with separate books (`books`: the same tables
//! in each tenant's schema and in `platform`).
//!
//! - Capture (`capture`, `clicks`, `cookie`, `service`): `/r/<code>` and
//!   `?ref=` on any page, clicks buffered and written in batches, a signed
//!   first-party cookie for the programme's window.
//! - Attribution (`referrals`): a party arriving with a code or the cookie
//!   is bound to its affiliate for life; first or last click per programme.
//! - Rewards (`rules`, `rulebook`, `ledger`): rules as data (share or flat,
//!   per stage and side, intro rates, sale limits, caps, group and
//!   affiliate overrides; credits, free days and donations beside cash) and
//!   the append-only ledger, idempotent per payment, with reversals.
//! - Fraud (`fraud`, `reviews`): self-referral checks as data, a review
//!   queue whose holds release at their deadline.
//! - Payouts (`payouts`): requests over a threshold, batches exported as
//!   CSV and SEPA credit transfer files, marked paid.
//! - Time (`mature`) and the association's side (`tenant`): payments from
//!   `contributions`, rewards in kind, the hourly sweep.
//! - People: `pages` (affiliates), `staff` (staff), `api`; `events` are the
//!   signed webhooks.
//!
//! Owns `migrations/tenant/0014_affiliation.sql`.

pub mod affiliates;
pub mod api;
pub mod api_people;
pub mod api_staff;
pub mod books;
pub mod capture;
pub mod clicks;
pub mod console;
pub mod cookie;
pub mod error;
pub mod events;
pub mod figures;
pub mod fraud;
pub mod ledger;
pub mod links;
pub mod mature;
pub mod model;
pub mod operators;
pub mod operators_money;
mod pages;
pub mod payouts;
pub mod platform;
pub mod programs;
pub mod referrals;
pub mod reviews;
pub mod rulebook;
pub mod rules;
pub mod sealing;
pub mod service;
mod staff;
pub mod statement;
pub mod stats;
pub mod tenant;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;

pub use error::Error;
pub use service::Affiliation;

use crate::themes::Themes;

/// The capture path, affiliates' pages and staff pages of a portal.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Affiliation: FromRef<S>,
{
    Router::new()
        .route("/r/{code}", get(capture::short_link))
        .merge(pages::router())
        .merge(staff::router())
}
