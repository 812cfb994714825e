//! Pages of the platform host (the operators' console, sign-in, self-service
//! sign-up): rendered in this process with the built-in default theme only,
//! never with any tenant's files, under the platform's own name.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::context::{LocaleLink, locale_links};
use super::env::ROOT_THEME;
use super::{RenderError, Themes, filters, locale};
use crate::auth::RequestAuth;
use crate::error::AppError;
use crate::model::Branding;
use crate::web::flash::Flash;

/// The console's colours: the default brand.
static BRAND_CSS: LazyLock<String> = LazyLock::new(|| Branding::default().css_variables());

/// A platform-host request as its pages need it.
#[derive(Debug, Clone)]
pub struct ConsoleView {
    pub locale: &'static str,
    pub path: String,
    pub flash: Option<Flash>,
    pub csrf_token: Option<String>,
    /// The browser holds a console session cookie: the header shows the
    /// console's links and a sign-out form.
    pub signed_in: bool,
    /// The platform host as the request named it.
    pub host: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ConsoleView {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let auth = parts.extensions.get::<RequestAuth>();
        Ok(Self {
            locale: locale::chosen(&parts.headers).unwrap_or("en"),
            path: parts.uri.path().to_owned(),
            flash: Flash::from_headers(&parts.headers),
            csrf_token: auth.map(|a| a.csrf.value().to_owned()),
            signed_in: auth.is_some_and(|a| a.session_cookie.is_some()),
            host: auth.map(|a| a.host.clone()).unwrap_or_default(),
        })
    }
}

#[derive(Serialize)]
struct ConsoleContext<'a, T: Serialize> {
    site: SiteView<'a>,
    locale: &'static str,
    locales: Vec<LocaleLink>,
    path: &'a str,
    flash: Option<&'a Flash>,
    signed_in: bool,
    csrf_token: Option<&'a str>,
    page: &'a T,
}

#[derive(Serialize)]
struct SiteView<'a> {
    name: &'static str,
    slug: &'static str,
    host: &'a str,
    brand_css: &'a str,
    theme_color: String,
}

impl Themes {
    /// Renders `template` (under `platform/`) of the built-in theme.
    pub fn render_console<T: Serialize>(
        &self,
        view: &ConsoleView,
        template: &str,
        page: &T,
    ) -> Result<String, RenderError> {
        let env = self.env(ROOT_THEME);
        let context = ConsoleContext {
            site: SiteView {
                name: "Tessera",
                slug: "platform",
                host: &view.host,
                brand_css: &BRAND_CSS,
                theme_color: Branding::default().primary_or_default().to_string(),
            },
            locale: view.locale,
            locales: locale_links(&view.path, view.locale),
            path: &view.path,
            flash: view.flash.as_ref(),
            signed_in: view.signed_in,
            csrf_token: view.csrf_token.as_deref(),
            page,
        };
        let context = tera::Context::from_serialize(&context)?;
        Ok(filters::render_bounded(&env.tera, template, &context)?)
    }

    /// A console page for one operator: never stored by any cache, and
    /// never framed by another site.
    pub fn console_page<T: Serialize>(
        &self,
        view: &ConsoleView,
        template: &str,
        status: StatusCode,
        page: &T,
    ) -> Result<Response, AppError> {
        let html = self.render_console(view, template, page)?;
        let headers = [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
        ];
        Ok((status, headers, Html(html)).into_response())
    }
}
