//! The custom domains of a tenant, on its console page: add one (to be
//! proven by the tenant, or vouched for by the operator), check it now,
//! remove it. The same service as the tenant's own pages and both APIs.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use crate::domains::{DomainError, Domains};
use crate::error::AppError;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::tenancy::audit::Actor;
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

fn actor(operator: &OperatorPrincipal) -> Actor {
    Actor::operator(operator.id, &operator.email, "console", operator.ip)
}

fn back(slug: &str, kind: FlashKind, key: &str) -> Response {
    redirect_with(
        &format!("/console/tenants/{slug}"),
        Some(Flash::new(kind, key)),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    hostname: String,
    /// A checkbox: present when the operator vouches for the domain.
    #[serde(default)]
    vouch: Option<String>,
}

/// `POST /console/tenants/{slug}/domains`: a refusal comes back as a message.
pub async fn add(
    State(domains): State<Domains>,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
    Form(form): Form<AddForm>,
) -> Result<Response, AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    let actor = actor(&operator);
    let added = match form.vouch.is_some() {
        true => domains.vouch(tenant, &form.hostname, &actor).await,
        false => domains.add(tenant, &form.hostname, &actor).await,
    };
    Ok(match added {
        Ok(_) => back(&slug, FlashKind::Success, "flash-saved"),
        Err(DomainError::Invalid(_)) => back(&slug, FlashKind::Error, "domains-refused-invalid"),
        Err(error) => return Err(error.into()),
    })
}

/// `POST /console/tenants/{slug}/domains/{host}/verify`.
pub async fn verify(
    State(domains): State<Domains>,
    CanWrite(operator): CanWrite,
    Path((slug, host)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    let claim = domains.check_now(tenant, &host, &actor(&operator)).await?;
    Ok(match claim.state.routes() {
        true => back(&slug, FlashKind::Success, "domains-flash-verified"),
        false => back(&slug, FlashKind::Error, "domains-flash-not-yet"),
    })
}

/// `POST /console/tenants/{slug}/domains/{host}/delete`.
pub async fn delete(
    State(domains): State<Domains>,
    CanWrite(operator): CanWrite,
    Path((slug, host)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let tenant = domains.tenant_id(&slug).await?;
    domains.remove(tenant, &host, &actor(&operator)).await?;
    Ok(back(&slug, FlashKind::Success, "domains-flash-removed"))
}
