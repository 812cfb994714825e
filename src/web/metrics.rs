//! Prometheus metrics: the process-wide recorder, a middleware that counts and
//! times requests, and `GET /metrics`, served only on a [`Listener`] of its
//! own (loopback by default): platform-wide figures are for the operator,
//! never for whoever reaches the public port, whatever `Host` they send.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::db::Database;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Installs the global recorder once per process and returns its handle.
pub fn recorder() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("tessera_http_request_duration_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first (tests that
            // embed several apps); the handle then simply renders nothing new.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts requests by route and status class, and records their duration.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str())
        .to_owned();
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics::counter!("tessera_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    metrics::histogram!("tessera_http_request_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    response
}

/// What a scrape reads: the recorder, and the pools for their gauges.
#[derive(Clone)]
struct Scrape {
    recorder: PrometheusHandle,
    db: Database,
}

/// `GET /metrics` in the Prometheus text format.
async fn render(State(scrape): State<Scrape>) -> impl IntoResponse {
    super::gauges::refresh(&scrape.db).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.recorder.render(),
    )
}

/// The bound metrics listener: `GET /metrics`, and 404 for anything else.
pub struct Listener {
    listener: TcpListener,
    router: Router,
}

impl Listener {
    pub async fn bind(
        addr: SocketAddr,
        recorder: PrometheusHandle,
        db: Database,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let router = Router::new()
            .route("/metrics", get(render))
            .with_state(Scrape { recorder, db });
        Ok(Self { listener, router })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Serves until the task running it is aborted (scrapes are short and
    /// idempotent, so nothing needs draining).
    pub async fn serve(self) {
        if let Err(error) = axum::serve(self.listener, self.router).await {
            tracing::error!(%error, "metrics listener stopped");
        }
    }
}
