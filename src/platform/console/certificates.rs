//! `/console/certificates`: the certificates of custom domains (status,
//! issuer, renewal date, failures and the last error, next attempt),
//! failing ones first, readable by support operators. "Retry now" (after
//! failures) or "renew now" (a valid one) needs the operator role and is
//! audited; the same button sits beside each domain on a tenant's page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::domains::Domains;
use crate::error::AppError;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::tenancy::audit::Actor;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::tls::Tls;
use crate::tls::operators::RenewError;
use crate::tls::store::CertificateInfo;
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};

#[derive(Serialize)]
struct CertificatesPage {
    operator: OperatorPrincipal,
    certificates: Vec<CertificateInfo>,
}

/// `GET /console/certificates`.
pub async fn page(
    State(themes): State<Themes>,
    State(tls): State<Tls>,
    view: ConsoleView,
    operator: OperatorPrincipal,
) -> Result<Response, AppError> {
    let page = CertificatesPage {
        operator,
        certificates: tls.list_certificates().await?,
    };
    themes.console_page(&view, "platform/certificates.html", StatusCode::OK, &page)
}

/// `POST /console/certificates/{host}/renew`: back to the list.
pub async fn renew(
    State(tls): State<Tls>,
    CanWrite(operator): CanWrite,
    Path(host): Path<String>,
) -> Result<Response, AppError> {
    let flash = schedule(&tls, &operator, &host).await?;
    Ok(redirect_with("/console/certificates", Some(flash)))
}

/// `POST /console/tenants/{slug}/domains/{host}/renew`: the same, from the
/// tenant's page (the domain must be that tenant's), back to it.
pub async fn renew_for_tenant(
    State(tls): State<Tls>,
    State(domains): State<Domains>,
    CanWrite(operator): CanWrite,
    Path((slug, host)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let claim = domains.find(domains.tenant_id(&slug).await?, &host).await?;
    let flash = schedule(&tls, &operator, &claim.hostname).await?;
    Ok(redirect_with(
        &format!("/console/tenants/{slug}"),
        Some(flash),
    ))
}

async fn schedule(tls: &Tls, operator: &OperatorPrincipal, host: &str) -> Result<Flash, AppError> {
    let actor = Actor::operator(operator.id, &operator.email, "console", operator.ip);
    Ok(match tls.renew_now(host, &actor).await {
        Ok(_) => Flash::new(FlashKind::Success, "certs-flash-scheduled"),
        Err(RenewError::Unknown(_)) => Flash::new(FlashKind::Error, "certs-flash-unknown"),
        Err(error) => return Err(error.into()),
    })
}
