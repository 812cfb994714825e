//! `GET /healthz`: 200 when the database answered in the last seconds, 503
//! otherwise. Served on every host, before tenant resolution, so load
//! balancers can probe by IP.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::state::AppState;

pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    // The resolver's own connection pings every second: no pool slot is
    // needed here, so a flood that fills the pool does not fail the probe.
    if state.resolver.database_answers().await {
        (StatusCode::OK, "ok\n")
    } else {
        tracing::warn!("health check: database unreachable");
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}
