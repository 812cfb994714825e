//! Live figures over server-sent events: `GET /api/v1/dashboard/stream`
//! (a treasurer's or admin's access token, or a key with `reporting:read`)
//! and `GET /dashboard/stream` (the same people's session cookie, for the
//! browser's `EventSource`, which cannot send a bearer token).
//!
//! Events: `totals` first, then `payment` and `signup` as they happen on
//! any instance (through [`crate::live`]), each payment followed by the new
//! `totals`; a comment every 15 s keeps proxies from closing the stream,
//! which ends after ten minutes (`EventSource` reconnects, authorised anew).
//! The handler only authorises and takes a slot: the request's transaction
//! ends when it returns, and the stream borrows nothing from it.

mod figures;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::Stream;
use utoipa::OpenApi;

pub use figures::{Figures, Totals};

use crate::auth::scoped::{Allowed, ReportingRead};
use crate::auth::{RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::Problem;
use crate::live::{Frame, Live, Refused, Subscription};
use crate::themes::Themes;

/// How often a quiet stream sends a comment.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// What browsers wait before reconnecting a dropped stream.
const RETRY: Duration = Duration::from_secs(5);
/// A stream ends after this long (browsers reconnect by themselves): its
/// credentials were checked when it opened, so a session signed out or a
/// token expired since then stops receiving within this time.
const LIFETIME: Duration = Duration::from_secs(10 * 60);

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new().route("/dashboard/stream", get(page_stream))
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new().route("/api/v1/dashboard/stream", get(api_stream))
}

#[derive(OpenApi)]
#[openapi(paths(api_stream))]
pub struct Doc;

pub fn register(_registry: &mut crate::jobs::Registry) {}

/// `GET /api/v1/dashboard/stream`.
#[utoipa::path(operation_id = "dashboard_stream", get, path = "/api/v1/dashboard/stream",
    tag = "reporting", security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
         description = "Server-sent events, `data` in JSON. `totals` first and after each \
             payment: {\"figures\": {\"collected\", \"payments_today\", \"active_members\"} \
             (text in the association's locale), \"values\": {\"collected\" (decimal), \
             \"currency\", \"payments_today\", \"active_members\"}}. `payment`: {\"id\", \
             \"amount\" (decimal), \"currency\", \"method\", \"change\" (recorded, paid or \
             refunded), \"payer\", \"text\"}. `signup`: {\"account_id\", \"name\", \"text\"}. \
             A comment every 15 s; the stream ends after 10 minutes (reconnect) and when \
             the server restarts."),
        (status = 401, description = "No valid access token or key"),
        (status = 403, description = "Not a treasurer or admin, or a key without reporting:read"),
        (status = 429, description = "The association has its streams open on this server (Retry-After)"),
        (status = 503, description = "The server has too many streams open, or is restarting (Retry-After)"),
    ))]
pub async fn api_stream(
    _: Allowed<Treasurer, ReportingRead>,
    State(live): State<Live>,
    tx: TenantTx,
) -> Response {
    open(&live, tx)
}

/// `GET /dashboard/stream`: the same, for a signed-in treasurer's browser.
pub async fn page_stream(
    _: RequireRole<Treasurer>,
    State(live): State<Live>,
    tx: TenantTx,
) -> Response {
    open(&live, tx)
}

/// Takes a stream slot for the request's tenant. The request's transaction
/// is handed back at once (committed when the response head goes out).
fn open(live: &Live, tx: TenantTx) -> Response {
    let tenant = tx.tenant().clone();
    drop(tx);
    match live.subscribe(tenant) {
        Ok(subscription) => {
            let mut response = Sse::new(events(subscription))
                .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
                .into_response();
            // Proxies that buffer (nginx) would hold the events back.
            let headers = response.headers_mut();
            headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
            response
        }
        Err(refused) => refusal(refused),
    }
}

/// The opening totals, then every frame until the instance stops or the
/// stream's [`LIFETIME`] is over.
fn events(subscription: Subscription) -> impl Stream<Item = Result<Event, Infallible>> {
    let end = tokio::time::Instant::now() + LIFETIME;
    futures::stream::unfold(
        (subscription, true),
        move |(mut subscription, first)| async move {
            if first && let Some(frame) = subscription.opening().await {
                return Some((Ok(event(&frame).retry(RETRY)), (subscription, false)));
            }
            let frame = tokio::time::timeout_at(end, subscription.next())
                .await
                .ok()??;
            Some((Ok(event(&frame)), (subscription, false)))
        },
    )
}

fn event(frame: &Arc<Frame>) -> Event {
    Event::default().event(frame.name).data(&frame.data)
}

fn refusal(refused: Refused) -> Response {
    let (status, code, title, retry_after) = match refused {
        Refused::TenantFull(_) => (
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-streams",
            "Too many live streams",
            30_u32,
        ),
        Refused::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "streams-busy",
            "Server busy",
            30,
        ),
        Refused::Closing => (
            StatusCode::SERVICE_UNAVAILABLE,
            "restarting",
            "Server restarting",
            5,
        ),
    };
    let problem = Problem {
        status,
        code,
        title,
        detail: Some(refused.to_string()),
        cause: None,
    };
    let mut response = problem.into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}
