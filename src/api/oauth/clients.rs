//! Registered OAuth2 clients of a tenant (`oauth_clients`) and the codes
//! issued to them (`oauth_codes`: digests, single use, 60 seconds, bound to
//! the client, the redirect URI and the PKCE challenge).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::secret;
use crate::db::TenantTx;

/// How long a code may wait for its exchange.
pub const CODE_LIFETIME_SECS: f64 = 60.0;

#[derive(Debug, Clone, Serialize)]
pub struct Client {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl Client {
    /// Exact match, as RFC 6749 §3.1.2 and the OAuth security BCP ask.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| registered == uri)
    }
}

/// Registers a client; returns its public `client_id`.
pub async fn register(
    tx: &mut TenantTx,
    name: &str,
    redirect_uris: &[String],
    created_by: i64,
) -> Result<String, sqlx::Error> {
    let client_id = secret::generate();
    sqlx::query!(
        "INSERT INTO oauth_clients (client_id, name, redirect_uris, created_by)
         VALUES ($1, $2, $3, $4)",
        client_id,
        name,
        redirect_uris,
        created_by,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(client_id)
}

/// The live client of `client_id`.
pub async fn find(tx: &mut TenantTx, client_id: &str) -> Result<Option<Client>, sqlx::Error> {
    if client_id.len() > 64 {
        return Ok(None);
    }
    sqlx::query_as!(
        Client,
        "SELECT id, client_id, name, redirect_uris, created_at FROM oauth_clients
         WHERE client_id = $1 AND revoked_at IS NULL",
        client_id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Every live client, newest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Client>, sqlx::Error> {
    sqlx::query_as!(
        Client,
        "SELECT id, client_id, name, redirect_uris, created_at FROM oauth_clients
         WHERE revoked_at IS NULL ORDER BY id DESC LIMIT 200"
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Revokes a client and every token issued through it.
pub async fn revoke(tx: &mut TenantTx, id: i64) -> Result<bool, sqlx::Error> {
    let conn = tx.conn().await?;
    let done = sqlx::query!(
        "UPDATE oauth_clients SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE client_id = $1 AND revoked_at IS NULL",
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a code was issued for.
pub struct Grant<'a> {
    pub client: i64,
    pub account_id: i64,
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
    pub scope: &'a str,
}

/// A fresh code (its value is only in the redirect).
pub async fn issue_code(tx: &mut TenantTx, grant: &Grant<'_>) -> Result<String, sqlx::Error> {
    let code = secret::generate();
    sqlx::query!(
        "INSERT INTO oauth_codes (hash, client_id, account_id, redirect_uri, code_challenge,
                                  scope, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))",
        secret::digest(&code),
        grant.client,
        grant.account_id,
        grant.redirect_uri,
        grant.code_challenge,
        grant.scope,
        CODE_LIFETIME_SECS,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(code)
}

/// A code being redeemed.
pub struct Redeemed {
    pub client: i64,
    pub account_id: i64,
    pub redirect_uri: String,
    pub code_challenge: String,
}

/// Spends a code: `None` if unknown, used or expired. Spent even when the
/// caller then refuses the exchange: a code is tried once.
pub async fn redeem_code(tx: &mut TenantTx, code: &str) -> Result<Option<Redeemed>, sqlx::Error> {
    if !secret::is_well_formed(code) {
        return Ok(None);
    }
    sqlx::query_as!(
        Redeemed,
        r#"UPDATE oauth_codes SET used_at = now()
           WHERE hash = $1 AND used_at IS NULL AND expires_at > now()
           RETURNING client_id AS client, account_id, redirect_uri, code_challenge"#,
        secret::digest(code),
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Remembers which token family a code was exchanged for.
pub async fn record_family(
    tx: &mut TenantTx,
    code: &str,
    family: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE oauth_codes SET family = $2 WHERE hash = $1",
        secret::digest(code),
        family
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// The family a spent code was exchanged for, if `code` is one.
pub async fn family_of_spent(
    tx: &mut TenantTx,
    code: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    if !secret::is_well_formed(code) {
        return Ok(None);
    }
    let family = sqlx::query_scalar!(
        "SELECT family FROM oauth_codes WHERE hash = $1 AND used_at IS NOT NULL",
        secret::digest(code)
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(family.flatten())
}
