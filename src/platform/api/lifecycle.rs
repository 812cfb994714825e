//! `/api/v1/platform/tenants/{slug}/export` and `…/restore`: a tenant's
//! archive (to import elsewhere with `tessera tenant import`), and its
//! return from deletion during the grace period. Both need the operator
//! role and are audited with the token's operator.

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use crate::error::AppError;
use crate::platform::console::lifecycle::archive_response;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::platform::tenants::{TenantLine, Tenants};
use crate::portability::Portability;
use crate::tenancy::audit::Actor;
use crate::web::extract::Path;

fn actor(operator: &OperatorPrincipal) -> Actor {
    Actor::operator(operator.id, &operator.email, "api", operator.ip)
}

/// The tenant as one archive (`tessera-tenant/1`: ustar with a manifest,
/// each table's rows as text COPY from one snapshot, its files, and
/// checksums). It holds password hashes: keep it safe. The
/// `x-archive-sha256` header carries its SHA-256.
#[utoipa::path(operation_id = "tenants_export", post,
    path = "/api/v1/platform/tenants/{slug}/export", tag = "tenants",
    params(("slug" = String, Path)), security(("operator_token" = [])),
    responses(
        (status = 200, description = "The archive", content_type = "application/x-tar", body = String),
        (status = 401), (status = 403, description = "the support role cannot export"),
        (status = 404), (status = 409, description = "the schema is quarantined or busy")))]
pub async fn export(
    CanWrite(operator): CanWrite,
    State(portability): State<Portability>,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    archive_response(&portability, &slug, &actor(&operator)).await
}

/// Brings a deleted tenant back (active) before its purge.
#[utoipa::path(operation_id = "tenants_restore", post,
    path = "/api/v1/platform/tenants/{slug}/restore", tag = "tenants",
    params(("slug" = String, Path)), security(("operator_token" = [])),
    responses((status = 200, body = TenantLine), (status = 404), (status = 403),
              (status = 409, description = "the tenant is not deleted")))]
pub async fn restore(
    CanWrite(operator): CanWrite,
    State(tenants): State<Tenants>,
    Path(slug): Path<String>,
) -> Result<Json<TenantLine>, AppError> {
    if !tenants.restore(&slug, &actor(&operator)).await? {
        return Err(AppError::Conflict(format!("{slug} is not deleted").into()));
    }
    Ok(Json(tenants.detail(&slug).await?.tenant))
}
