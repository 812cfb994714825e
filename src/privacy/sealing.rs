//! Every sealed column of a tenant brought under the keyring's active key:
//! values earlier releases kept clear are sealed, values sealed under a
//! key being retired are re-sealed. A daily job runs it for every tenant,
//! and `tessera crypto reseal` at once; once it reports nothing left, the
//! retired key may leave `[crypto] keys`.
//!
//! Each module re-seals its own tables, a page of rows at a time; this
//! drives them to the end.

use crate::crypto::Pass;
use crate::db::TenantTx;

/// Rows read and locked per statement.
const PAGE: i64 = 500;

/// What re-sealing one tenant did, table by table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resealed {
    pub tables: Vec<(&'static str, Pass)>,
}

impl Resealed {
    pub fn resealed(&self) -> u64 {
        self.tables.iter().map(|(_, pass)| pass.resealed).sum()
    }

    /// Rows holding a value whose key has left the ring.
    pub fn stuck(&self) -> u64 {
        self.tables.iter().map(|(_, pass)| pass.stuck).sum()
    }
}

/// Runs `$page(tx, after, PAGE)` until a page comes back short.
macro_rules! drain {
    ($tx:expr, $page:path) => {{
        let mut total = Pass::default();
        loop {
            let pass = $page($tx, total.last_id, PAGE).await?;
            total.read += pass.read;
            total.resealed += pass.resealed;
            total.stuck += pass.stuck;
            total.last_id = total.last_id.max(pass.last_id);
            if pass.read < PAGE as u64 {
                break total;
            }
        }
    }};
}

/// Brings every sealed column of `tx`'s tenant under the active key, in
/// `tx` (the caller commits).
pub async fn reseal_tenant(tx: &mut TenantTx) -> Result<Resealed, sqlx::Error> {
    use crate::{accounts, affiliation, direct_debit};
    let tables = vec![
        ("accounts", drain!(tx, accounts::sealing::reseal)),
        (
            "sdd_mandates",
            drain!(tx, direct_debit::sealing::reseal_mandates),
        ),
        (
            "sdd_batches",
            drain!(tx, direct_debit::sealing::reseal_batches),
        ),
        (
            "aff_affiliates",
            drain!(tx, affiliation::sealing::reseal_affiliates),
        ),
        (
            "aff_payouts",
            drain!(tx, affiliation::sealing::reseal_payouts),
        ),
    ];
    Ok(Resealed { tables })
}
