//! The token response of log-in, refresh and the OAuth2 token endpoint:
//! a fresh access token (JWT) and the refresh token of its family.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Keys, Role, jwt, refresh};
use crate::db::TenantTx;
use crate::error::AppError;

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque; exchanged once at `/api/v1/auth/refresh` (or the OAuth2
    /// token endpoint), then void.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: i64,
}

/// Starts a family for the account and returns its first tokens.
pub async fn start(
    tx: &mut TenantTx,
    keys: &Keys,
    account_id: i64,
    role: Role,
    client_id: Option<i64>,
) -> Result<TokenResponse, AppError> {
    let issued = refresh::start(tx, account_id, client_id).await?;
    respond(tx, keys, account_id, role, issued)
}

/// The response for a refresh token just issued.
pub fn respond(
    tx: &TenantTx,
    keys: &Keys,
    account_id: i64,
    role: Role,
    issued: refresh::Issued,
) -> Result<TokenResponse, AppError> {
    let access_token = jwt::issue(keys, tx.tenant().id, account_id, role, &issued.family)
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(TokenResponse {
        access_token,
        refresh_token: issued.token,
        token_type: "Bearer",
        expires_in: jwt::LIFETIME_SECS,
    })
}

/// Why a refresh token was refused.
#[derive(Debug)]
pub enum RefreshRefused {
    /// Unknown, expired, revoked, another client's, or its account is no
    /// longer active.
    Invalid,
    /// A rotated token came back: its family is revoked (and audited); the
    /// caller must keep the writes.
    Reused,
}

/// Exchanges a refresh token for new tokens (rotation); `client_id` is the
/// OAuth2 client presenting it (`None` for the password API).
pub async fn refresh(
    tx: &mut TenantTx,
    keys: &Keys,
    token: &str,
    client_id: Option<i64>,
    ip: Option<std::net::IpAddr>,
) -> Result<Result<TokenResponse, RefreshRefused>, AppError> {
    match refresh::rotate(tx, token, client_id).await? {
        refresh::Exchange::Invalid => Ok(Err(RefreshRefused::Invalid)),
        refresh::Exchange::Reused { account_id, family } => {
            let entry = crate::audit::Entry::new("token.reused")
                .on(account_id)
                .from(ip)
                .with(serde_json::json!({ "family": crate::auth::secret::hex(&family) }));
            crate::audit::record(tx, entry).await?;
            Ok(Err(RefreshRefused::Reused))
        }
        refresh::Exchange::Rotated {
            account_id, issued, ..
        } => {
            let account = crate::accounts::store::find(tx, account_id).await?;
            match account.filter(|a| a.status == crate::accounts::Status::Active) {
                Some(account) => Ok(Ok(respond(tx, keys, account_id, account.role, issued)?)),
                None => {
                    refresh::revoke_family(tx, &issued.family).await?;
                    Ok(Err(RefreshRefused::Invalid))
                }
            }
        }
    }
}
