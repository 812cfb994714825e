//! `/dashboard/notifications/`: a treasurer's alerts (failed payments,
//! arrears above a sum), and `/api/v1/dashboard/alerts` for programs.
//! Where alerts arrive (list, mail, push) is the notifications
//! preferences' business (kind « reports »).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Form, Json};
use serde::Serialize;
use utoipa::OpenApi;

use super::store::{self, Alerts};
use crate::api::json::ApiJson;
use crate::auth::scoped::{Allowed, ReportingRead, ReportingWrite};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Amount;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};

const TEMPLATE: &str = "reports/alerts.html";

#[derive(Serialize)]
struct AlertsPage {
    payment_failed: bool,
    /// The threshold as typed or saved (`150.00`).
    arrears_above: String,
    currency: String,
    error: bool,
    csrf_token: String,
}

/// `GET /dashboard/notifications/`.
pub async fn show(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let alerts = store::get(&mut tx, guard.principal().account_id).await?;
    let currency = settings::get(&mut tx).await?.currency;
    let page = AlertsPage {
        payment_failed: alerts.payment_failed,
        arrears_above: alerts
            .arrears_above_minor
            .and_then(|m| Amount::new(m, currency))
            .map(|a| a.decimal())
            .unwrap_or_default(),
        currency: currency.code().to_owned(),
        error: false,
        csrf_token: auth.csrf.value().to_owned(),
    };
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, StatusCode::OK, &page)
        .await?)
}

/// `POST /dashboard/notifications/`.
pub async fn save(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let payment_failed = field("payment_failed").is_some_and(|v| v == "on");
    let typed = field("arrears_above").unwrap_or_default();
    let currency = settings::get(&mut tx).await?.currency;
    let threshold = match typed.as_str() {
        "" => Ok(None),
        text => Amount::parse(&text.replace(',', "."), currency).map(|a| Some(a.minor())),
    };
    let Ok(arrears_above_minor) = threshold else {
        let page = AlertsPage {
            payment_failed,
            arrears_above: typed,
            currency: currency.code().to_owned(),
            error: true,
            csrf_token: auth.csrf.value().to_owned(),
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(themes
            .private_page(&tx, &view, TEMPLATE, status, &page)
            .await?);
    };
    let alerts = Alerts {
        payment_failed,
        arrears_above_minor,
    };
    store::save(&mut tx, guard.principal().account_id, &alerts).await?;
    let flash = Flash::new(FlashKind::Success, "flash-saved");
    Ok(redirect_with("/dashboard/notifications/", Some(flash)))
}

#[utoipa::path(operation_id = "dashboard_alerts", get, path = "/api/v1/dashboard/alerts", tag = "reporting",
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Alerts), (status = 401), (status = 403)))]
pub async fn api_get(
    who: Allowed<Treasurer, ReportingRead>,
    mut tx: TenantTx,
) -> Result<Json<Alerts>, AppError> {
    Ok(Json(store::get(&mut tx, who.principal().account_id).await?))
}

#[utoipa::path(operation_id = "dashboard_alerts_save", put, path = "/api/v1/dashboard/alerts", tag = "reporting",
    request_body = Alerts,
    security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 200, body = Alerts), (status = 401), (status = 403), (status = 422)))]
pub async fn api_save(
    who: Allowed<Treasurer, ReportingWrite>,
    mut tx: TenantTx,
    ApiJson(alerts): ApiJson<Alerts>,
) -> Result<Json<Alerts>, AppError> {
    if alerts
        .arrears_above_minor
        .is_some_and(|m| !(0..=crate::model::MAX_MINOR).contains(&m))
    {
        return Err(AppError::Unprocessable(
            "arrears_above_minor: between 0 and 10^13".into(),
        ));
    }
    store::save(&mut tx, who.principal().account_id, &alerts).await?;
    Ok(Json(alerts))
}

#[derive(OpenApi)]
#[openapi(paths(api_get, api_save), components(schemas(Alerts)))]
pub struct Doc;
