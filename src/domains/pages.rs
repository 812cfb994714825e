//! The administrators' pages: `/staff/domains/` lists the site's custom
//! domains with their ownership, DNS and certificate states (until when a
//! certificate is valid, why its last order failed: read only), adds one, and
//! `/staff/domains/{host}` shows the records to create, with "check now",
//! "make primary" and "remove" (forms: no JavaScript needed).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::api::{CertificateState, DomainView};
use super::service::{DomainError, Domains, Instructions};
use crate::auth::{Admin, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::tenancy::audit::Actor;
use crate::tenancy::claims::{Claim, ClaimError};
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::site::CurrentTenant;

#[derive(Serialize)]
struct ListPage<'a> {
    domains: Vec<DomainView>,
    default_host: &'a str,
    max: i64,
    error: Option<String>,
    hostname: &'a str,
    csrf_token: &'a str,
}

#[derive(Serialize)]
struct DetailPage<'a> {
    domain: &'a Claim,
    records: Instructions,
    certificate: Option<CertificateState>,
    csrf_token: &'a str,
}

fn actor(guard: &RequireRole<Admin>, auth: &RequestAuth) -> Actor {
    Actor::staff(guard.principal().account_id, auth.client_ip)
}

fn detail_path(host: &str) -> String {
    format!("/staff/domains/{host}")
}

/// `GET /staff/domains/`.
pub async fn list(
    _: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(domains): State<Domains>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let tenant = view.tenant.clone();
    render_list(&themes, &domains, &tenant, &view, &auth, &tx, None, "").await
}

#[allow(clippy::too_many_arguments)]
async fn render_list(
    themes: &Themes,
    domains: &Domains,
    tenant: &crate::model::Tenant,
    view: &PageView,
    auth: &RequestAuth,
    tx: &TenantTx,
    error: Option<String>,
    hostname: &str,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let claims = domains.list(tenant.id).await?;
    let page = ListPage {
        domains: DomainView::load(domains, claims).await?,
        default_host: tenant.default_host.as_str(),
        max: domains.config().max_per_tenant,
        error,
        hostname,
        csrf_token: auth.csrf.value(),
    };
    Ok(themes
        .private_page(tx, view, "staff/domains.html", status, &page)
        .await?)
}

#[derive(Debug, Default, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    hostname: String,
}

/// `POST /staff/domains/`: a refusal is shown on the list, with the name typed.
pub async fn add(
    guard: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(domains): State<Domains>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
    Form(form): Form<AddForm>,
) -> Result<Response, AppError> {
    let tenant = view.tenant.clone();
    match domains
        .add(tenant.id, &form.hostname, &actor(&guard, &auth))
        .await
    {
        Ok(claim) => Ok(Redirect::to(&detail_path(&claim.hostname)).into_response()),
        Err(DomainError::Claim(ClaimError::Database(e))) => Err(e.into()),
        Err(refused) => {
            let why = Some(refusal_key(&refused).to_owned());
            render_list(
                &themes,
                &domains,
                &tenant,
                &view,
                &auth,
                &tx,
                why,
                &form.hostname,
            )
            .await
        }
    }
}

/// The message (a translation key) shown for a refused domain.
fn refusal_key(error: &DomainError) -> &'static str {
    match error {
        DomainError::Invalid(_) => "domains-refused-invalid",
        DomainError::Claim(ClaimError::Taken(_)) => "domains-refused-taken",
        DomainError::Claim(ClaimError::Limit(_)) => "domains-refused-limit",
        DomainError::Claim(_) => "domains-refused-other",
    }
}

/// `GET /staff/domains/{host}`.
pub async fn detail(
    _: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(domains): State<Domains>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
    Path(host): Path<String>,
) -> Result<Response, AppError> {
    let tenant = view.tenant.clone();
    let claim = domains.find(tenant.id, &host).await?;
    let shown = DomainView::one(&domains, claim).await?;
    let page = DetailPage {
        records: shown.records,
        certificate: shown.certificate,
        domain: &shown.claim,
        csrf_token: auth.csrf.value(),
    };
    Ok(themes
        .private_page(&tx, &view, "staff/domain.html", StatusCode::OK, &page)
        .await?)
}

/// `POST /staff/domains/{host}/check`.
pub async fn check(
    guard: RequireRole<Admin>,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    auth: RequestAuth,
    Path(host): Path<String>,
) -> Result<Response, AppError> {
    let claim = domains
        .check_now(tenant.id, &host, &actor(&guard, &auth))
        .await?;
    let (kind, key) = match claim.state.routes() {
        true => (FlashKind::Success, "domains-flash-verified"),
        false => (FlashKind::Error, "domains-flash-not-yet"),
    };
    Ok(redirect_with(
        &detail_path(&claim.hostname),
        Some(Flash::new(kind, key)),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct PrimaryForm {
    /// Present: the default host becomes canonical again.
    #[serde(default)]
    unset: Option<String>,
}

/// `POST /staff/domains/{host}/primary`.
pub async fn primary(
    guard: RequireRole<Admin>,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    auth: RequestAuth,
    Path(host): Path<String>,
    Form(form): Form<PrimaryForm>,
) -> Result<Response, AppError> {
    let target = form.unset.is_none().then_some(host.as_str());
    domains
        .set_primary(tenant.id, target, &actor(&guard, &auth))
        .await?;
    Ok(redirect_with(
        "/staff/domains/",
        Some(Flash::new(FlashKind::Success, "flash-saved")),
    ))
}

/// `POST /staff/domains/{host}/delete`.
pub async fn delete(
    guard: RequireRole<Admin>,
    State(domains): State<Domains>,
    CurrentTenant(tenant): CurrentTenant,
    auth: RequestAuth,
    Path(host): Path<String>,
) -> Result<Response, AppError> {
    domains
        .remove(tenant.id, &host, &actor(&guard, &auth))
        .await?;
    Ok(redirect_with(
        "/staff/domains/",
        Some(Flash::new(FlashKind::Success, "domains-flash-removed")),
    ))
}
