//! The member search the desk's forms start from (record a payment, pick a
//! household's payer or members): a plain `GET ?q=` over active accounts
//! by name or address, through the staff directory's search.

use serde::Serialize;

use crate::accounts::model::Status;
use crate::accounts::staff::directory::{self, Search};
use crate::db::TenantTx;

/// Matches shown at most (refine the search for more).
pub const MAX_MATCHES: i64 = 20;

#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// Active accounts whose name or address contains `q`; nothing for an
/// empty search.
pub async fn members(tx: &mut TenantTx, q: &str) -> Result<Vec<Match>, sqlx::Error> {
    let q: String = q.trim().chars().take(100).collect();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let search = Search {
        q,
        role: None,
        status: Some(Status::Active),
        page: 1,
        per: MAX_MATCHES,
    };
    let (found, _) = directory::search(tx, &search).await?;
    Ok(found
        .into_iter()
        .map(|listed| Match {
            id: listed.id,
            name: listed.display_name,
            email: listed.email,
        })
        .collect())
}

/// One active account by id (a payer or member chosen from the results).
pub async fn one(tx: &mut TenantTx, id: i64) -> Result<Option<Match>, sqlx::Error> {
    Ok(crate::accounts::store::find(tx, id)
        .await?
        .filter(|account| account.status == Status::Active)
        .map(|account| Match {
            id: account.id,
            name: account.display_name,
            email: account.email.to_string(),
        }))
}
