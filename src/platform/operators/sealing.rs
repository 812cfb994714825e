//! Bringing operators' TOTP secrets under the keyring's active key (see
//! `tessera crypto reseal`).

use sqlx::PgConnection;

use super::store::SECRET_COLUMN;
use crate::crypto::{Keyring, Pass};

/// Brings every operator's TOTP secret under the keyring's active key:
/// one kept clear by an earlier release is sealed, one under a key being
/// retired is re-sealed (operators are few: one pass).
pub async fn reseal(conn: &mut PgConnection, keyring: &Keyring) -> Result<Pass, sqlx::Error> {
    let prefix = keyring.active_prefix();
    let rows = sqlx::query!(
        "SELECT id, totp_secret, totp_secret_sealed FROM platform.operators
         WHERE totp_secret IS NOT NULL
            OR substring(totp_secret_sealed FROM 1 FOR length($1::bytea)) <> $1::bytea
         ORDER BY id FOR UPDATE",
        prefix
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut pass = Pass::default();
    for row in rows {
        let sealed = keyring.resealed(
            row.totp_secret_sealed.as_deref(),
            row.totp_secret,
            SECRET_COLUMN,
        );
        let Ok(sealed) = sealed else {
            pass.count(row.id, false);
            continue;
        };
        sqlx::query!(
            "UPDATE platform.operators SET totp_secret = NULL, totp_secret_sealed = $2 WHERE id = $1",
            row.id,
            sealed
        )
        .execute(&mut *conn)
        .await?;
        pass.count(row.id, true);
    }
    Ok(pass)
}
