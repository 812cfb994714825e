//! Console pages of tenants: the searchable list, the creation form (the
//! same provisioning as `tessera tenant create`), a tenant's detail with
//! its hosts, schema and audit trail, and suspend/resume with a reason.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::TenantStatus;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::platform::tenants::list::TenantDetail;
use crate::platform::tenants::{Created, ListFilter, TenantBody, TenantPage, Tenants};
use crate::tenancy::audit::Actor;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::extract::{Path, Query};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

#[derive(Serialize)]
struct ListPage<'a> {
    operator: OperatorPrincipal,
    filter: &'a ListFilter,
    tenants: TenantPage,
}

pub async fn list(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    view: ConsoleView,
    operator: OperatorPrincipal,
    Query(filter): Query<ListFilter>,
) -> Result<Response, AppError> {
    let page = ListPage {
        operator,
        tenants: tenants.list(&filter).await?,
        filter: &filter,
    };
    themes.console_page(&view, "platform/tenants.html", StatusCode::OK, &page)
}

/// The creation form as typed (strings only, so nothing is lost on error).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct NewForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    primary: String,
    #[serde(default)]
    domains: String,
}

#[derive(Serialize)]
struct NewPage<'a> {
    form: &'a NewForm,
    themes: Vec<String>,
    error: Option<String>,
    created: Option<Created>,
}

pub async fn new_form(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    view: ConsoleView,
    _: CanWrite,
) -> Result<Response, AppError> {
    let form = NewForm {
        locale: "fr".into(),
        theme: "default".into(),
        ..Default::default()
    };
    let page = NewPage {
        form: &form,
        themes: tenants.theme_names(),
        error: None,
        created: None,
    };
    themes.console_page(&view, "platform/tenant_new.html", StatusCode::OK, &page)
}

fn body_of(form: &NewForm) -> Result<TenantBody, AppError> {
    let mut brand = crate::model::Branding::default();
    if !form.primary.trim().is_empty() {
        let colour = crate::model::Colour::parse(form.primary.trim())
            .map_err(|e| AppError::Unprocessable(e.to_string().into()))?;
        brand.primary = Some(colour);
    }
    Ok(TenantBody {
        slug: form.slug.clone(),
        name: form.name.clone(),
        locale: form.locale.clone(),
        theme: form.theme.clone(),
        brand,
        domains: form
            .domains
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
        admin_email: Some(form.admin_email.clone()),
    })
}

pub async fn create(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    view: ConsoleView,
    CanWrite(operator): CanWrite,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    let actor = Actor::operator(operator.id, &operator.email, "console", operator.ip);
    let outcome = match body_of(&form) {
        Ok(body) => tenants.create(&body, &actor).await,
        Err(error) => Err(error),
    };
    let (status, error, created) = match outcome {
        Ok(created) => (StatusCode::CREATED, None, Some(created)),
        Err(error @ (AppError::Conflict(_) | AppError::Unprocessable(_))) => {
            (error.problem().status, Some(error.to_string()), None)
        }
        Err(error) => return Err(error),
    };
    let page = NewPage {
        form: &form,
        themes: tenants.theme_names(),
        error,
        created,
    };
    themes.console_page(&view, "platform/tenant_new.html", status, &page)
}

#[derive(Serialize)]
struct DetailPage {
    operator: OperatorPrincipal,
    detail: TenantDetail,
    domains: Vec<crate::domains::api::DomainView>,
}

pub async fn detail(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    State(domains): State<crate::domains::Domains>,
    view: ConsoleView,
    operator: OperatorPrincipal,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let detail = tenants.detail(&slug).await?;
    let claims = domains.list(domains.tenant_id(&slug).await?).await?;
    let page = DetailPage {
        operator,
        domains: crate::domains::api::DomainView::load(&domains, claims).await?,
        detail,
    };
    themes.console_page(&view, "platform/tenant.html", StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn suspend(
    State(tenants): State<Tenants>,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    change_status(
        &tenants,
        &operator,
        &slug,
        TenantStatus::Suspended,
        &form.reason,
    )
    .await
}

pub async fn resume(
    State(tenants): State<Tenants>,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    change_status(&tenants, &operator, &slug, TenantStatus::Active, "").await
}

async fn change_status(
    tenants: &Tenants,
    operator: &OperatorPrincipal,
    slug: &str,
    status: TenantStatus,
    reason: &str,
) -> Result<Response, AppError> {
    let actor = Actor::operator(operator.id, &operator.email, "console", operator.ip);
    tenants
        .set_status(slug, status, Some(reason), &actor)
        .await?;
    let key = match status {
        TenantStatus::Suspended => "op-flash-suspended",
        TenantStatus::Active | TenantStatus::Deleted => "op-flash-resumed",
    };
    let to = format!("/console/tenants/{slug}");
    Ok(redirect_with(
        &to,
        Some(Flash::new(FlashKind::Success, key)),
    ))
}
