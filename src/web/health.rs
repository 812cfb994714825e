//! Probes, served on every host before tenant resolution so that load
//! balancers and orchestrators can probe by IP:
//! - `GET /livez`: 200 while the process serves (restart it otherwise);
//! - `GET /healthz`: 200 when the database answered in the last seconds;
//! - `GET /readyz`: as `/healthz`, and 503 once the instance is draining, so
//!   a balancer stops sending it new requests before it stops listening.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::tenancy::Resolver;

/// Whether this instance still takes new work. Shared by the router (which
/// reports it) and the server loop (which starts draining on shutdown).
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// From now on `/readyz` answers 503; requests are still served.
    pub fn start_draining(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

pub async fn livez() -> &'static str {
    "ok\n"
}

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

pub async fn readyz(
    State(readiness): State<Readiness>,
    resolver: State<Resolver>,
) -> axum::response::Response {
    if readiness.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining\n").into_response();
    }
    healthz(resolver).await.into_response()
}
