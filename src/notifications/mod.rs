//! Notifications: one module decides who hears about what, and how.
//!
//! Producers (announcements, renewals, payments, projects) call [`notify`]
//! inside their own transaction with a [`Notice`]: its [`Kind`], its
//! [`Audience`], a plain-text title and body and a path on the portal.
//! Each recipient's preferences (per kind: in-app, email, push; and
//! immediate mail or a daily digest) decide where it goes:
//!
//! - in-app: a row in the member's list (`/notifications/`, [`pages`]);
//! - email: a themed mail (the tenant's brand) sent through the job queue
//!   ([`mails`]), at once or in the daily digest ([`tasks`]);
//! - push: Web Push to each of the member's devices ([`push`],
//!   [`subscriptions`]), with the tenant's own VAPID key pair.
//!
//! Everything is written with the producer's change and leaves after
//! commit: one job per notice ([`deliver`]), whatever the audience size.
//! Every mail can be stopped from itself, without signing in ([`unsubscribe`]).
//! The same things are served as pages (no JavaScript needed but for the
//! device button) and as `/api/v1/notifications` ([`api`]): each member
//! only ever sees and changes their own.

pub mod api;
pub mod deliver;
pub mod mails;
pub mod model;
mod notify;
pub mod pages;
pub mod preferences;
pub mod push;
mod service;
pub mod store;
pub mod subscriptions;
pub mod tasks;
pub mod unsubscribe;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post};

pub use model::{Audience, Channels, Kind, Notice, NotifyError};
pub use notify::{DELIVER_KIND, Fanout, notify};
pub use service::Notifications;
pub use tasks::register;

use crate::themes::Themes;

/// The member's pages.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Notifications: FromRef<S>,
{
    Router::new()
        .route("/notifications/", get(pages::list))
        .route("/notifications/read-all", post(pages::read_all))
        .route("/notifications/{id}/open", post(pages::open))
        .route("/notifications/{id}/read", post(pages::read))
        .route(
            "/notifications/preferences",
            get(preferences::form).post(preferences::save),
        )
        .route(
            "/notifications/devices/{id}/delete",
            post(preferences::remove_device),
        )
        .route("/notifications/push/key", get(preferences::push_key))
        .route(
            "/notifications/push/subscriptions",
            post(preferences::push_subscribe),
        )
        .route(
            "/notifications/push/subscriptions/delete",
            post(preferences::push_unsubscribe),
        )
        .route(
            "/notifications/unsubscribe/{token}",
            get(unsubscribe::form).post(unsubscribe::confirm),
        )
}

/// `/api/v1/notifications` (merged into `api::router`, behind its rate limit).
pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Notifications: FromRef<S>,
{
    Router::new()
        .route("/api/v1/notifications", get(api::list))
        .route("/api/v1/notifications/read-all", post(api::read_all))
        .route("/api/v1/notifications/{id}/read", post(api::read))
        .route(
            "/api/v1/notifications/preferences",
            get(api::preferences).put(api::save_preferences),
        )
        .route(
            "/api/v1/notifications/vapid-public-key",
            get(api::vapid_public_key),
        )
        .route(
            "/api/v1/notifications/subscriptions",
            get(api::devices).post(api::subscribe),
        )
        .route(
            "/api/v1/notifications/subscriptions/{id}",
            delete(api::unsubscribe),
        )
}
