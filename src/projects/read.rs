//! What a reader may see, the one rule for pages and the API: a project
//! by id or slug if its status and visibility let them read it (anything
//! else is a 404, the same as a project that does not exist, so a
//! members-only project's existence does not leak), and the figures of
//! each card (money raised, from the contributions module; volunteers).

use std::collections::HashMap;

use super::error::Error;
use super::model::Project;
use super::{store, volunteers};
use crate::announcements::Reach;
use crate::contributions::earmarks::{self, Raised};
use crate::db::TenantTx;

/// How a path names a project: digits are an id, anything else a slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Id(i64),
    Slug(String),
}

impl Key {
    pub fn parse(text: &str) -> Self {
        match text.parse() {
            Ok(id) => Key::Id(id),
            Err(_) => Key::Slug(text.to_owned()),
        }
    }
}

/// The project named by `key` if `reach` may read it.
pub async fn visible(tx: &mut TenantTx, key: &Key, reach: Reach) -> Result<Project, Error> {
    let found = match key {
        Key::Id(id) => store::find(tx, *id).await?,
        Key::Slug(slug) => store::find_by_slug(tx, slug).await?,
    };
    found
        .filter(|project| project.readable_by(reach))
        .ok_or(Error::NotFound)
}

/// Money raised and volunteers of each project, in their order.
pub async fn figures(
    tx: &mut TenantTx,
    projects: &[Project],
) -> Result<Vec<(Raised, i64)>, sqlx::Error> {
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let raised: HashMap<i64, Raised> = earmarks::raised_for(tx, &ids).await?;
    let counts = volunteers::counts(tx, &ids).await?;
    Ok(ids
        .iter()
        .map(|id| {
            let money = raised.get(id).copied().unwrap_or_default();
            (money, counts.get(id).copied().unwrap_or(0))
        })
        .collect())
}

/// [`figures`] of one project.
pub async fn figures_of(
    tx: &mut TenantTx,
    project: &Project,
) -> Result<(Raised, i64), sqlx::Error> {
    let money = earmarks::raised(tx, project.id).await?;
    let count = volunteers::count(tx, project.id).await?;
    Ok((money, count))
}
