//! Bringing the sealed columns of `accounts` (phone numbers, 2FA secrets)
//! under the keyring's active key: values an earlier release kept clear,
//! and values sealed under a key being retired.

use crate::crypto::Pass;
use crate::db::TenantTx;

use super::store::PHONE_COLUMN;
use super::two_factor::SECRET_COLUMN;

/// Re-seals up to `limit` accounts after id `after` whose phone or 2FA
/// secret is clear or under another key than the active one.
pub async fn reseal(tx: &mut TenantTx, after: i64, limit: i64) -> Result<Pass, sqlx::Error> {
    let prefix = tx.keyring().active_prefix();
    let rows = sqlx::query!(
        "SELECT id, phone, phone_sealed, totp_secret, totp_secret_sealed FROM accounts
         WHERE id > $2
           AND (phone IS NOT NULL OR totp_secret IS NOT NULL
                OR substring(phone_sealed FROM 1 FOR length($1::bytea)) <> $1::bytea
                OR substring(totp_secret_sealed FROM 1 FOR length($1::bytea)) <> $1::bytea)
         ORDER BY id LIMIT $3 FOR UPDATE",
        prefix,
        after,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut pass = Pass::default();
    for row in rows {
        let keyring = tx.keyring();
        let phone = keyring.resealed(row.phone_sealed.as_deref(), row.phone, PHONE_COLUMN);
        let secret = keyring.resealed(
            row.totp_secret_sealed.as_deref(),
            row.totp_secret,
            SECRET_COLUMN,
        );
        let (Ok(phone), Ok(secret)) = (phone, secret) else {
            pass.count(row.id, false);
            continue;
        };
        sqlx::query!(
            "UPDATE accounts SET phone = NULL, phone_sealed = $2, totp_secret = NULL,
                    totp_secret_sealed = $3
             WHERE id = $1",
            row.id,
            phone,
            secret
        )
        .execute(tx.conn().await?)
        .await?;
        pass.count(row.id, true);
    }
    Ok(pass)
}
