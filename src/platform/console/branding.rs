//! `GET|POST /console/tenants/{slug}/edit`: a tenant's name, language,
//! theme and branding, with a preview of the portal's header, text and
//! buttons in the colours being chosen. "Preview" redraws it without
//! saving (no JavaScript needed; with it, colours follow as they are
//! picked). Colours that fail contrast checks are refused with the shade
//! that would pass.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{Branding, Colour};
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::platform::tenants::{TenantBody, Tenants};
use crate::tenancy::audit::Actor;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

/// The form's fields, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BrandForm {
    name: String,
    locale: String,
    theme: String,
    primary: String,
    secondary: String,
    accent: String,
    tagline: String,
    footer_text: String,
    /// `preview` or `save`.
    action: String,
}

impl BrandForm {
    fn from_body(body: &TenantBody) -> Self {
        let hex = |c: Option<Colour>| c.map(|c| c.to_string()).unwrap_or_default();
        Self {
            name: body.name.clone(),
            locale: body.locale.clone(),
            theme: body.theme.clone(),
            primary: hex(body.brand.primary),
            secondary: hex(body.brand.secondary),
            accent: hex(body.brand.accent),
            tagline: body.brand.tagline.clone().unwrap_or_default(),
            footer_text: body.brand.footer_text.clone().unwrap_or_default(),
            action: String::new(),
        }
    }

    /// `current` with this form's changes, or the first field refused.
    fn apply(&self, mut current: TenantBody) -> Result<TenantBody, String> {
        let colour = |raw: &str, field: &str| match raw.trim() {
            "" => Ok(None),
            text => Colour::parse(text)
                .map(Some)
                .map_err(|e| format!("{field}: {e}")),
        };
        let text = |raw: &str| Some(raw.trim().to_owned()).filter(|t| !t.is_empty());
        current.name = self.name.trim().to_owned();
        current.locale = self.locale.clone();
        current.theme = self.theme.clone();
        current.brand.primary = colour(&self.primary, "primary")?;
        current.brand.secondary = colour(&self.secondary, "secondary")?;
        current.brand.accent = colour(&self.accent, "accent")?;
        current.brand.tagline = text(&self.tagline);
        current.brand.footer_text = text(&self.footer_text);
        current.brand.validate().map_err(|e| e.to_string())?;
        Ok(current)
    }
}

#[derive(Serialize)]
struct EditPage<'a> {
    slug: &'a str,
    form: &'a BrandForm,
    themes: Vec<String>,
    /// The chosen colours as CSS custom properties, for the preview.
    preview_css: String,
    error: Option<String>,
    previewing: bool,
}

fn render(
    themes: &Themes,
    tenants: &Tenants,
    view: &ConsoleView,
    slug: &str,
    form: &BrandForm,
    brand: &Branding,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let css = brand.css_variables();
    let page = EditPage {
        slug,
        form,
        themes: tenants.theme_names(),
        // The variables apply to the preview box only, not the console.
        preview_css: css
            .trim_start_matches(":root{")
            .trim_end_matches('}')
            .to_owned(),
        error,
        previewing: form.action == "preview",
    };
    themes.console_page(view, "platform/tenant_edit.html", status, &page)
}

/// `GET /console/tenants/{slug}/edit`.
pub async fn form(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    view: ConsoleView,
    _: OperatorPrincipal,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let current = tenants.current(&slug).await?;
    let form = BrandForm::from_body(&current);
    render(&themes, &tenants, &view, &slug, &form, &current.brand, None)
}

/// `POST /console/tenants/{slug}/edit`: preview, or save.
pub async fn submit(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    view: ConsoleView,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
    Form(form): Form<BrandForm>,
) -> Result<Response, AppError> {
    let current = tenants.current(&slug).await?;
    let shown = current.brand.clone();
    let changed = match form.apply(current) {
        Ok(changed) => changed,
        Err(why) => return render(&themes, &tenants, &view, &slug, &form, &shown, Some(why)),
    };
    if form.action == "preview" {
        return render(&themes, &tenants, &view, &slug, &form, &changed.brand, None);
    }
    let actor = Actor::operator(operator.id, &operator.email, "console", operator.ip);
    match tenants.update(&changed, &actor).await {
        Ok(_) => Ok(redirect_with(
            &format!("/console/tenants/{slug}"),
            Some(Flash::new(FlashKind::Success, "flash-saved")),
        )),
        Err(AppError::Unprocessable(why)) => render(
            &themes,
            &tenants,
            &view,
            &slug,
            &form,
            &changed.brand,
            Some(why.into_owned()),
        ),
        Err(other) => Err(other),
    }
}
