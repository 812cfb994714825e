//! `GET /healthz`: 200 when the database answered in the last seconds, 503
//! otherwise. Served on every host, before tenant resolution, so load
//! balancers can probe by IP.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::tenancy::Resolver;

pub async fn healthz(State(resolver): State<Resolver>) -> impl IntoResponse {
    // The resolver's own connection pings every second: no pool slot is
    // needed here, so a flood that fills the pool does not fail the probe.
    if resolver.database_answers().await {
        (StatusCode::OK, "ok\n")
    } else {
        tracing::warn!("health check: database unreachable");
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
    }
}
