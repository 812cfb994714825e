//! The public portal of a tenant: its home page.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use serde::Serialize;

use crate::announcements::{self, Announcement};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Serialize)]
struct HomePage {
    announcements: Vec<Announcement>,
}

/// `GET /`: the tenant's name and colours (from the cached tenant row), its
/// five latest published announcements and a sign-in link.
async fn home(State(state): State<AppState>, mut tx: TenantTx) -> Result<Html<String>, AppError> {
    let announcements = announcements::latest_published(&mut tx, 5).await?;
    let tenant = tx.tenant().clone();
    tx.commit().await?;
    let page = HomePage { announcements };
    Ok(Html(state.themes.render(&tenant, "home.html", &page)?))
}
