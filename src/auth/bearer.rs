//! Bearer credentials of API calls: `Authorization: Bearer <token>`, where
//! the token is an access token (JWT, see [`super::jwt`]) or an API key
//! (`tsk_…`, see [`super::api_keys`]).
//!
//! A credential that is present but not valid here (expired, forged,
//! another tenant's, revoked) is a 401, not an anonymous request: a client
//! must learn its token is dead rather than see less data.

use axum::http::header;
use axum::http::request::Parts;

use super::context::RequestAuth;
use super::guard::{Principal, Via, request_tx};
use super::{api_keys, jwt};
use crate::db::TenantTx;
use crate::error::AppError;

/// The principal an API request's bearer token names; `None` without one.
pub async fn principal(
    parts: &mut Parts,
    context: &RequestAuth,
) -> Result<Option<Principal>, AppError> {
    let Some(token) = presented(parts)? else {
        return Ok(None);
    };
    if token.starts_with(OPERATOR_TOKEN_PREFIX) {
        // The console's token: never looked up in a tenant.
        return Err(refused());
    }
    let mut tx = request_tx(parts)?;
    let found = if api_keys::looks_like_key(&token) {
        from_api_key(&mut tx, &token).await?
    } else {
        from_access_token(&mut tx, context, &token).await?
    };
    found.map(Some).ok_or_else(refused)
}

/// How the platform console's API tokens begin (tenants' keys: `tsk_`).
pub const OPERATOR_TOKEN_PREFIX: &str = "tso_";

/// The token of the `Authorization` header, if it has one; a malformed
/// header is refused.
pub fn presented(parts: &Parts) -> Result<Option<String>, AppError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| refused())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(refused)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(refused());
    }
    Ok(Some(token.trim().to_owned()))
}

async fn from_api_key(tx: &mut TenantTx, token: &str) -> Result<Option<Principal>, AppError> {
    Ok(api_keys::find(tx, token).await?.map(|holder| Principal {
        account_id: holder.account_id,
        role: holder.role,
        via: Via::ApiKey {
            key_id: holder.key_id,
            scopes: holder.scopes,
        },
    }))
}

/// A valid JWT whose account is still active with the role it names and
/// whose refresh family is not revoked.
async fn from_access_token(
    tx: &mut TenantTx,
    context: &RequestAuth,
    token: &str,
) -> Result<Option<Principal>, AppError> {
    let tenant = tx.tenant().id;
    let Ok(claims) = jwt::verify(&context.auth.keys, tenant, token) else {
        return Ok(None);
    };
    let (Some(account_id), Some(family)) = (claims.account_id(), claims.family()) else {
        return Ok(None);
    };
    // The account and its token family in one statement: every API call
    // pays this lookup, so it is one round trip, not two.
    let Some(account) = sqlx::query!(
        r#"SELECT role, status,
                  EXISTS (SELECT 1 FROM refresh_tokens
                          WHERE family = $2 AND revoked_at IS NULL) AS "live!"
           FROM accounts WHERE id = $1"#,
        account_id,
        &family[..],
    )
    .fetch_optional(tx.conn().await?)
    .await?
    else {
        return Ok(None);
    };
    let current = account.role.parse().ok();
    if account.status != "active" || current != Some(claims.role) || !account.live {
        return Ok(None);
    }
    Ok(Some(Principal {
        account_id,
        role: claims.role,
        via: Via::AccessToken,
    }))
}

fn refused() -> AppError {
    AppError::Unauthorized("the bearer token is invalid, expired or revoked".into())
}
