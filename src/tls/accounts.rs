//! `platform.acme_accounts`: our account at each ACME directory, its
//! credentials sealed like certificates' keys, and the pause the server
//! asked for when it rate-limited us.

use chrono::{DateTime, Utc};

use crate::db::Platform;

/// The sealed credentials of our account at `directory`, and until when
/// the server asked us to wait.
pub struct StoredAccount {
    pub credentials_sealed: Vec<u8>,
    pub paused_until: Option<DateTime<Utc>>,
}

pub async fn account(
    pool: &Platform,
    directory: &str,
) -> Result<Option<StoredAccount>, sqlx::Error> {
    sqlx::query_as!(
        StoredAccount,
        "SELECT credentials_sealed, paused_until FROM platform.acme_accounts WHERE directory = $1",
        directory
    )
    .fetch_optional(pool)
    .await
}

/// Keeps the first account stored for `directory` (two instances may
/// create one at once; one wins, the other's is never used).
pub async fn save_account(
    pool: &Platform,
    directory: &str,
    sealed: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.acme_accounts (directory, credentials_sealed) VALUES ($1, $2)
         ON CONFLICT (directory) DO NOTHING",
        directory,
        sealed
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Drops our stored account at `directory` (the server no longer knows it).
pub async fn delete_account(pool: &Platform, directory: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM platform.acme_accounts WHERE directory = $1",
        directory
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The ACME server said we are rate limited: no order before `until`.
pub async fn pause_account(
    pool: &Platform,
    directory: &str,
    until: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.acme_accounts SET paused_until = $2 WHERE directory = $1",
        directory,
        until
    )
    .execute(pool)
    .await?;
    Ok(())
}
