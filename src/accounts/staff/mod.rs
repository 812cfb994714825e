//! The staff side of accounts: the member directory and a member's page
//! (editors and above), invitations one by one or from a CSV file, role and
//! status changes, pending sign-ups, the sign-up policy and the audit log
//! (admins). Pages are themed, work without JavaScript, and every form
//! carries the request's CSRF token. The rules themselves live in
//! [`actions`], shared with the `tessera user` command.

pub mod actions;
mod audit_page;
pub mod csv_import;
pub mod directory;
mod invite;
mod members;
mod pages;
mod settings;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use self::actions::{ActionError, LinkBase};
use crate::auth::RequestAuth;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    Router::new()
        .route("/staff/", get(pages::index))
        .route("/staff/members/", get(pages::directory))
        .route("/staff/members/{id}", get(pages::member))
        .route("/staff/members/{id}/role", post(members::role))
        .route("/staff/members/{id}/deactivate", post(members::deactivate))
        .route("/staff/members/{id}/reactivate", post(members::reactivate))
        .route("/staff/members/{id}/resend", post(members::resend))
        .route("/staff/members/{id}/approve", post(members::approve))
        .route("/staff/members/{id}/refuse", post(members::refuse))
        .route("/staff/invite/", get(invite::form).post(invite::submit))
        .route(
            "/staff/invite/csv/",
            get(invite::csv_form).post(invite::csv_submit),
        )
        .route(
            "/staff/settings/signup/",
            get(settings::form).post(settings::submit),
        )
        .route("/staff/audit/", get(audit_page::list))
}

/// Staff pages are personal data: never cached (one way for every page).
use crate::accounts::pages::render as page;

/// Back to `to`, with a one-time message.
fn done(to: &str, kind: FlashKind, key: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Some(cookie) = Flash::new(kind, key).set_cookie() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Where this request's invitation links point: the host the admin used
/// (it resolved to this tenant), over TLS when cookies are secure.
fn link_base(headers: &HeaderMap, auth: &RequestAuth, view: &PageView) -> LinkBase {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| view.tenant.canonical_host().to_string(), str::to_owned);
    LinkBase::new(&host, auth.links_over_tls())
}

impl From<ActionError> for AppError {
    fn from(error: ActionError) -> Self {
        match error {
            ActionError::NotFound => AppError::NotFound,
            ActionError::OwnAccount => AppError::Forbidden(error.to_string().into()),
            ActionError::LastAdmin | ActionError::AlreadyMember | ActionError::WrongStatus(_) => {
                AppError::Conflict(error.to_string().into())
            }
            ActionError::Database(e) => AppError::Database(e),
        }
    }
}

/// A choice in a `<select>`, its label a translation key.
#[derive(Debug, Clone, Serialize)]
struct Choice {
    value: &'static str,
    key: String,
}

fn role_choices() -> Vec<Choice> {
    crate::auth::Role::ALL
        .iter()
        .map(|role| Choice {
            value: role.as_str(),
            key: format!("staff-role-{role}"),
        })
        .collect()
}
