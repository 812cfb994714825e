//! SEPA direct debit (Core) for an association's dues and gifts. This
//! module holds the creditor ([`settings`]: the association's own ICS,
//! account and delays) and the members' mandates ([`mandates`]: signed on
//! the portal with a mailed code, [`signing`]; amended, cancelled, expired
//! after 36 months unused by a daily job), and the debits collected under
//! them ([`collections`]: planned and announced, sent in a bank file,
//! settled, rejected or returned). Pages for members
//! ([`member_pages`], `/membership/direct-debit`) and treasurers
//! ([`treasury_pages`], `/treasury/direct-debit`), and the API ([`api`]).
//! The files themselves are written and read by [`crate::sepa`].

pub mod api;
pub mod collections;
mod collections_api;
mod collections_pages;
pub mod fields;
pub mod mandates;
mod member_pages;
pub mod paper;
mod paper_api;
pub mod sealing;
pub mod settings;
pub mod signing;
mod treasury_pages;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use serde::Serialize;

pub use api::Doc;
pub use collections_api::Doc as CollectionsDoc;
pub use paper_api::Doc as PaperDoc;

use crate::themes::Themes;
use mandates::Mandate;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    crate::storage::Storage: FromRef<S>,
{
    Router::new()
        .route(
            "/membership/direct-debit",
            get(member_pages::show).post(member_pages::start),
        )
        .route(
            "/membership/direct-debit/{id}/confirm",
            get(member_pages::confirm_form).post(member_pages::confirm),
        )
        .route(
            "/membership/direct-debit/{id}/cancel",
            post(member_pages::cancel),
        )
        .route(
            "/treasury/direct-debit",
            get(treasury_pages::show).post(treasury_pages::save),
        )
        .route(
            "/treasury/direct-debit/mandates/{id}/cancel",
            post(treasury_pages::cancel),
        )
        .route("/treasury/direct-debit/paper", post(paper_api::record_page))
        .route(
            "/treasury/direct-debit/mandates/{id}/scan",
            get(paper_api::scan_page),
        )
        .route(
            "/treasury/direct-debit/collections",
            get(collections_pages::show),
        )
        .route(
            "/treasury/direct-debit/collections/plan",
            post(collections_pages::plan),
        )
        .route(
            "/treasury/direct-debit/batches",
            post(collections_pages::prepare),
        )
        .route(
            "/treasury/direct-debit/batches/{id}/file",
            get(collections_pages::file),
        )
        .route(
            "/treasury/direct-debit/returns",
            post(collections_pages::import),
        )
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::storage::Storage: FromRef<S>,
{
    Router::new()
        .route(
            "/api/v1/direct-debit/settings",
            get(api::show_settings).put(api::save_settings),
        )
        .route("/api/v1/direct-debit/mandates", get(api::list))
        .route(
            "/api/v1/direct-debit/mandates/paper",
            post(paper_api::record),
        )
        .route("/api/v1/direct-debit/mandates/{id}", get(api::show))
        .route(
            "/api/v1/direct-debit/mandates/{id}/scan",
            get(paper_api::scan),
        )
        .route(
            "/api/v1/direct-debit/mandates/{id}/cancel",
            post(api::cancel),
        )
        .route("/api/v1/direct-debit/mandates/{id}/amend", post(api::amend))
        .route(
            "/api/v1/direct-debit/collections",
            get(collections_api::list),
        )
        .route(
            "/api/v1/direct-debit/collections/plan",
            post(collections_api::plan),
        )
        .route(
            "/api/v1/direct-debit/batches",
            get(collections_api::batches).post(collections_api::prepare),
        )
        .route(
            "/api/v1/direct-debit/batches/{id}/file",
            get(collections_api::file),
        )
        .route(
            "/api/v1/direct-debit/returns",
            post(collections_api::import),
        )
        .route("/api/v1/me/debits", get(collections_api::mine))
        .route("/api/v1/me/mandates", get(api::mine).post(api::start))
        .route("/api/v1/me/mandates/{id}/confirm", post(api::confirm))
        .route("/api/v1/me/mandates/{id}/cancel", post(api::cancel_mine))
}

const DAILY_ALL: &str = "direct_debit.daily-all";
const DAILY: &str = "direct_debit.daily";

/// Once a day, one job per ready tenant expires its unused mandates.
pub fn register(registry: &mut crate::jobs::Registry) {
    use crate::jobs::JobError;
    registry.every_tenant(DAILY_ALL, DAILY, std::time::Duration::from_secs(24 * 3600));
    registry.register(DAILY, |ctx, _job| async move {
        let mut tx = ctx.tenant_tx()?;
        let today = crate::contributions::memberships::today();
        let expired = mandates::expire_unused(&mut tx, today)
            .await
            .map_err(JobError::from)?;
        let settled = collections::settle_due(&mut tx, today)
            .await
            .map_err(refused)?;
        let missed = collections::miss_late(&mut tx, today)
            .await
            .map_err(refused)?;
        let planned = match collections::plan(&mut tx, today).await {
            Ok(planned) => planned.debits,
            // An association paid in another currency has nothing to debit.
            Err(crate::error::Refusal::Conflict { .. }) => 0,
            Err(other) => return Err(refused(other)),
        };
        tx.commit().await.map_err(JobError::from)?;
        tracing::debug!(expired, settled, missed, planned, "direct debit daily");
        Ok(())
    });
}

/// A refusal in a job is a failure to retry (the daily run refuses nothing
/// a person typed).
fn refused(refusal: crate::error::Refusal) -> crate::jobs::JobError {
    crate::jobs::JobError::retry(format_args!("direct debit daily run: {refusal}"))
}

/// A mandate as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct MandateView {
    pub id: i64,
    pub reference: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub debtor_name: String,
    pub iban: String,
    pub signed_on: String,
    pub signed_via: String,
    pub open: bool,
}

pub fn view_of(mandate: &Mandate, locale: &str) -> MandateView {
    use mandates::MandateStatus;
    MandateView {
        id: mandate.id,
        reference: mandate.reference.clone(),
        kind: mandate.kind.as_str(),
        status: mandate.status.as_str(),
        debtor_name: mandate.debtor_name.clone(),
        iban: mandate.masked_iban(),
        signed_on: mandate
            .signed_on
            .map(|d| crate::contributions::pages::day(d, locale))
            .unwrap_or_default(),
        signed_via: mandate.signed_via.clone().unwrap_or_default(),
        open: matches!(
            mandate.status,
            MandateStatus::Active | MandateStatus::Unsigned
        ),
    }
}
