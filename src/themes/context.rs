//! What a template sees: `site` (the tenant's name and branding), `locale`
//! and the links to switch it, `path`, `flash`, `assets` (the tenant's own
//! static files) and `page` (the handler's data).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};
use serde::Serialize;

use super::SUPPORTED_LOCALES;
use super::env::ThemeEnv;
use super::locale;
use super::tenant_files::TenantFiles;
use crate::auth::RequestAuth;
use crate::error::AppError;
use crate::model::{Branding, Link};
use crate::tenancy::Tenant;
use crate::web::CurrentTenant;
use crate::web::flash::Flash;

/// The request as the theme needs it.
#[derive(Debug, Clone)]
pub struct PageView {
    pub tenant: Arc<Tenant>,
    pub locale: &'static str,
    pub path: String,
    pub flash: Option<Flash>,
    /// The visitor holds a session cookie: the header shows their account
    /// links and a sign-out form (which needs `csrf_token`).
    pub signed_in: bool,
    pub csrf_token: Option<String>,
}

impl PageView {
    /// Builds the view from a request's head once the tenant is known.
    pub fn from_head(headers: &HeaderMap, uri: &Uri, tenant: Arc<Tenant>) -> Self {
        let locale =
            locale::chosen(headers).unwrap_or_else(|| super::supported_or_default(&tenant.locale));
        Self {
            tenant,
            locale,
            path: uri.path().to_owned(),
            flash: Flash::from_headers(headers),
            signed_in: false,
            csrf_token: None,
        }
    }

    /// A view without a request (previews, checks, jobs).
    pub fn detached(tenant: Arc<Tenant>, path: &str) -> Self {
        let locale = super::supported_or_default(&tenant.locale);
        Self {
            tenant,
            locale,
            path: path.to_owned(),
            flash: None,
            signed_in: false,
            csrf_token: None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageView {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentTenant(tenant) = CurrentTenant::from_request_parts(parts, state).await?;
        let mut view = Self::from_head(&parts.headers, &parts.uri, tenant);
        if let Some(auth) = parts.extensions.get::<RequestAuth>()
            && auth.session_cookie.is_some()
        {
            view.signed_in = true;
            view.csrf_token = Some(auth.csrf.value().to_owned());
        }
        Ok(view)
    }
}

#[derive(Serialize)]
pub struct RenderContext<'a, T: Serialize> {
    site: SiteView<'a>,
    locale: &'static str,
    locales: Vec<LocaleLink>,
    path: &'a str,
    flash: Option<&'a Flash>,
    signed_in: bool,
    csrf_token: Option<&'a str>,
    assets: BTreeMap<String, String>,
    page: &'a T,
}

#[derive(Serialize)]
struct SiteView<'a> {
    name: &'a str,
    slug: &'a str,
    host: &'a str,
    tagline: Option<&'a str>,
    brand_css: &'a str,
    theme_color: String,
    font: Option<&'static str>,
    logo_url: Option<String>,
    favicon_url: Option<String>,
    footer_text: Option<&'a str>,
    footer_links: &'a [Link],
    social_links: &'a [Link],
}

#[derive(Serialize)]
pub(super) struct LocaleLink {
    code: &'static str,
    /// The language's own name.
    label: &'static str,
    url: String,
    current: bool,
}

/// The language switcher's links for the page at `path`.
pub(super) fn locale_links(path: &str, current: &str) -> Vec<LocaleLink> {
    SUPPORTED_LOCALES
        .iter()
        .map(|code| LocaleLink {
            code,
            label: locale::native_name(code),
            url: format!("{path}?lang={code}"),
            current: *code == current,
        })
        .collect()
}

/// The context of a render; serialised straight into tera's context, or to
/// JSON when it travels to a render worker.
pub fn build<'a, T: Serialize>(
    view: &'a PageView,
    env: &ThemeEnv,
    files: &TenantFiles,
    page: &'a T,
) -> RenderContext<'a, T> {
    let tenant = &view.tenant;
    let brand: &Branding = &tenant.brand;
    let asset = |reference: &Option<String>| resolve_asset(reference.as_deref(), env, files);
    RenderContext {
        site: SiteView {
            name: &tenant.name,
            slug: tenant.slug.as_str(),
            host: tenant.canonical_host().as_str(),
            tagline: brand.tagline.as_deref(),
            brand_css: &tenant.brand_css,
            theme_color: brand.primary_or_default().to_string(),
            font: brand.font.map(|f| f.stack()),
            logo_url: asset(&brand.logo),
            favicon_url: asset(&brand.favicon),
            footer_text: brand.footer_text.as_deref(),
            footer_links: &brand.footer_links,
            social_links: &brand.social_links,
        },
        locale: view.locale,
        locales: locale_links(&view.path, view.locale),
        path: &view.path,
        flash: view.flash.as_ref(),
        signed_in: view.signed_in,
        csrf_token: view.csrf_token.as_deref(),
        assets: files.asset_urls(),
        page,
    }
}

/// A logo or favicon: an https URL as given, or a static file of the tenant
/// or its theme.
fn resolve_asset(reference: Option<&str>, env: &ThemeEnv, files: &TenantFiles) -> Option<String> {
    let reference = reference?;
    if reference.starts_with("https://") {
        return Some(reference.to_owned());
    }
    let file = files
        .statics
        .get(reference)
        .or_else(|| env.statics.get(reference))?;
    Some(super::env::static_url(&file.hash, reference))
}
