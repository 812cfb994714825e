//! The demo's tax receipts: each French association declares itself
//! (an association of general interest under article 200, an RNA number,
//! its treasurer as signatory) and issues this year's receipts for the
//! qualifying payments the demo recorded. Idempotent: an association
//! already declared is left alone.

use std::sync::Arc;

use chrono::Datelike;

use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::state::AppState;
use crate::tax_receipts::{declaration, issue};
use crate::tenancy::{Slug, registry};

pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, manifest) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        if !tenant.locale.starts_with("fr") {
            continue;
        }
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        if declaration::load(&mut tx).await?.is_some() {
            continue;
        }
        let Some((treasurer, name)) = treasurer(&mut tx).await? else {
            continue;
        };
        let number = 100_000 + tx.tenant().id.get() % 900_000;
        let declared = declaration::Declaration {
            enabled: true,
            organisation_type: "association_1901".into(),
            organisation_other: String::new(),
            article_200: true,
            article_978: false,
            object: format!("Faire vivre {} et l'ouvrir à tous", manifest.name),
            identifier: format!("W69{number:07}"),
            street: "12 rue de la République".into(),
            post_code: "69002".into(),
            town: "Lyon".into(),
            signatory_name: name,
            signatory_title: "Trésorier·e".into(),
        }
        .checked()?;
        declaration::save(&mut tx, &declared, treasurer).await?;
        let year = chrono::Utc::now().year();
        let issued = issue::for_year_all(&mut tx, year, Some(treasurer)).await?;
        tx.commit().await?;
        println!("declared {slug} for tax receipts and issued {issued} for {year}");
    }
    Ok(())
}

async fn treasurer(tx: &mut TenantTx) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, display_name FROM accounts WHERE role IN ('treasurer', 'admin')
         ORDER BY role DESC, id LIMIT 1"
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(|r| (r.id, r.display_name)))
}
