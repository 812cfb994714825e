//! Keeping what staff write, the same through the pages and the API: the
//! address (typed, and then refused when another project has it; or made
//! from the title and numbered until free), the currency of a new project
//! (the association's, so its goal and donations compare), and the audit
//! entry.

use serde_json::Value;

use super::actions::{self, Actor};
use super::error::{Error, Refusal};
use super::model::{Draft, Invalid};
use super::{slug, store};
use crate::contributions::settings;
use crate::db::TenantTx;

/// Keeps a new project, a draft; its id.
pub async fn create(tx: &mut TenantTx, draft: &Draft, actor: Actor) -> Result<i64, Error> {
    let slug = slug_for(tx, draft, None).await?;
    let currency = settings::get(tx).await?.currency;
    let id = store::create(tx, draft, &slug, currency, Some(actor.account_id))
        .await
        .map_err(raced)?;
    actions::record(tx, "project.created", id, actor, Value::Null).await?;
    Ok(id)
}

/// Replaces what staff write of project `id`.
pub async fn update(tx: &mut TenantTx, id: i64, draft: &Draft, actor: Actor) -> Result<(), Error> {
    let slug = slug_for(tx, draft, Some(id)).await?;
    if !store::update(tx, id, draft, &slug).await.map_err(raced)? {
        return Err(Error::NotFound);
    }
    actions::record(tx, "project.updated", id, actor, Value::Null).await?;
    Ok(())
}

/// Two editors keeping the same new address at once: the second gets a
/// conflict rather than a server error (its transaction is spoilt, so the
/// form cannot be shown again from it).
fn raced(error: sqlx::Error) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("projects_slug_key") => {
            Refusal::SlugRace.into()
        }
        _ => error.into(),
    }
}

async fn slug_for(tx: &mut TenantTx, draft: &Draft, id: Option<i64>) -> Result<String, Error> {
    if draft.slug.is_empty() {
        let base = slug::from_title(&draft.title);
        let taken = store::slugs_like(tx, &base, id).await?;
        return Ok(slug::unique(&base, &taken));
    }
    let taken = store::slugs_like(tx, &draft.slug, id).await?;
    match taken.contains(&draft.slug) {
        true => Err(Error::Invalid(vec![Invalid {
            field: "slug",
            key: "projects-error-slug-taken",
        }])),
        false => Ok(draft.slug.clone()),
    }
}
