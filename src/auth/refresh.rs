//! Refresh tokens of the API: opaque 256-bit secrets, stored as digests in
//! the tenant's `refresh_tokens`, rotated on every use.
//!
//! Every log-in starts a *family*; each exchange marks the presented token
//! used and issues its successor in the same family. A used token presented
//! again means two parties hold the family (a thief and its owner): the
//! whole family is revoked, so neither can continue. Access tokens name
//! their family (`sid`), so revoking it also ends them at once.

use chrono::Duration;
use rand::RngCore;

use super::secret;
use crate::db::TenantTx;

/// How long a refresh token lives unused.
pub const LIFETIME: Duration = Duration::days(30);

/// A token just issued: the value (shown once) and its family.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub family: Vec<u8>,
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone)]
pub enum Exchange {
    /// The token was live: here is its successor.
    Rotated {
        account_id: i64,
        client_id: Option<i64>,
        issued: Issued,
    },
    /// The token had already been used: its family is now revoked.
    Reused { account_id: i64, family: Vec<u8> },
    /// Unknown, expired or revoked.
    Invalid,
}

/// Starts a family (a log-in) for `account_id`, through `client_id` when
/// an OAuth2 client asked.
pub async fn start(
    tx: &mut TenantTx,
    account_id: i64,
    client_id: Option<i64>,
) -> Result<Issued, sqlx::Error> {
    let mut family = vec![0u8; 16];
    rand::rng().fill_bytes(&mut family);
    insert(tx, account_id, client_id, family).await
}

async fn insert(
    tx: &mut TenantTx,
    account_id: i64,
    client_id: Option<i64>,
    family: Vec<u8>,
) -> Result<Issued, sqlx::Error> {
    let token = secret::generate();
    sqlx::query!(
        "INSERT INTO refresh_tokens (hash, family, account_id, client_id, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
        secret::digest(&token),
        family,
        account_id,
        client_id,
        LIFETIME.num_seconds() as f64,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(Issued { token, family })
}

/// Exchanges `token` for its successor; `client_id` must be the one the
/// family was issued to (`None` for a password log-in).
pub async fn rotate(
    tx: &mut TenantTx,
    token: &str,
    client_id: Option<i64>,
) -> Result<Exchange, sqlx::Error> {
    if !secret::is_well_formed(token) {
        return Ok(Exchange::Invalid);
    }
    // The row lock makes two concurrent exchanges of one token see each
    // other: the second finds it used.
    let Some(row) = sqlx::query!(
        r#"SELECT family, account_id, client_id, used_at IS NOT NULL AS "used!",
                  revoked_at IS NULL AND expires_at > now() AS "live!"
           FROM refresh_tokens WHERE hash = $1 FOR UPDATE"#,
        secret::digest(token),
    )
    .fetch_optional(tx.conn().await?)
    .await?
    else {
        return Ok(Exchange::Invalid);
    };
    if row.client_id != client_id {
        return Ok(Exchange::Invalid);
    }
    if row.used {
        revoke_family(tx, &row.family).await?;
        return Ok(Exchange::Reused {
            account_id: row.account_id,
            family: row.family,
        });
    }
    if !row.live {
        return Ok(Exchange::Invalid);
    }
    sqlx::query!(
        "UPDATE refresh_tokens SET used_at = now() WHERE hash = $1",
        secret::digest(token),
    )
    .execute(tx.conn().await?)
    .await?;
    let issued = insert(tx, row.account_id, row.client_id, row.family).await?;
    Ok(Exchange::Rotated {
        account_id: row.account_id,
        client_id: row.client_id,
        issued,
    })
}

/// The family `token` belongs to and its account, if the token is known
/// (used or not): logging out with any token of a family ends it.
pub async fn family_of(
    tx: &mut TenantTx,
    token: &str,
) -> Result<Option<(Vec<u8>, i64)>, sqlx::Error> {
    if !secret::is_well_formed(token) {
        return Ok(None);
    }
    let row = sqlx::query!(
        "SELECT family, account_id FROM refresh_tokens WHERE hash = $1",
        secret::digest(token),
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(|row| (row.family, row.account_id)))
}

/// Revokes every token of a family (log-out, reuse).
pub async fn revoke_family(tx: &mut TenantTx, family: &[u8]) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL",
        family,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected())
}

/// Revokes every refresh token of an account, and so every access token
/// issued with them: call it when a role, a status or a password changes.
pub async fn revoke_all_for(tx: &mut TenantTx, account_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = now()
         WHERE account_id = $1 AND revoked_at IS NULL",
        account_id,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected())
}

/// Whether a family still has a live token: access tokens of a revoked
/// family are refused.
pub async fn family_is_live(tx: &mut TenantTx, family: &[u8]) -> Result<bool, sqlx::Error> {
    let live = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM refresh_tokens
                          WHERE family = $1 AND revoked_at IS NULL) AS "live!""#,
        family,
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(live)
}
