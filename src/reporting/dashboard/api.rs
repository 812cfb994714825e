//! `/api/v1/dashboard/…`: the caller's widgets with their data, the
//! catalogue their role allows, and their layout (read, replace, reset).
//! Staff only (editors and up), or API keys with `reporting:read` /
//! `reporting:write` (keys act as the admin who made them).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{context, layout};
use crate::api::json::ApiJson;
use crate::auth::scoped::{Allowed, ReportingRead, ReportingWrite};
use crate::auth::{Editor, Principal};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::reporting::widgets::{self, Kind, WidgetData};
use crate::themes::{SUPPORTED_LOCALES, Themes, supported_or_default};

type Reader = Allowed<Editor, ReportingRead>;
type Writer = Allowed<Editor, ReportingWrite>;

/// The language of the titles: the first supported one of
/// `Accept-Language`, else the association's.
fn language(headers: &HeaderMap, tx: &TenantTx) -> &'static str {
    let asked = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    asked
        .split(',')
        .filter_map(|tag| tag.split(';').next())
        .filter_map(|tag| tag.trim().split('-').next())
        .find_map(|primary| {
            SUPPORTED_LOCALES
                .iter()
                .copied()
                .find(|l| l.eq_ignore_ascii_case(primary))
        })
        .unwrap_or_else(|| supported_or_default(&tx.tenant().locale))
}

#[utoipa::path(operation_id = "dashboard_widgets", get, path = "/api/v1/dashboard/widgets", tag = "dashboard",
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Vec<WidgetData>, description = "The caller's widgets, in order, each with its figures"),
              (status = 403, description = "Members, or a key without reporting:read")))]
pub async fn list(
    State(themes): State<Themes>,
    who: Reader,
    headers: HeaderMap,
    mut tx: TenantTx,
) -> Result<Json<Vec<WidgetData>>, AppError> {
    let who = who.principal();
    let kinds = layout::of(&mut tx, who.account_id, who.role).await?;
    let lang = language(&headers, &tx);
    let ctx = context(&mut tx, &themes, who.role, lang).await?;
    let mut out = Vec::with_capacity(kinds.len());
    for kind in kinds {
        out.push(widgets::compute(&mut tx, &ctx, kind).await?.data);
    }
    Ok(Json(out))
}

/// A widget the caller may show.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueEntry {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The least role that sees it: `editor` or `treasurer`.
    pub min_role: String,
    /// Whether it is on the caller's dashboard.
    pub shown: bool,
}

#[utoipa::path(operation_id = "dashboard_catalogue", get, path = "/api/v1/dashboard/widgets/catalogue", tag = "dashboard",
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Vec<CatalogueEntry>), (status = 403)))]
pub async fn catalogue(
    State(themes): State<Themes>,
    who: Reader,
    headers: HeaderMap,
    mut tx: TenantTx,
) -> Result<Json<Vec<CatalogueEntry>>, AppError> {
    let who = who.principal();
    let current = layout::of(&mut tx, who.account_id, who.role).await?;
    let env = themes.env(&tx.tenant().theme);
    let lang = language(&headers, &tx);
    Ok(Json(
        widgets::catalogue(who.role)
            .into_iter()
            .map(|kind| CatalogueEntry {
                id: kind.id().to_owned(),
                title: env.catalog.text(lang, &kind.title_key(), None),
                description: env.catalog.text(lang, &kind.help_key(), None),
                min_role: kind.min_role().as_str().to_owned(),
                shown: current.contains(&kind),
            })
            .collect(),
    ))
}

/// A layout: widget ids in order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Layout {
    pub widgets: Vec<String>,
    /// In answers: whether it is the caller's own (else their role's default).
    #[serde(default)]
    pub saved: bool,
}

async fn layout_of(tx: &mut TenantTx, who: &Principal) -> Result<Layout, AppError> {
    let stored = layout::saved(tx, who.account_id).await?;
    let kinds = layout::shown(stored.as_deref(), who.role);
    let saved = stored.is_some();
    Ok(Layout {
        widgets: kinds.iter().map(|k| k.id().to_owned()).collect(),
        saved,
    })
}

#[utoipa::path(operation_id = "dashboard_layout", get, path = "/api/v1/dashboard/layout", tag = "dashboard",
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Layout), (status = 403)))]
pub async fn show(who: Reader, mut tx: TenantTx) -> Result<Json<Layout>, AppError> {
    Ok(Json(layout_of(&mut tx, who.principal()).await?))
}

#[utoipa::path(operation_id = "dashboard_layout_save", put, path = "/api/v1/dashboard/layout", tag = "dashboard",
    request_body = Layout, security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 200, body = Layout),
              (status = 422, description = "An unknown widget, one above the caller's role, one listed twice, or too many; the message names it"),
              (status = 403)))]
pub async fn save(
    who: Writer,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Layout>,
) -> Result<Json<Layout>, AppError> {
    let who = who.principal();
    let kinds: Vec<Kind> = layout::parse(&body.widgets, who.role)
        .map_err(|refused| AppError::Unprocessable(refused.to_string().into()))?;
    layout::save(&mut tx, who.account_id, &kinds).await?;
    Ok(Json(layout_of(&mut tx, who).await?))
}

#[utoipa::path(operation_id = "dashboard_layout_reset", delete, path = "/api/v1/dashboard/layout", tag = "dashboard",
    security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 200, body = Layout, description = "The role's default, now shown"), (status = 403)))]
pub async fn reset(who: Writer, mut tx: TenantTx) -> Result<Json<Layout>, AppError> {
    let who = who.principal();
    layout::reset(&mut tx, who.account_id).await?;
    Ok(Json(layout_of(&mut tx, who).await?))
}
