//! Browser sessions, kept server-side in the tenant's `sessions` table.
//!
//! The cookie carries a 256-bit random id; the table keeps its SHA-256, so
//! a copy of the database opens no session. A session records the role it
//! was opened with; changing a role or a password ends the account's
//! sessions, so a session never outlives the privileges it was granted.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::role::Role;
use super::secret;
use crate::db::TenantTx;

/// A session ends after this long without a request…
pub const IDLE: Duration = Duration::days(14);
/// …and in any case this long after it began.
pub const ABSOLUTE: Duration = Duration::days(30);
/// Between the password and the second factor.
pub const MFA_STEP: Duration = Duration::minutes(10);
/// `last_seen_at` is written at most this often (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The password was right; the second factor is still owed.
    Mfa,
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Mfa => "mfa",
            Stage::Full => "full",
        }
    }
}

/// A live session found from its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: Vec<u8>,
    pub account_id: i64,
    pub role: Role,
    pub stage: Stage,
}

/// A session as its owner sees it in « active sessions ».
#[derive(Debug, Clone, Serialize)]
pub struct SessionInfo {
    /// The digest in hex: names the session without revealing it.
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub current: bool,
}

pub struct NewSession<'a> {
    pub account_id: i64,
    pub role: Role,
    pub stage: Stage,
    pub user_agent: Option<&'a str>,
    pub ip: Option<IpAddr>,
}

/// Opens a session and returns the cookie value (the only copy of it).
pub async fn start(tx: &mut TenantTx, new: NewSession<'_>) -> Result<String, sqlx::Error> {
    let id = secret::generate();
    let lifetime = match new.stage {
        Stage::Mfa => MFA_STEP,
        Stage::Full => IDLE,
    };
    let user_agent = new
        .user_agent
        .map(|ua| ua.chars().take(300).collect::<String>());
    // The account's expired sessions go as a new one starts: the table
    // stays bounded without a sweep over every tenant.
    sqlx::query!(
        "WITH expired AS (DELETE FROM sessions WHERE account_id = $2 AND expires_at <= now())
         INSERT INTO sessions (id_hash, account_id, role, stage, expires_at, user_agent, ip)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), $6, $7::text::inet)",
        secret::digest(&id),
        new.account_id,
        new.role.as_str(),
        new.stage.as_str(),
        interval(lifetime),
        user_agent,
        new.ip.map(|ip| ip.to_string()),
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(id)
}

/// The live session a cookie value names. A session in use has its idle
/// expiry slid forward, at most once every few minutes (one read per
/// request otherwise).
pub async fn find(tx: &mut TenantTx, cookie: &str) -> Result<Option<Session>, sqlx::Error> {
    if !secret::is_well_formed(cookie) {
        return Ok(None);
    }
    let id_hash = secret::digest(cookie);
    let Some(row) = sqlx::query!(
        r#"SELECT account_id, role, stage, last_seen_at < now() - make_interval(secs => $2) AS "stale!"
           FROM sessions WHERE id_hash = $1 AND expires_at > now()"#,
        id_hash,
        interval(TOUCH_EVERY),
    )
    .fetch_optional(tx.conn().await?)
    .await?
    else {
        return Ok(None);
    };
    let stage = if row.stage == "mfa" {
        Stage::Mfa
    } else {
        Stage::Full
    };
    if row.stale && stage == Stage::Full {
        touch(tx, &id_hash).await?;
    }
    Ok(Some(Session {
        id_hash,
        account_id: row.account_id,
        role: row.role.parse().unwrap_or(Role::Member),
        stage,
    }))
}

async fn touch(tx: &mut TenantTx, id_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sessions SET last_seen_at = now(),
                expires_at = least(now() + make_interval(secs => $2), created_at + make_interval(secs => $3))
         WHERE id_hash = $1",
        id_hash,
        interval(IDLE),
        interval(ABSOLUTE),
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Ends the session a cookie names (logging out).
pub async fn end(tx: &mut TenantTx, id_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sessions WHERE id_hash = $1", id_hash)
        .execute(tx.conn().await?)
        .await?;
    Ok(())
}

/// Ends one of the account's sessions, by the id shown in its list.
pub async fn end_one(
    tx: &mut TenantTx,
    account_id: i64,
    shown_id: &str,
) -> Result<bool, sqlx::Error> {
    let Some(id_hash) = secret::unhex(shown_id) else {
        return Ok(false);
    };
    let done = sqlx::query!(
        "DELETE FROM sessions WHERE id_hash = $1 AND account_id = $2",
        id_hash,
        account_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the account but `keep` (« log out everywhere »,
/// a password change, a role change, a deactivation).
pub async fn end_all(
    tx: &mut TenantTx,
    account_id: i64,
    keep: Option<&[u8]>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM sessions WHERE account_id = $1 AND ($2::bytea IS NULL OR id_hash <> $2)",
        account_id,
        keep,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected())
}

/// The account's live sessions, most recent first.
pub async fn list(
    tx: &mut TenantTx,
    account_id: i64,
    current: &[u8],
) -> Result<Vec<SessionInfo>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id_hash, created_at, last_seen_at, user_agent, host(ip) AS ip
         FROM sessions WHERE account_id = $1 AND expires_at > now() AND stage = 'full'
         ORDER BY last_seen_at DESC LIMIT 100",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionInfo {
            current: row.id_hash == current,
            id: secret::hex(&row.id_hash),
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            user_agent: row.user_agent,
            ip: row.ip,
        })
        .collect())
}

/// Seconds, for `make_interval(secs => …)`.
fn interval(duration: Duration) -> f64 {
    duration.num_seconds() as f64
}
