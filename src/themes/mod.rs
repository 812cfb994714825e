//! Themes: tera environments per theme, tenants' own templates and static
//! files, branding rendered as CSS custom properties, and translations.
//!
//! Templates resolve tenant → theme → parent theme(s) → the built-in default
//! theme (`themes/default/`, embedded in the binary so Tessera runs with no
//! theme folder). Tenants' own templates are untrusted and render in worker
//! processes ([`sandbox`]); if they fail, members get the theme's page.

pub mod assets;
pub mod console;
mod context;
pub mod env;
pub mod filters;
mod i18n;
pub mod locale;
pub mod preview;
pub mod sandbox;
pub mod source;
pub mod tenant_files;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use include_dir::{Dir, include_dir};
use serde::Serialize;

pub use crate::model::{BrandError, Branding, Colour, ColourError, DEFAULT_PRIMARY, Font, Link};
pub use context::PageView;
pub use i18n::{Catalog, SUPPORTED_LOCALES, is_supported_locale, supported_or_default};

use crate::db::TenantTx;
use crate::error::{AppError, Problem};
use crate::model::TenantId;
use crate::tenancy::Tenant;
use crate::web::neutral;
use env::{ROOT_THEME, Sources, ThemeEnv};
use sandbox::{Sandbox, SandboxConfig, SandboxError, protocol::Job};
use source::ThemeSource;
use tenant_files::{FilesCache, TenantFiles};

/// The themes shipped in `themes/`, built into the binary.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes");

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template: {}", sandbox::describe(.0))]
    Template(#[from] tera::Error),
    #[error("translations: {0}")]
    Catalog(#[from] i18n::CatalogError),
    #[error("theme: {0}")]
    Theme(String),
    #[error("context: {0}")]
    Context(#[from] serde_json::Error),
    #[error("loading the tenant's files: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the tenant's own templates failed: {0}")]
    Tenant(String),
}

/// A database failure keeps its meaning (a busy pool is 503, not 500).
impl From<RenderError> for AppError {
    fn from(error: RenderError) -> Self {
        match error {
            RenderError::Database(error) => AppError::Database(error),
            other => AppError::Render(Box::new(other)),
        }
    }
}

/// The registry of themes and tenants' overrides. Cheap to clone.
#[derive(Clone)]
pub struct Themes {
    inner: Arc<Inner>,
}

struct Inner {
    themes_dir: PathBuf,
    /// Rebuild environments from disk on every render (development).
    dev: bool,
    envs: RwLock<BTreeMap<String, Arc<ThemeEnv>>>,
    tenant_files: FilesCache,
    sandbox: Option<Sandbox>,
    /// The last failure of each tenant's own templates, for its administrators.
    last_errors: moka::sync::Cache<TenantId, String>,
    /// Tenants whose failure was logged in the last minute.
    warned: moka::sync::Cache<TenantId, ()>,
}

/// A rendered page.
#[derive(Debug)]
pub struct Rendered {
    pub html: String,
    /// The theme's page stood in for the tenant's own templates, which failed
    /// or could not run now (workers busy, breaker open): serve it, but do
    /// not cache it.
    pub degraded: bool,
}

impl Rendered {
    fn own(html: String) -> Self {
        Self {
            html,
            degraded: false,
        }
    }
}

/// How often a tenant's template failures are logged, at most.
const WARN_EVERY: Duration = Duration::from_secs(60);

impl Themes {
    /// The built-in themes plus every theme folder in `themes_dir` (a folder
    /// named like a built-in theme replaces it, which is how development
    /// edits show up). Tenants' own templates are rendered by `sandbox`
    /// workers; without one they are ignored.
    pub fn load(
        themes_dir: &Path,
        dev: bool,
        sandbox: Option<SandboxConfig>,
    ) -> Result<Self, RenderError> {
        let envs = build_all(&load_sources(themes_dir)?)?;
        Ok(Self {
            inner: Arc::new(Inner {
                themes_dir: themes_dir.to_owned(),
                dev,
                envs: RwLock::new(envs),
                tenant_files: FilesCache::new(10_000),
                sandbox: sandbox.map(Sandbox::new),
                last_errors: moka::sync::Cache::builder().max_capacity(10_000).build(),
                warned: moka::sync::Cache::builder()
                    .max_capacity(10_000)
                    .time_to_live(WARN_EVERY)
                    .build(),
            }),
        })
    }

    pub fn names(&self) -> Vec<String> {
        self.inner
            .envs
            .read()
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn has(&self, name: &str) -> bool {
        self.inner.envs.read().is_ok_and(|e| e.contains_key(name))
    }

    /// The environment of theme `name`, or of the default theme if unknown.
    pub fn env(&self, name: &str) -> Arc<ThemeEnv> {
        if self.inner.dev {
            self.reload();
        }
        let envs = self.inner.envs.read();
        let envs = match &envs {
            Ok(envs) => envs,
            Err(poisoned) => poisoned.get_ref(),
        };
        match envs.get(name).or_else(|| envs.get(ROOT_THEME)) {
            Some(env) => env.clone(),
            None => Arc::new(ThemeEnv::empty()),
        }
    }

    /// Re-reads every theme from disk; keeps the current ones on error.
    fn reload(&self) {
        match load_sources(&self.inner.themes_dir).and_then(|s| build_all(&s)) {
            Ok(fresh) => {
                if let Ok(mut envs) = self.inner.envs.write() {
                    *envs = fresh;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "theme reload failed; keeping the previous version")
            }
        }
    }

    /// The tenant's own files, from memory or its schema.
    /// A miss reads them in a transaction of its own: other requests may be
    /// waiting for the same load, which must not share this request's fate.
    pub async fn tenant_files(&self, tx: &TenantTx) -> Result<Arc<TenantFiles>, RenderError> {
        let tenant = tx.tenant();
        let load = async {
            let mut tx = tx.sibling();
            let files = tenant_files::load(&mut tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Arc::new(files))
        };
        self.inner
            .tenant_files
            .get_or_load(tenant.id, load)
            .await
            .map_err(|e| RenderError::Theme(e.to_string()))
    }

    /// Forgets what is cached for a tenant (its files changed): the next
    /// render reads them again.
    pub fn invalidate_tenant(&self, tenant_id: TenantId) {
        self.inner.tenant_files.invalidate(tenant_id);
    }

    pub fn invalidate_all(&self) {
        self.inner.tenant_files.invalidate_all();
    }

    /// The last failure of the tenant's own templates, if any.
    pub fn last_error(&self, tenant_id: TenantId) -> Option<String> {
        self.inner.last_errors.get(&tenant_id)
    }

    /// Renders `template` for the request described by `view`, with `page`
    /// as the page's data. A tenant's own templates are tried first (in the
    /// sandbox); if they fail, the theme's version is rendered.
    pub async fn render<T: Serialize>(
        &self,
        tx: &TenantTx,
        view: &PageView,
        template: &str,
        page: &T,
    ) -> Result<String, RenderError> {
        Ok(self.render_page(tx, view, template, page).await?.html)
    }

    /// Renders a page meant for one person (someone's data, a form with its
    /// CSRF token) as a response that no cache may store.
    pub async fn private_page<T: Serialize>(
        &self,
        tx: &TenantTx,
        view: &PageView,
        template: &str,
        status: StatusCode,
        page: &T,
    ) -> Result<Response, RenderError> {
        let html = self.render(tx, view, template, page).await?;
        Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
    }

    /// Like [`Themes::render`], and says whether the page is the theme's
    /// stand-in for the tenant's own, which failed or could not run now
    /// ([`Rendered::degraded`]): such a page must not be cached.
    pub async fn render_page<T: Serialize>(
        &self,
        tx: &TenantTx,
        view: &PageView,
        template: &str,
        page: &T,
    ) -> Result<Rendered, RenderError> {
        self.render_with(tx, view, template, page, false).await
    }

    /// Like [`Themes::render`], but a failure of the tenant's own templates is
    /// returned instead of hidden: what previews and `theme check` show.
    pub async fn render_strict<T: Serialize>(
        &self,
        tx: &TenantTx,
        view: &PageView,
        template: &str,
        page: &T,
    ) -> Result<String, RenderError> {
        Ok(self.render_with(tx, view, template, page, true).await?.html)
    }

    async fn render_with<T: Serialize>(
        &self,
        tx: &TenantTx,
        view: &PageView,
        template: &str,
        page: &T,
        strict: bool,
    ) -> Result<Rendered, RenderError> {
        let files = self.tenant_files(tx).await?;
        let env = self.env(&view.tenant.theme);
        let context = context::build(view, &env, &files, page);
        let mut degraded = false;
        if files.has_templates()
            && let Some(sandbox) = &self.inner.sandbox
        {
            let job = Job {
                tenant_id: view.tenant.id,
                version: files.version,
                theme: env.name.clone(),
                theme_build: env.build,
                templates: None,
                template: template.to_owned(),
                context: serde_json::to_value(&context)?,
            };
            match sandbox.render(job, &files.templates).await {
                Ok(html) => return Ok(Rendered::own(html)),
                Err(error) if strict => return Err(RenderError::Tenant(error.to_string())),
                Err(error) => {
                    self.note_failure(&view.tenant, &error);
                    degraded = true;
                }
            }
        }
        let context = tera::Context::from_serialize(&context)?;
        let html = filters::render_bounded(&env.tera, template, &context)?;
        Ok(Rendered { html, degraded })
    }

    /// Keeps the error for the tenant's administrators and logs it, at most
    /// once a minute per tenant (a broken tenant's visitors would flood the
    /// log otherwise).
    fn note_failure(&self, tenant: &Tenant, error: &SandboxError) {
        if error.is_the_templates_fault() {
            self.inner.last_errors.insert(tenant.id, error.to_string());
        }
        if self.inner.warned.get(&tenant.id).is_none() {
            self.inner.warned.insert(tenant.id, ());
            tracing::warn!(tenant = %tenant.slug, %error, "tenant templates not used; serving the theme's page");
        }
    }

    /// A themed error page, rendered here with the theme only: no sandbox
    /// and no database, so errors stay cheap when either is overloaded (the
    /// tenant's files are used for its logo when they are in memory). The
    /// neutral page if even that fails.
    pub async fn error_page(&self, view: &PageView, problem: &Problem) -> Response {
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
        let files = self.inner.tenant_files.cached(view.tenant.id).await;
        let env = self.env(&view.tenant.theme);
        let context = context::build(view, &env, &files.unwrap_or_default(), &page);
        let rendered = tera::Context::from_serialize(&context)
            .map_err(RenderError::from)
            .and_then(|context| Ok(filters::render_bounded(&env.tera, "error.html", &context)?));
        match rendered {
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

    /// The worker pool, if tenants' templates are rendered (for diagnostics
    /// and tests).
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.inner.sandbox.as_ref()
    }

    /// Checks that a tenant's templates compile against `theme` (syntax,
    /// unknown functions or filters, missing includes), in this process:
    /// parsing is bounded, only rendering needs the sandbox.
    pub fn check_templates(
        &self,
        theme: &str,
        templates: &BTreeMap<String, String>,
    ) -> Result<(), String> {
        sandbox::worker::compile(&self.env(theme), templates)
            .map(|_| ())
            .map_err(|e| sandbox::describe(&e))
    }
}

fn load_sources(themes_dir: &Path) -> Result<Sources, RenderError> {
    let mut sources = Sources::new();
    for dir in BUILTIN.dirs() {
        let builtin = ThemeSource::embedded(dir)?;
        sources.insert(builtin.name.clone(), Arc::new(builtin));
    }
    let Ok(entries) = std::fs::read_dir(themes_dir) else {
        return Ok(sources);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.join("theme.toml").is_file() {
            let theme = ThemeSource::from_dir(&path)?;
            sources.insert(theme.name.clone(), Arc::new(theme));
        }
    }
    Ok(sources)
}

fn build_all(sources: &Sources) -> Result<BTreeMap<String, Arc<ThemeEnv>>, RenderError> {
    sources
        .keys()
        .map(|name| Ok((name.clone(), Arc::new(ThemeEnv::build(sources, name)?))))
        .collect()
}
