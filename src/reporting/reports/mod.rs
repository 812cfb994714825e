//! Parameterised reports: the membership register, the payments
//! journal, arrears, renewals due, receipts issued and referral
//! commissions, over a period with filters, with their totals; as a page,
//! and as JSON, CSV, XLSX and PDF (`tabular` writes them, streamed); and
//! on a schedule ([`schedules`]), run by the daily job with the alerts.

pub mod api;
pub mod catalogue;
pub mod deliver;
pub mod pages;
pub mod params;
mod produce;
mod ready;
pub mod run;
pub mod schedule_pages;
pub mod schedules;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post};

pub use api::Doc;
pub use catalogue::ReportKind;

use crate::live::Live;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route("/dashboard/reports/", get(pages::catalogue))
        .route(
            "/dashboard/reports/schedules",
            get(schedule_pages::show).post(schedule_pages::create),
        )
        .route(
            "/dashboard/reports/schedules/{id}/delete",
            post(schedule_pages::remove),
        )
        .route(
            "/dashboard/notifications/",
            get(crate::reporting::alerts::pages::show).post(crate::reporting::alerts::pages::save),
        )
        .route("/dashboard/reports/{report}", get(pages::report))
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route("/api/v1/reports", get(api::list))
        .route(
            "/api/v1/reports/schedules",
            get(schedule_pages::api_list).post(schedule_pages::api_create),
        )
        .route(
            "/api/v1/reports/schedules/{id}",
            delete(schedule_pages::api_delete),
        )
        .route(
            "/api/v1/dashboard/alerts",
            get(crate::reporting::alerts::pages::api_get)
                .put(crate::reporting::alerts::pages::api_save),
        )
        .route("/api/v1/reports/{report}", get(api::show))
}

const DAILY_ALL: &str = "reporting.daily-all";
const DAILY: &str = "reporting.daily";

/// Every hour, one job per ready tenant runs its due schedules and checks
/// its arrears alerts (each at most once a day).
pub fn register(registry: &mut crate::jobs::Registry) {
    use crate::jobs::JobError;
    registry.every_tenant(DAILY_ALL, DAILY, std::time::Duration::from_secs(3600));
    registry.register(DAILY, |ctx, _job| async move {
        let mut tx = ctx.tenant_tx()?;
        let (ran, alerted) = daily(&mut tx, chrono::Utc::now().date_naive())
            .await
            .map_err(JobError::from)?;
        tx.commit().await.map_err(JobError::from)?;
        tracing::debug!(ran, alerted, "reporting daily");
        Ok(())
    });
}

/// A tenant's due schedules, then its arrears alerts.
pub async fn daily(
    tx: &mut crate::db::TenantTx,
    today: chrono::NaiveDate,
) -> Result<(u64, u64), sqlx::Error> {
    let ran = schedules::run_due(tx, today).await?;
    let alerted = crate::reporting::alerts::fire::check_arrears(tx, today).await?;
    Ok((ran, alerted))
}
