//! Stopping notification mails from the mail itself, without signing in:
//! every notification mail carries `/notifications/unsubscribe/{token}`
//! (also as `List-Unsubscribe`), a link signed for the tenant, the account
//! and one kind (or, from a digest, every kind). Opening it shows a button
//! and changes nothing — mail scanners follow links; the POST turns the
//! mails off and keeps the other channels. A forged token, or another
//! association's, is a 404 like an unknown page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::model::Kind;
use super::service::Notifications;
use super::store;
use crate::auth::keys::sign;
use crate::auth::{Keys, RequestAuth};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::TenantId;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;

const PURPOSE: &str = "notifications.unsubscribe-link";
const ALL: &str = "all";

fn signature(keys: &Keys, tenant: TenantId, account: i64, scope: &str) -> String {
    let key = keys.derive(PURPOSE, tenant);
    URL_SAFE_NO_PAD.encode(sign(&key, &[&account.to_be_bytes(), scope.as_bytes()]))
}

/// `<account>-<kind or "all">-<signature>`; it never expires.
pub fn token(keys: &Keys, tenant: TenantId, account: i64, kind: Option<Kind>) -> String {
    let scope = kind.map_or(ALL, Kind::as_str);
    format!(
        "{account}-{scope}-{}",
        signature(keys, tenant, account, scope)
    )
}

/// The account and kind (`None`: all) of a token signed for `tenant`.
pub fn check(keys: &Keys, tenant: TenantId, token: &str) -> Option<(i64, Option<Kind>)> {
    let mut parts = token.splitn(3, '-');
    let account: i64 = parts.next()?.parse().ok()?;
    let scope = parts.next()?;
    let kind = match scope {
        ALL => None,
        other => Some(Kind::parse(other)?),
    };
    let expected = signature(keys, tenant, account, scope);
    let same: bool = expected.as_bytes().ct_eq(parts.next()?.as_bytes()).into();
    same.then_some((account, kind))
}

/// The account and kind of a valid token whose account still exists.
async fn checked(
    service: &Notifications,
    tx: &mut TenantTx,
    token: &str,
) -> Result<(i64, Option<Kind>), AppError> {
    let (account, kind) = check(service.keys(), tx.tenant().id, token).ok_or(AppError::NotFound)?;
    crate::accounts::store::find(tx, account)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((account, kind))
}

#[derive(Serialize)]
struct UnsubscribePage<'a> {
    csrf: &'a str,
    token: &'a str,
    /// The kind's name, or `all`.
    scope: &'static str,
    done: bool,
}

async fn show(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    page: &UnsubscribePage<'_>,
) -> Result<Response, AppError> {
    let template = "notifications/unsubscribe.html";
    Ok(themes
        .private_page(tx, view, template, StatusCode::OK, page)
        .await?)
}

/// `GET /notifications/unsubscribe/{token}`: the button, nothing changed.
pub async fn form(
    State(themes): State<Themes>,
    State(service): State<Notifications>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (_, kind) = checked(&service, &mut tx, &token).await?;
    let page = UnsubscribePage {
        csrf: auth.csrf.value(),
        token: &token,
        scope: kind.map_or(ALL, Kind::as_str),
        done: false,
    };
    show(&themes, &tx, &view, &page).await
}

/// `POST /notifications/unsubscribe/{token}`: no more mails of that kind
/// (or of any); the list and pushes stay as they were.
pub async fn confirm(
    State(themes): State<Themes>,
    State(service): State<Notifications>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (account, kind) = checked(&service, &mut tx, &token).await?;
    let mut preferences = store::preferences(&mut tx, account).await?;
    for choice in &mut preferences.kinds {
        if kind.is_none_or(|kind| kind == choice.kind) {
            choice.channels.email = false;
        }
    }
    store::save_preferences(&mut tx, account, &preferences.kinds, preferences.digest).await?;
    let page = UnsubscribePage {
        csrf: auth.csrf.value(),
        token: &token,
        scope: kind.map_or(ALL, Kind::as_str),
        done: true,
    };
    show(&themes, &tx, &view, &page).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_bound_to_tenant_account_and_kind() {
        let keys = Keys::from_bytes([5; 32]);
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        let one = token(&keys, a, 7, Some(Kind::Payments));
        assert_eq!(check(&keys, a, &one), Some((7, Some(Kind::Payments))));
        assert_eq!(check(&keys, b, &one), None);
        let widened = one.replacen("-payments-", "-all-", 1);
        assert_eq!(check(&keys, a, &widened), None);
        let other = one.replacen("7-", "8-", 1);
        assert_eq!(check(&keys, a, &other), None);
        let all = token(&keys, a, 7, None);
        assert_eq!(check(&keys, a, &all), Some((7, None)));
        for junk in ["", "-", "7-all", "x-all-y", &"9".repeat(300)] {
            assert_eq!(check(&keys, a, junk), None, "{junk}");
        }
    }
}
