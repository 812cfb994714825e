//! Bringing payees' IBANs in an association's books (affiliates and their
//! payouts) under the keyring's active key: values an earlier release kept
//! clear, and values sealed under a key being retired. The platform's
//! books keep theirs clear (see [`super::books::Books::keyring`]).

use crate::crypto::Pass;
use crate::db::TenantTx;

use super::payouts::bank::{AFFILIATE_IBAN, PAYOUT_IBAN};

/// `$name(tx, after, limit)`: re-seals the `iban` of up to `limit` rows of
/// a table (whose queries are given whole: sqlx checks literals only) after
/// id `after`.
macro_rules! reseal_iban {
    ($name:ident, $select:literal, $update:literal, $column:expr) => {
        pub async fn $name(tx: &mut TenantTx, after: i64, limit: i64) -> Result<Pass, sqlx::Error> {
            let prefix = tx.keyring().active_prefix();
            let rows = sqlx::query!(
                $select
                    + " WHERE id > $2
                          AND (iban IS NOT NULL OR substring(iban_sealed FROM 1 FOR length($1::bytea)) <> $1::bytea)
                        ORDER BY id LIMIT $3 FOR UPDATE",
                prefix,
                after,
                limit
            )
            .fetch_all(tx.conn().await?)
            .await?;
            let mut pass = Pass::default();
            for row in rows {
                let iban = tx
                    .keyring()
                    .resealed(row.iban_sealed.as_deref(), row.iban, $column);
                let Ok(iban) = iban else {
                    pass.count(row.id, false);
                    continue;
                };
                sqlx::query!($update, row.id, iban)
                    .execute(tx.conn().await?)
                    .await?;
                pass.count(row.id, true);
            }
            Ok(pass)
        }
    };
}

reseal_iban!(
    reseal_affiliates,
    "SELECT id, iban, iban_sealed FROM aff_affiliates",
    "UPDATE aff_affiliates SET iban = NULL, iban_sealed = $2 WHERE id = $1",
    AFFILIATE_IBAN
);

reseal_iban!(
    reseal_payouts,
    "SELECT id, iban, iban_sealed FROM aff_payouts",
    "UPDATE aff_payouts SET iban = NULL, iban_sealed = $2 WHERE id = $1",
    PAYOUT_IBAN
);
