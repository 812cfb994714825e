//! `/api/v1/domains`: a tenant's custom domains for programs (admins, or a
//! key with `domains:read` / `domains:write`). The platform API's
//! `/api/v1/platform/tenants/{id}/domains` reuses [`DomainView`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::{Domains, Instructions};
use crate::api::json::ApiJson;
use crate::auth::scoped::{Allowed, DomainsRead, DomainsWrite};
use crate::auth::{Admin, RequestAuth};
use crate::error::AppError;
use crate::tenancy::audit::Actor;
use crate::tenancy::claims::Claim;
use crate::tls::store::CertificateInfo;
use crate::web::extract::Path;
use crate::web::site::CurrentTenant;

/// A claim, the DNS records that prove and route it, and its certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainView {
    #[serde(flatten)]
    pub claim: Claim,
    pub records: Instructions,
    /// Null while the domain is not verified, or when no certificate is
    /// kept for it (certificates are not ordered on this platform).
    pub certificate: Option<CertificateState>,
}

/// A verified domain's certificate, as its tenant sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateState {
    /// `pending` (none yet), `valid` (one is served) or `failed`.
    pub status: String,
    /// When the certificate served now expires.
    pub not_after: Option<DateTime<Utc>>,
    /// Why the last order failed, until one succeeds.
    pub last_error: Option<String>,
}

impl From<CertificateInfo> for CertificateState {
    fn from(info: CertificateInfo) -> Self {
        Self {
            status: info.status,
            not_after: info.not_after,
            last_error: info.last_error,
        }
    }
}

impl DomainView {
    /// The claims with their records and certificates (one query). Only a
    /// verified claim gets one: another tenant may wait on a name this one
    /// holds, and must learn nothing of its certificate.
    pub async fn load(domains: &Domains, claims: Vec<Claim>) -> Result<Vec<Self>, AppError> {
        let names: Vec<String> = claims
            .iter()
            .filter(|c| c.state.routes())
            .map(|c| c.hostname.clone())
            .collect();
        let mut certificates = domains.certificates(&names).await?;
        Ok(claims
            .into_iter()
            .map(|claim| {
                let certificate = match claim.state.routes() {
                    true => certificates.remove(&claim.hostname).map(Into::into),
                    false => None,
                };
                Self {
                    records: domains.instructions(&claim),
                    claim,
                    certificate,
                }
            })
            .collect())
    }

    pub async fn one(domains: &Domains, claim: Claim) -> Result<Self, AppError> {
        let mut views = Self::load(domains, vec![claim]).await?;
        views
            .pop()
            .ok_or_else(|| AppError::Internal("a domain went missing".into()))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDomain {
    /// e.g. `portail.mon-asso.fr`
    pub hostname: String,
}

fn actor<R: crate::auth::MinRole, S: crate::auth::scoped::NeedsScope>(
    guard: &Allowed<R, S>,
    auth: &RequestAuth,
) -> Actor {
    Actor::staff(guard.principal().account_id, auth.client_ip)
}

#[utoipa::path(operation_id = "domains_list", get, path = "/api/v1/domains", tag = "domains",
    security(("bearer" = []), ("api_key" = ["domains:read"])),
    responses((status = 200, body = Vec<DomainView>), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Admin, DomainsRead>,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
) -> Result<Json<Vec<DomainView>>, AppError> {
    let claims = domains.list(tenant.id).await?;
    Ok(Json(DomainView::load(&domains, claims).await?))
}

#[utoipa::path(operation_id = "domains_create", post, path = "/api/v1/domains", tag = "domains",
    request_body = NewDomain, security(("bearer" = []), ("api_key" = ["domains:write"])),
    responses((status = 201, body = DomainView), (status = 401), (status = 403),
              (status = 409, description = "another site owns the domain"), (status = 422)))]
pub async fn create(
    guard: Allowed<Admin, DomainsWrite>,
    auth: RequestAuth,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    ApiJson(body): ApiJson<NewDomain>,
) -> Result<(StatusCode, Json<DomainView>), AppError> {
    let claim = domains
        .add(tenant.id, &body.hostname, &actor(&guard, &auth))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DomainView::one(&domains, claim).await?),
    ))
}

#[utoipa::path(operation_id = "domains_show", get, path = "/api/v1/domains/{hostname}", tag = "domains",
    params(("hostname" = String, Path)), security(("bearer" = []), ("api_key" = ["domains:read"])),
    responses((status = 200, body = DomainView), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    _: Allowed<Admin, DomainsRead>,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    Path(host): Path<String>,
) -> Result<Json<DomainView>, AppError> {
    let claim = domains.find(tenant.id, &host).await?;
    Ok(Json(DomainView::one(&domains, claim).await?))
}

#[utoipa::path(operation_id = "domains_verify", post, path = "/api/v1/domains/{hostname}/verify",
    tag = "domains", params(("hostname" = String, Path)),
    security(("bearer" = []), ("api_key" = ["domains:write"])),
    responses((status = 200, body = DomainView, description = "checked now; see state and last_error"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn verify(
    guard: Allowed<Admin, DomainsWrite>,
    auth: RequestAuth,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    Path(host): Path<String>,
) -> Result<Json<DomainView>, AppError> {
    let claim = domains
        .check_now(tenant.id, &host, &actor(&guard, &auth))
        .await?;
    Ok(Json(DomainView::one(&domains, claim).await?))
}

#[utoipa::path(operation_id = "domains_primary", post, path = "/api/v1/domains/{hostname}/primary",
    tag = "domains", params(("hostname" = String, Path)),
    security(("bearer" = []), ("api_key" = ["domains:write"])),
    responses((status = 204, description = "the site's other hosts now redirect here"),
              (status = 401), (status = 403), (status = 404),
              (status = 409, description = "the domain is not active")))]
pub async fn primary(
    guard: Allowed<Admin, DomainsWrite>,
    auth: RequestAuth,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    Path(host): Path<String>,
) -> Result<StatusCode, AppError> {
    domains
        .set_primary(tenant.id, Some(&host), &actor(&guard, &auth))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "domains_delete", delete, path = "/api/v1/domains/{hostname}",
    tag = "domains", params(("hostname" = String, Path)),
    security(("bearer" = []), ("api_key" = ["domains:write"])),
    responses((status = 204, description = "removed; it stops routing at once"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn delete(
    guard: Allowed<Admin, DomainsWrite>,
    auth: RequestAuth,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    Path(host): Path<String>,
) -> Result<StatusCode, AppError> {
    domains
        .remove(tenant.id, &host, &actor(&guard, &auth))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
