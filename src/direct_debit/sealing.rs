//! Bringing the sealed columns of direct debit (mandates' IBANs, the
//! pain.008 files) under the keyring's active key: values an earlier
//! release kept clear, and values sealed under a key being retired.

use crate::crypto::Pass;
use crate::db::TenantTx;

use super::collections::batch::DOCUMENT_COLUMN;
use super::mandates::{IBAN_COLUMN, PREVIOUS_IBAN_COLUMN};

/// Re-seals up to `limit` mandates after id `after` whose IBANs are clear
/// or under another key than the active one.
pub async fn reseal_mandates(
    tx: &mut TenantTx,
    after: i64,
    limit: i64,
) -> Result<Pass, sqlx::Error> {
    let prefix = tx.keyring().active_prefix();
    let rows = sqlx::query!(
        "SELECT id, iban, iban_sealed, previous_iban, previous_iban_sealed FROM sdd_mandates
         WHERE id > $2
           AND (iban IS NOT NULL OR previous_iban IS NOT NULL
                OR substring(iban_sealed FROM 1 FOR length($1::bytea)) <> $1::bytea
                OR substring(previous_iban_sealed FROM 1 FOR length($1::bytea)) <> $1::bytea)
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
        let iban = keyring.resealed(row.iban_sealed.as_deref(), row.iban, IBAN_COLUMN);
        let previous = keyring.resealed(
            row.previous_iban_sealed.as_deref(),
            row.previous_iban,
            PREVIOUS_IBAN_COLUMN,
        );
        let (Ok(Some(iban)), Ok(previous)) = (iban, previous) else {
            pass.count(row.id, false);
            continue;
        };
        sqlx::query!(
            "UPDATE sdd_mandates SET iban = NULL, iban_sealed = $2, previous_iban = NULL,
                    previous_iban_sealed = $3
             WHERE id = $1",
            row.id,
            iban,
            previous
        )
        .execute(tx.conn().await?)
        .await?;
        pass.count(row.id, true);
    }
    Ok(pass)
}

/// Re-seals up to `limit` stored pain.008 files after id `after`.
pub async fn reseal_batches(
    tx: &mut TenantTx,
    after: i64,
    limit: i64,
) -> Result<Pass, sqlx::Error> {
    let prefix = tx.keyring().active_prefix();
    let rows = sqlx::query!(
        "SELECT id, document, document_sealed FROM sdd_batches
         WHERE id > $2
           AND (document IS NOT NULL OR substring(document_sealed FROM 1 FOR length($1::bytea)) <> $1::bytea)
         ORDER BY id LIMIT $3 FOR UPDATE",
        prefix,
        after,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut pass = Pass::default();
    for row in rows {
        let document = tx.keyring().resealed(
            row.document_sealed.as_deref(),
            row.document,
            DOCUMENT_COLUMN,
        );
        let Ok(Some(document)) = document else {
            pass.count(row.id, false);
            continue;
        };
        sqlx::query!(
            "UPDATE sdd_batches SET document = NULL, document_sealed = $2 WHERE id = $1",
            row.id,
            document
        )
        .execute(tx.conn().await?)
        .await?;
        pass.count(row.id, true);
    }
    Ok(pass)
}
