//! `/api/v1/platform/tenants/{slug}/domains` (and under the `sites` alias):
//! a tenant's custom domains for operators' programs. Same service as the
//! tenant's own pages; an operator may also vouch for a domain
//! (`"vouch": true`), which routes it without a proof.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::domains::Domains;
use crate::domains::api::DomainView;
use crate::error::AppError;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::tenancy::audit::Actor;
use crate::web::extract::Path;

fn actor(operator: &OperatorPrincipal) -> Actor {
    Actor::operator(operator.id, &operator.email, "api", operator.ip)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorDomain {
    pub hostname: String,
    /// Route it at once, without a proof (the operator controls its DNS).
    #[serde(default)]
    pub vouch: bool,
}

#[utoipa::path(operation_id = "tenant_domains_list", get,
    path = "/api/v1/platform/tenants/{slug}/domains", tag = "domains",
    params(("slug" = String, Path)), security(("operator_token" = [])),
    responses((status = 200, body = Vec<DomainView>), (status = 401), (status = 404)))]
pub async fn list(
    _: OperatorPrincipal,
    State(domains): State<Domains>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<DomainView>>, AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    let claims = domains.list(tenant).await?;
    Ok(Json(DomainView::load(&domains, claims).await?))
}

#[utoipa::path(operation_id = "tenant_domains_create", post,
    path = "/api/v1/platform/tenants/{slug}/domains", tag = "domains",
    params(("slug" = String, Path)), request_body = OperatorDomain,
    security(("operator_token" = [])),
    responses((status = 201, body = DomainView), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "another tenant owns the domain"), (status = 422)))]
pub async fn create(
    CanWrite(operator): CanWrite,
    State(domains): State<Domains>,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<OperatorDomain>,
) -> Result<(StatusCode, Json<DomainView>), AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    let actor = actor(&operator);
    let claim = match body.vouch {
        true => domains.vouch(tenant, &body.hostname, &actor).await?,
        false => domains.add(tenant, &body.hostname, &actor).await?,
    };
    Ok((
        StatusCode::CREATED,
        Json(DomainView::one(&domains, claim).await?),
    ))
}

#[utoipa::path(operation_id = "tenant_domains_show", get,
    path = "/api/v1/platform/tenants/{slug}/domains/{hostname}", tag = "domains",
    params(("slug" = String, Path), ("hostname" = String, Path)),
    security(("operator_token" = [])),
    responses((status = 200, body = DomainView), (status = 401), (status = 404)))]
pub async fn show(
    _: OperatorPrincipal,
    State(domains): State<Domains>,
    Path((slug, host)): Path<(String, String)>,
) -> Result<Json<DomainView>, AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    let claim = domains.find(tenant, &host).await?;
    Ok(Json(DomainView::one(&domains, claim).await?))
}

#[utoipa::path(operation_id = "tenant_domains_verify", post,
    path = "/api/v1/platform/tenants/{slug}/domains/{hostname}/verify", tag = "domains",
    params(("slug" = String, Path), ("hostname" = String, Path)),
    security(("operator_token" = [])),
    responses((status = 200, body = DomainView), (status = 401), (status = 403), (status = 404)))]
pub async fn verify(
    CanWrite(operator): CanWrite,
    State(domains): State<Domains>,
    Path((slug, host)): Path<(String, String)>,
) -> Result<Json<DomainView>, AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    let claim = domains.check_now(tenant, &host, &actor(&operator)).await?;
    Ok(Json(DomainView::one(&domains, claim).await?))
}

#[utoipa::path(operation_id = "tenant_domains_delete", delete,
    path = "/api/v1/platform/tenants/{slug}/domains/{hostname}", tag = "domains",
    params(("slug" = String, Path), ("hostname" = String, Path)),
    security(("operator_token" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete(
    CanWrite(operator): CanWrite,
    State(domains): State<Domains>,
    Path((slug, host)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    domains.remove(tenant, &host, &actor(&operator)).await?;
    Ok(StatusCode::NO_CONTENT)
}
