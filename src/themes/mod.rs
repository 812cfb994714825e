//! Themes: tera environments, branding rendered as CSS custom properties, and
//! translations (fluent).
//!
//! The built-in default theme (`themes/default/`) is embedded in the binary,
//! so Tessera runs with no theme folder at all.

mod branding;
mod colour;
mod filters;
mod i18n;

use std::sync::Arc;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use include_dir::{Dir, include_dir};
use serde::Serialize;
use tera::{Context, Tera};

pub use branding::{Branding, DEFAULT_PRIMARY, Link};
pub use colour::{Colour, ColourError};
pub use i18n::{Catalog, SUPPORTED_LOCALES, is_supported_locale, supported_or_default};

use crate::error::Problem;
use crate::tenancy::Tenant;
use crate::web::neutral;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template: {0}")]
    Template(#[from] tera::Error),
    #[error("translations: {0}")]
    Catalog(#[from] i18n::CatalogError),
    #[error("theme file {0} is not UTF-8")]
    Encoding(String),
}

/// The registry of themes. Cheap to clone.
#[derive(Clone)]
pub struct Themes {
    builtin: Arc<Tera>,
    catalog: Catalog,
}

/// Everything a template sees.
#[derive(Serialize)]
struct RenderContext<'a, T: Serialize> {
    site: SiteView<'a>,
    locale: &'static str,
    page: &'a T,
}

/// The tenant as templates see it.
#[derive(Serialize)]
struct SiteView<'a> {
    name: &'a str,
    slug: &'a str,
    brand: &'a Branding,
    brand_css: &'a str,
}

impl Themes {
    /// Loads the built-in theme and its translations.
    pub fn builtin() -> Result<Self, RenderError> {
        let catalog = Catalog::from_sources(embedded_locales()?)?;
        let mut tera = Tera::default();
        filters::register(&mut tera, &catalog);
        tera.add_raw_templates(embedded_templates()?)?;
        Ok(Self {
            builtin: Arc::new(tera),
            catalog,
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Renders `template` for `tenant` with `page` as the page's data.
    pub fn render<T: Serialize>(
        &self,
        tenant: &Tenant,
        template: &str,
        page: &T,
    ) -> Result<String, RenderError> {
        let context = RenderContext {
            site: SiteView {
                name: &tenant.name,
                slug: tenant.slug.as_str(),
                brand: &tenant.brand,
                brand_css: &tenant.brand_css,
            },
            locale: supported_or_default(&tenant.locale),
            page,
        };
        let context = Context::from_serialize(&context)?;
        Ok(self.builtin.render(template, &context)?)
    }

    /// A themed error page; the neutral page if even that fails.
    pub fn error_page(&self, tenant: &Tenant, problem: &Problem) -> Response {
        #[derive(Serialize)]
        struct ErrorPage<'a> {
            status: u16,
            code: &'a str,
            detail: Option<&'a str>,
        }
        let page = ErrorPage {
            status: problem.status.as_u16(),
            code: problem.code,
            detail: problem.detail.as_deref(),
        };
        match self.render(tenant, "error.html", &page) {
            Ok(html) => (
                problem.status,
                [(header::CACHE_CONTROL, "no-store")],
                Html(html),
            )
                .into_response(),
            Err(error) => {
                tracing::error!(%error, "error page failed to render");
                neutral::error(problem.status, problem.title)
            }
        }
    }

    /// A page that does not depend on a tenant's theme (e.g. 404 at `/x`).
    pub fn not_found(&self, tenant: &Tenant) -> Response {
        self.error_page(tenant, &crate::error::AppError::NotFound.problem())
    }
}

fn embedded_templates() -> Result<Vec<(String, String)>, RenderError> {
    let Some(dir) = BUILTIN.get_dir("templates") else {
        return Ok(Vec::new());
    };
    let mut templates = Vec::new();
    collect_files(dir, &mut |path, text| {
        let name = path.strip_prefix("templates/").unwrap_or(path).to_owned();
        templates.push((name, text.to_owned()));
    })?;
    Ok(templates)
}

fn embedded_locales() -> Result<Vec<(&'static str, &'static str)>, RenderError> {
    let mut sources = Vec::new();
    for locale in SUPPORTED_LOCALES {
        let Some(dir) = BUILTIN.get_dir(format!("locales/{locale}")) else {
            continue;
        };
        for file in dir.files() {
            let text = file
                .contents_utf8()
                .ok_or_else(|| RenderError::Encoding(file.path().display().to_string()))?;
            sources.push((*locale, text));
        }
    }
    Ok(sources)
}

fn collect_files(
    dir: &'static Dir<'static>,
    visit: &mut impl FnMut(&str, &'static str),
) -> Result<(), RenderError> {
    for file in dir.files() {
        let path = file.path().to_string_lossy();
        let text = file
            .contents_utf8()
            .ok_or_else(|| RenderError::Encoding(path.to_string()))?;
        visit(&path, text);
    }
    for sub in dir.dirs() {
        collect_files(sub, visit)?;
    }
    Ok(())
}
