//! The demo's dashboards: members get a town (the profile's field, empty
//! in the other seeds) so « members by town » draws a believable chart.
//! Staff keep their role's default layout. Idempotent: only members
//! without a town get one.

use std::sync::Arc;

use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

const TOWNS_FR: [&str; 5] = ["Lyon", "Villeurbanne", "Lyon", "Caluire-et-Cuire", "Bron"];
const TOWNS_EN: [&str; 5] = ["Bristol", "Bath", "Bristol", "Keynsham", "Portishead"];

pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        let towns = if tx.tenant().locale.starts_with("fr") {
            TOWNS_FR
        } else {
            TOWNS_EN
        };
        let towns: Vec<String> = towns.iter().map(|t| (*t).to_owned()).collect();
        let set = sqlx::query!(
            "UPDATE accounts SET town = ($1::text[])[1 + (id % cardinality($1::text[]))::int]
             WHERE role = 'member' AND town IS NULL",
            &towns
        )
        .execute(tx.conn().await?)
        .await?
        .rows_affected();
        tx.commit().await?;
        if set > 0 {
            println!("gave {set} demo members of {slug} a town (dashboards)");
        }
    }
    Ok(())
}
