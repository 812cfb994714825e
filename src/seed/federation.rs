//! The demo's federation: the first demo association federates the other
//! two (the link proposed and accepted on both sides, dues of 12.00 per
//! licence), and every demo association's figures published, so that
//! `/staff/federation` and the console's reports are not empty. Once: an
//! existing link is left alone.

use std::sync::Arc;

use crate::manifest::Manifest;
use crate::reporting::federation::clubs::{self, Dues};
use crate::reporting::federation::links;
use crate::reporting::operators::publish;
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    let platform = state.db.platform();
    let mut ids = Vec::new();
    for (slug, _) in manifests {
        if let Some(tenant) = registry::find_by_slug(platform, slug).await? {
            ids.push(tenant.id);
            publish::publish(&state.db, Arc::new(tenant)).await?;
        }
    }
    let Some((parent, children)) = ids.split_first() else {
        return Ok(());
    };
    if !links::live(platform, Some(parent.get())).await?.is_empty() {
        return Ok(());
    }
    for child in children {
        let Ok(id) = links::propose(platform, parent.get(), child.get(), None).await else {
            continue;
        };
        links::accept(platform, parent.get(), id).await?;
        links::accept(platform, child.get(), id).await?;
    }
    let dues = Dues {
        per_licence_minor: 1200,
        currency: "EUR".into(),
    };
    clubs::set_dues(platform, parent.get(), &dues).await?;
    println!("seeded a demo federation of {} clubs", children.len());
    Ok(())
}
