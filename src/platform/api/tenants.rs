//! `/api/v1/platform/tenants` (alias `/api/v1/whitelabel/sites`): CRUD of
//! tenants, suspension and resumption. Writes need the operator role and
//! are audited with the token that made them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::json::{ApiJson, ApiQuery};
use crate::error::AppError;
use crate::model::TenantStatus;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::platform::tenants::{Created, ListFilter, TenantBody, TenantLine, TenantPage, Tenants};
use crate::tenancy::audit::Actor;
use crate::web::extract::Path;

fn actor(operator: &OperatorPrincipal) -> Actor {
    Actor::operator(operator.id, &operator.email, "api", operator.ip)
}

#[utoipa::path(operation_id = "tenants_list", get, path = "/api/v1/platform/tenants",
    tag = "tenants", params(ListFilter), security(("operator_token" = [])),
    responses((status = 200, body = TenantPage), (status = 401)))]
pub async fn list(
    _: OperatorPrincipal,
    State(tenants): State<Tenants>,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> Result<Json<TenantPage>, AppError> {
    Ok(Json(tenants.list(&filter).await?))
}

/// Creates a tenant (its schema, default host and first administrator's
/// invitation); nothing is created when the slug or a domain is taken.
#[utoipa::path(operation_id = "tenants_create", post, path = "/api/v1/platform/tenants",
    tag = "tenants", request_body = TenantBody, security(("operator_token" = [])),
    responses((status = 201, body = Created), (status = 409, description = "slug or domain taken"),
              (status = 422, description = "invalid field"), (status = 401), (status = 403)))]
pub async fn create(
    CanWrite(operator): CanWrite,
    State(tenants): State<Tenants>,
    ApiJson(body): ApiJson<TenantBody>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let created = tenants.create(&body, &actor(&operator)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(operation_id = "tenants_show", get, path = "/api/v1/platform/tenants/{slug}",
    tag = "tenants", params(("slug" = String, Path)), security(("operator_token" = [])),
    responses((status = 200, body = TenantLine), (status = 404), (status = 401)))]
pub async fn show(
    _: OperatorPrincipal,
    State(tenants): State<Tenants>,
    Path(slug): Path<String>,
) -> Result<Json<TenantLine>, AppError> {
    Ok(Json(tenants.detail(&slug).await?.tenant))
}

/// Fields to change; absent ones keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    pub name: Option<String>,
    pub locale: Option<String>,
    pub theme: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub brand: Option<crate::model::Branding>,
    /// Replaces the custom domains.
    pub domains: Option<Vec<String>>,
}

#[utoipa::path(operation_id = "tenants_update", patch, path = "/api/v1/platform/tenants/{slug}",
    tag = "tenants", params(("slug" = String, Path)), request_body = TenantPatch,
    security(("operator_token" = [])),
    responses((status = 200, body = TenantLine), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    CanWrite(operator): CanWrite,
    State(tenants): State<Tenants>,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<TenantPatch>,
) -> Result<Json<TenantLine>, AppError> {
    let mut body = tenants.current(&slug).await?;
    body.name = patch.name.unwrap_or(body.name);
    body.locale = patch.locale.unwrap_or(body.locale);
    body.theme = patch.theme.unwrap_or(body.theme);
    body.brand = patch.brand.unwrap_or(body.brand);
    body.domains = patch.domains.unwrap_or(body.domains);
    tenants.update(&body, &actor(&operator)).await?;
    Ok(Json(tenants.detail(&slug).await?.tenant))
}

/// Deletes the tenant: its hosts answer 410 at once, and its schema,
/// files and slug are purged after the grace period (`[deletion]
/// grace_days`, 30 by default); until then `…/restore` brings it back.
/// Deleting a deleted tenant changes nothing.
#[utoipa::path(operation_id = "tenants_delete", delete, path = "/api/v1/platform/tenants/{slug}",
    tag = "tenants", params(("slug" = String, Path)), security(("operator_token" = [])),
    responses((status = 204), (status = 404), (status = 403)))]
pub async fn delete(
    CanWrite(operator): CanWrite,
    State(tenants): State<Tenants>,
    Path(slug): Path<String>,
) -> Result<StatusCode, AppError> {
    tenants.delete(&slug, &actor(&operator)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendBody {
    /// Shown to visitors on the 503 page (500 characters at most).
    pub reason: Option<String>,
}

#[utoipa::path(operation_id = "tenants_suspend", post,
    path = "/api/v1/platform/tenants/{slug}/suspend", tag = "tenants",
    params(("slug" = String, Path)), request_body = SuspendBody, security(("operator_token" = [])),
    responses((status = 200, body = TenantLine), (status = 404), (status = 422)))]
pub async fn suspend(
    CanWrite(operator): CanWrite,
    State(tenants): State<Tenants>,
    Path(slug): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<TenantLine>, AppError> {
    // The body is optional: an empty one suspends without a reason.
    let reason = match body.is_empty() {
        true => None,
        false => {
            serde_json::from_slice::<SuspendBody>(&body)
                .map_err(|e| AppError::Unprocessable(e.to_string().into()))?
                .reason
        }
    };
    let actor = actor(&operator);
    tenants
        .set_status(&slug, TenantStatus::Suspended, reason.as_deref(), &actor)
        .await?;
    Ok(Json(tenants.detail(&slug).await?.tenant))
}

#[utoipa::path(operation_id = "tenants_resume", post,
    path = "/api/v1/platform/tenants/{slug}/resume", tag = "tenants",
    params(("slug" = String, Path)), security(("operator_token" = [])),
    responses((status = 200, body = TenantLine), (status = 404)))]
pub async fn resume(
    CanWrite(operator): CanWrite,
    State(tenants): State<Tenants>,
    Path(slug): Path<String>,
) -> Result<Json<TenantLine>, AppError> {
    let actor = actor(&operator);
    tenants
        .set_status(&slug, TenantStatus::Active, None, &actor)
        .await?;
    Ok(Json(tenants.detail(&slug).await?.tenant))
}
