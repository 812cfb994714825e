//! Personal data across the modules: a member's consents, kept with their
//! wording and dates ([`consents`]); the member directory, opted-in
//! members and chosen fields only, for members only ([`directory`]); the
//! administrator's processing register ([`register`]); and keeping every
//! sealed column (phones, IBANs, 2FA secrets, SEPA files) under the
//! keyring's active key ([`sealing`]); « download all my data », built by
//! the job queue and mailed as a link ([`export`]). Pages: [`pages`]; API:
//! [`api`].

pub mod api;
pub mod consents;
pub mod directory;
pub mod export;
mod pages;
pub mod register;
pub mod sealing;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post, put};

pub use api::Doc;
pub use sealing::{Resealed, reseal_tenant};

use std::time::Duration;

use crate::config::HttpConfig;
use crate::jobs::{JobError, Registry};
use crate::storage::Storage;
use crate::themes::Themes;

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Storage: FromRef<S>,
{
    Router::new()
        .route("/api/v1/me/consents", get(api::mine))
        .route(
            "/api/v1/me/consents/{purpose}",
            put(api::grant).delete(api::withdraw),
        )
        .route("/api/v1/me/directory", put(api::choose_fields))
        .route("/api/v1/me/export", post(api::export))
        .route("/api/v1/me/exports", get(api::exports))
        .route("/api/v1/me/exports/{id}/archive", get(api::archive))
        .route("/api/v1/directory", get(api::list))
        .route("/api/v1/privacy/register", get(api::register))
}

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Storage: FromRef<S>,
{
    Router::new()
        .route("/accounts/privacy/", get(pages::show))
        .route("/accounts/privacy/export", post(pages::export))
        .route("/accounts/privacy/exports/{id}", get(pages::download))
        .route("/accounts/privacy/consents", post(pages::consent))
        .route("/accounts/privacy/directory", post(pages::choose_fields))
        .route("/directory", get(pages::members))
        .route("/staff/privacy/register", get(pages::register))
}

const DAILY_ALL: &str = "privacy.daily-all";
const DAILY: &str = "privacy.daily";

/// The jobs: archives built for people who asked ([`export`]); once a
/// day, one job per ready tenant re-seals what is not under the active key
/// yet ([`sealing`]) and deletes expired archives.
pub fn register(registry: &mut Registry, storage: Storage, http: HttpConfig) {
    export::register(registry, storage.clone(), http);
    registry.every_tenant(DAILY_ALL, DAILY, Duration::from_secs(24 * 3600));
    registry.register(DAILY, move |ctx, _job| {
        let storage = storage.clone();
        async move {
            let mut tx = ctx.tenant_tx()?;
            let resealed = reseal_tenant(&mut tx).await.map_err(JobError::from)?;
            let purged = export::purge_expired(&mut tx, &storage).await?;
            tx.commit().await.map_err(JobError::from)?;
            if resealed.stuck() > 0 {
                tracing::warn!(
                    stuck = resealed.stuck(),
                    "sealed values under a key no longer in [crypto] keys"
                );
            }
            tracing::debug!(resealed = resealed.resealed(), purged, "privacy daily");
            Ok(())
        }
    });
}
