//! One-time links mailed to a person: verify an address, reset a password,
//! accept an invitation, confirm a new address. The link carries a random
//! secret; the table keeps its digest. A link works once, before it
//! expires, for its purpose only, on its tenant only (the table is in the
//! tenant's schema).

use chrono::Duration;

use crate::auth::secret;
use crate::db::TenantTx;
use crate::model::Email;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Verify,
    Reset,
    Invite,
    EmailChange,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Reset => "reset",
            Purpose::Invite => "invite",
            Purpose::EmailChange => "email_change",
        }
    }

    /// How long a link stays valid: a reset link is a password in the
    /// clear, so it lives briefly.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::Reset => Duration::hours(1),
            Purpose::Verify | Purpose::EmailChange => Duration::days(2),
            Purpose::Invite => Duration::days(14),
        }
    }
}

/// Issues a link's secret, voiding earlier unused links of the same
/// purpose for the account (only the latest mail works).
pub async fn issue(
    tx: &mut TenantTx,
    account_id: i64,
    purpose: Purpose,
    new_email: Option<&Email>,
) -> Result<String, sqlx::Error> {
    let token = secret::generate();
    let conn = tx.conn().await?;
    sqlx::query!(
        "UPDATE account_tokens SET used_at = now()
         WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL",
        account_id,
        purpose.as_str()
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO account_tokens (hash, account_id, purpose, new_email, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
        secret::digest(&token),
        account_id,
        purpose.as_str(),
        new_email.map(Email::as_str),
        purpose.lifetime().num_seconds() as f64,
    )
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// What a used link was for.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub account_id: i64,
    pub new_email: Option<String>,
}

/// Uses a link: `None` if unknown, used, expired or for another purpose.
pub async fn redeem(
    tx: &mut TenantTx,
    token: &str,
    purpose: Purpose,
) -> Result<Option<Redeemed>, sqlx::Error> {
    if !secret::is_well_formed(token) {
        return Ok(None);
    }
    let row = sqlx::query!(
        "UPDATE account_tokens SET used_at = now()
         WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING account_id, new_email",
        secret::digest(token),
        purpose.as_str()
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(|row| Redeemed {
        account_id: row.account_id,
        new_email: row.new_email,
    }))
}

/// Whether a link is usable, without using it (to show its form).
pub async fn is_valid(
    tx: &mut TenantTx,
    token: &str,
    purpose: Purpose,
) -> Result<bool, sqlx::Error> {
    if !secret::is_well_formed(token) {
        return Ok(false);
    }
    let found = sqlx::query_scalar!(
        r#"SELECT true AS "found!" FROM account_tokens
           WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()"#,
        secret::digest(token),
        purpose.as_str()
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(found.is_some())
}
