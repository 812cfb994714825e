//! `Idempotency-Key` for requests that create money. The key is claimed in
//! the request's own transaction: a concurrent retry with the same key
//! waits on the row until the first commits, then replays its answer; if
//! the first request failed (rolled back), the key is free again. The same
//! key with a different body is refused.

use sha2::{Digest, Sha256};

use super::error::Error;
use crate::db::TenantTx;

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time: run the request, then call [`finish`].
    Fresh,
    /// Seen before: answer this again.
    Replay {
        status: u16,
        body: serde_json::Value,
    },
}

/// The fingerprint of a request: method, path and body.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hasher.finalize().into()
}

/// Checks a key's shape: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Claims `key` for `caller` (e.g. `account:12` or `key:3`).
pub async fn claim(
    tx: &mut TenantTx,
    caller: &str,
    key: &str,
    hash: &[u8; 32],
) -> Result<Claim, Error> {
    if !valid_key(key) {
        return Err(Error::invalid(
            "Idempotency-Key",
            "idempotency-key",
            "1 to 255 visible ASCII characters",
        ));
    }
    let inserted = sqlx::query!(
        "INSERT INTO idempotency_keys (caller, key, request_hash, status, response)
         VALUES ($1, $2, $3, 0, 'null') ON CONFLICT DO NOTHING",
        caller,
        key,
        hash.as_slice()
    )
    .execute(tx.conn().await?)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let stored = sqlx::query!(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE caller = $1 AND key = $2",
        caller,
        key
    )
    .fetch_one(tx.conn().await?)
    .await?;
    if stored.request_hash != hash.as_slice() {
        return Err(Error::invalid(
            "Idempotency-Key",
            "idempotency-key-reused",
            "this key was used for another request",
        ));
    }
    Ok(Claim::Replay {
        status: u16::try_from(stored.status).unwrap_or(200),
        body: stored.response,
    })
}

/// Stores the answer of a fresh request, in its transaction.
pub async fn finish(
    tx: &mut TenantTx,
    caller: &str,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<(), Error> {
    sqlx::query!(
        "UPDATE idempotency_keys SET status = $3, response = $4 WHERE caller = $1 AND key = $2",
        caller,
        key,
        i16::try_from(status).unwrap_or(200),
        body
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}
