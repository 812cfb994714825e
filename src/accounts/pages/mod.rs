//! The pages people use on their association's portal, under `/accounts/`:
//! sign up, confirm the address, sign in (with a second factor), sign out,
//! recover a password, accept an invitation, and manage their profile,
//! password, address, sessions and 2FA. Server-rendered with the tenant's
//! theme, in French or English, usable without JavaScript.
//!
//! Every form carries the CSRF token (checked by `auth::context` before a
//! handler runs). Every error is shown next to its field; nothing is
//! written unless the whole form is valid.

mod links;
mod login;
mod profile;
mod security;
mod signup;
mod two_factor;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::auth::{Principal, RequestAuth};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
pub use crate::web::flash::redirect_with;
use crate::web::flash::{Flash, FlashKind};

use super::model::Account;
use super::store;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    Router::new()
        .route(
            "/accounts/",
            get(|| async { Redirect::to("/accounts/profile/") }),
        )
        .route("/accounts/login/", get(login::form).post(login::submit))
        .route(
            "/accounts/login/2fa/",
            get(login::second_factor_form).post(login::second_factor),
        )
        .route("/accounts/logout/", post(login::logout))
        .route("/accounts/signup/", get(signup::form).post(signup::submit))
        .route("/accounts/verify/{token}", get(links::verify))
        .route(
            "/accounts/password/forgot/",
            get(links::forgot_form).post(links::forgot),
        )
        .route(
            "/accounts/password/reset/{token}",
            get(links::reset_form).post(links::reset),
        )
        .route(
            "/accounts/invitation/{token}",
            get(links::invitation_form).post(links::accept_invitation),
        )
        .route("/accounts/email/confirm/{token}", get(links::confirm_email))
        .route("/accounts/profile/", get(profile::form).post(profile::save))
        .route(
            "/accounts/password/",
            get(security::password_form).post(security::change_password),
        )
        .route(
            "/accounts/email/",
            get(security::email_form).post(security::change_email),
        )
        .route("/accounts/sessions/", get(security::sessions))
        .route("/accounts/sessions/end", post(security::end_session))
        .route(
            "/accounts/sessions/end-others",
            post(security::end_other_sessions),
        )
        .route("/accounts/2fa/", get(two_factor::overview))
        .route("/accounts/2fa/setup", post(two_factor::setup))
        .route("/accounts/2fa/confirm", post(two_factor::confirm))
        .route("/accounts/2fa/disable", post(two_factor::disable))
        .route(
            "/accounts/2fa/recovery-codes",
            post(two_factor::new_recovery_codes),
        )
}

/// Field errors of a form: field name → translation key.
#[derive(Debug, Default, Serialize)]
#[serde(transparent)]
pub struct Errors(BTreeMap<&'static str, &'static str>);

impl Errors {
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        self.0.entry(field).or_insert(key);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A message over a whole form (a translation key and its argument).
#[derive(Debug, Serialize)]
pub struct Notice {
    pub key: &'static str,
    pub kind: &'static str,
    pub seconds: Option<u64>,
}

impl Notice {
    pub fn error(key: &'static str) -> Self {
        Self {
            key,
            kind: "error",
            seconds: None,
        }
    }

    pub fn info(key: &'static str) -> Self {
        Self {
            key,
            kind: "info",
            seconds: None,
        }
    }
}

/// Renders an account page (never cached: it is personal or carries a
/// CSRF token).
pub async fn render<T: Serialize>(
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

pub fn success(key: &str) -> Option<Flash> {
    Some(Flash::new(FlashKind::Success, key))
}

/// Where to go after signing in: only a path on this site.
pub fn safe_next(next: &str) -> String {
    if crate::model::is_local_path(next) {
        next.to_owned()
    } else {
        "/accounts/profile/".to_owned()
    }
}

/// The signed-in person's account; a session whose account is gone or
/// deactivated is treated as signed out.
pub async fn current_account(
    tx: &mut TenantTx,
    principal: &Principal,
) -> Result<Account, AppError> {
    match store::find(tx, principal.account_id).await? {
        Some(account) if account.status == super::Status::Active => Ok(account),
        _ => Err(AppError::Unauthorized(
            "your session has ended; sign in again".into(),
        )),
    }
}

/// An absolute link to `path` on the host the person used, for mails.
pub fn mail_link(auth: &RequestAuth, path: &str) -> String {
    super::mails::link(&auth.host, auth.links_over_tls(), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next("/accounts/sessions/"), "/accounts/sessions/");
        for outside in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:x",
            "",
        ] {
            assert_eq!(safe_next(outside), "/accounts/profile/", "{outside}");
        }
    }
}
