//! The demo's consents and member directory, seeded once per demo tenant
//! (skipped when it has consents): the first members subscribe to the
//! newsletter, three are listed in the directory with the details they
//! chose, one agrees to photos and another withdrew. Everything goes
//! through `privacy::consents` and `privacy::directory`, as members do.

use std::sync::Arc;

use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::privacy::consents::{self, Purpose, Source};
use crate::privacy::directory::{self, Field};
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

/// Seeds every listed tenant that has no consent yet.
pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        if seed_tenant(&mut tx).await? {
            tx.commit().await?;
            println!("seeded demo consents and directory for {slug}");
        }
    }
    Ok(())
}

/// False (nothing written) when the tenant has consents or no member.
pub async fn seed_tenant(tx: &mut TenantTx) -> anyhow::Result<bool> {
    let seeded = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM consents) AS "n!""#)
        .fetch_one(tx.conn().await?)
        .await?;
    let members = sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE status = 'active' AND role = 'member' ORDER BY id LIMIT 5"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    if seeded || members.is_empty() {
        return Ok(false);
    }
    let locale = tx.tenant().locale.clone();
    let fields: [&[Field]; 3] = [
        &[Field::DisplayName, Field::Town],
        &[Field::DisplayName, Field::Email],
        &[Field::DisplayName, Field::Town, Field::Phone],
    ];
    for (n, &member) in members.iter().enumerate() {
        consents::grant(tx, member, Purpose::Newsletter, &locale, Source::Portal).await?;
        if let Some(chosen) = fields.get(n) {
            consents::grant(tx, member, Purpose::Directory, &locale, Source::Portal).await?;
            directory::choose(tx, member, chosen).await?;
        }
    }
    consents::grant(tx, members[0], Purpose::Photo, &locale, Source::Portal).await?;
    if let Some(&last) = members.last().filter(|_| members.len() > 3) {
        consents::withdraw(tx, last, Purpose::Newsletter).await?;
    }
    Ok(true)
}
