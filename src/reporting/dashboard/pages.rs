//! `/dashboard/` (the signed-in staff member's widgets, each a card with
//! « move up », « move down » and « remove » forms, and « reset to the
//! default ») and `/dashboard/widgets/` (the catalogue their role allows,
//! with « add »). No JavaScript needed; for treasurers and admins the
//! dashboard names the live stream and figures `live.js` updates.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::{context, layout};
use crate::auth::{Editor, RequireRole, Role};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::reporting::widgets::{self, Kind, Widget};
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind};
use crate::web::form::Form;

/// The live updates' script, another module's.
const LIVE_JS: &str = "js/live.js";

#[derive(Serialize)]
struct DashboardPage {
    widgets: Vec<Widget>,
    /// Treasurers and admins get live updates (`/dashboard/stream`).
    live: bool,
    /// Whether the person arranged their own (else: their role's default).
    saved: bool,
    /// Whether the theme ships `js/live.js` (the page is whole without it).
    live_js: bool,
}

/// `GET /dashboard/`.
pub async fn page(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let who = guard.principal();
    let stored = layout::saved(&mut tx, who.account_id).await?;
    let saved = stored.is_some();
    let kinds = layout::shown(stored.as_deref(), who.role);
    let ctx = context(&mut tx, &themes, who.role, view.locale).await?;
    let mut shown = Vec::with_capacity(kinds.len());
    for kind in kinds {
        shown.push(widgets::compute(&mut tx, &ctx, kind).await?);
    }
    let live = who.role >= Role::Treasurer;
    let data = DashboardPage {
        widgets: shown,
        live,
        saved,
        live_js: live && ctx.env.statics.contains_key(LIVE_JS),
    };
    let page = themes
        .private_page(&tx, &view, "dashboard/index.html", StatusCode::OK, &data)
        .await?;
    Ok(page)
}

#[derive(Serialize)]
struct Entry {
    id: &'static str,
    title: String,
    help: String,
    shown: bool,
}

#[derive(Serialize)]
struct CataloguePage {
    entries: Vec<Entry>,
}

/// `GET /dashboard/widgets/`.
pub async fn catalogue(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let who = guard.principal();
    let current = layout::of(&mut tx, who.account_id, who.role).await?;
    let env = themes.env(&tx.tenant().theme);
    let entries = widgets::catalogue(who.role)
        .into_iter()
        .map(|kind| Entry {
            id: kind.id(),
            title: env.catalog.text(view.locale, &kind.title_key(), None),
            help: env.catalog.text(view.locale, &kind.help_key(), None),
            shown: current.contains(&kind),
        })
        .collect();
    let data = CataloguePage { entries };
    let template = "dashboard/widgets.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &data)
        .await?)
}

/// A change of the layout: `add`, `up`, `down` or `remove` a `widget`,
/// or `reset` to the role's default.
#[derive(Deserialize)]
pub struct Change {
    action: String,
    #[serde(default)]
    widget: String,
}

/// `POST /dashboard/layout`.
pub async fn change(
    guard: RequireRole<Editor>,
    mut tx: TenantTx,
    Form(form): Form<Change>,
) -> Result<Response, AppError> {
    let who = guard.principal();
    if form.action == "reset" {
        layout::reset(&mut tx, who.account_id).await?;
        return Ok(done("dashboard-flash-reset"));
    }
    let kind = Kind::parse(&form.widget)
        .filter(|k| k.allowed(who.role))
        .ok_or_else(|| refused(&form.widget))?;
    let mut kinds = layout::of(&mut tx, who.account_id, who.role).await?;
    let (changed, key) = apply(&mut kinds, kind, &form.action)?;
    if changed {
        layout::save(&mut tx, who.account_id, &kinds).await?;
    }
    Ok(done(key))
}

fn refused(id: &str) -> AppError {
    let id: String = id.chars().take(40).collect();
    AppError::Unprocessable(format!("no widget \"{id}\" for your role").into())
}

/// Applies one change to `kinds`: whether it changed, and the message.
fn apply(
    kinds: &mut Vec<Kind>,
    kind: Kind,
    action: &str,
) -> Result<(bool, &'static str), AppError> {
    let at = kinds.iter().position(|k| *k == kind);
    Ok(match (action, at) {
        ("add", None) if kinds.len() < layout::MAX_WIDGETS => {
            kinds.push(kind);
            (true, "dashboard-flash-added")
        }
        ("add", _) => (false, "dashboard-flash-added"),
        ("remove", Some(i)) => {
            kinds.remove(i);
            (true, "dashboard-flash-removed")
        }
        ("up", Some(i)) if i > 0 => {
            kinds.swap(i, i - 1);
            (true, "dashboard-flash-moved")
        }
        ("down", Some(i)) if i + 1 < kinds.len() => {
            kinds.swap(i, i + 1);
            (true, "dashboard-flash-moved")
        }
        ("remove" | "up" | "down", _) => (false, "dashboard-flash-moved"),
        _ => return Err(AppError::BadRequest("unknown action".into())),
    })
}

/// 303 to the dashboard with a one-time message.
fn done(key: &str) -> Response {
    let mut response = Redirect::to("/dashboard/").into_response();
    if let Some(cookie) = Flash::new(FlashKind::Success, key).set_cookie() {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
#[path = "pages_tests.rs"]
mod tests;
