//! The middleware stack shared by every host, and the request span.

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestId, MakeRequestUuid, PropagateRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
                   frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// Wraps `router` in the stack, outermost first: our own request id → trace span →
/// id echoed in the response → timeout → body limit → security headers.
/// Browsers must keep to HTTPS for a year, subdomains (other tenants) too.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// What a request may take: multipart bodies (file uploads, each held to
/// its tenant's own limit as it is read) may be larger, and slower to
/// come from a phone, than other requests.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body: usize,
    pub timeout: Duration,
    pub multipart_body: usize,
    pub multipart_timeout: Duration,
}

/// `hsts`: browsers reach us over HTTPS only (`http.secure_cookies`).
pub fn stack(router: Router, limits: Limits, hsts: bool) -> Router {
    let layers = ServiceBuilder::new()
        .map_request(assign_request_id)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(axum::middleware::from_fn(move |request: Request, next| {
            time_limit(limits, request, next)
        }))
        .layer(axum::middleware::from_fn(super::errors::too_large))
        .layer(axum::middleware::from_fn(move |request: Request, next| {
            limit_body(limits, request, next)
        }))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header_layer(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(header_layer(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ));
    let router = router.layer(layers);
    match hsts {
        true => router.layer(header_layer(header::STRICT_TRANSPORT_SECURITY, HSTS)),
        false => router,
    }
}

/// Applies the body limit that fits the request's content type, as
/// tower-http's limit does: a declared length over it is answered 413 at
/// once, and a body that runs past it is cut off (its reader fails with
/// a length-limit error, which extractors turn into 413).
async fn limit_body(
    limits: Limits,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers();
    let limit = match is_multipart(headers) {
        true => limits.multipart_body.max(limits.body),
        false => limits.body,
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

/// Answers 503 when the request takes longer than its time (the handler
/// is dropped, and with it its transaction, rolled back).
async fn time_limit(
    limits: Limits,
    request: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let timeout = match is_multipart(request.headers()) {
        true => limits.multipart_timeout.max(limits.timeout),
        false => limits.timeout,
    };
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// An id the client sent, kept only to be logged next to ours.
#[derive(Debug, Clone)]
struct ClientRequestId(String);

/// Replaces any `X-Request-ID` the client sent with a fresh UUID, so the id
/// in our logs, responses and problem `instance`s is always ours (unique,
/// bounded, printable). A client's own id is kept for the request span
/// only when it is short and plain; anything else is dropped unseen.
fn assign_request_id(mut request: Request) -> Request {
    let client = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_plain_id(value))
        .map(|value| ClientRequestId(value.to_owned()));
    request.headers_mut().remove(REQUEST_ID);
    if let Some(client) = client {
        request.extensions_mut().insert(client);
    }
    if let Some(id) = MakeRequestUuid.make_request_id(&request) {
        request
            .headers_mut()
            .insert(REQUEST_ID, id.into_header_value());
    }
    request
}

/// At most 64 characters of `[A-Za-z0-9._-]`: safe to log as it is.
fn is_plain_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// One span per request, carrying its id; `tenant` is filled in once the
/// host resolves.
fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let client_id = request
        .extensions()
        .get::<ClientRequestId>()
        .map(|ClientRequestId(id)| id.as_str());
    tracing::info_span!(
        "request",
        id = %request_id,
        client_id,
        method = %request.method(),
        path = %request.uri().path(),
        tenant = tracing::field::Empty,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_client_id(value: &[u8]) -> Request {
        let mut request = Request::new(axum::body::Body::empty());
        let value = HeaderValue::from_bytes(value).unwrap_or(HeaderValue::from_static("x"));
        request.headers_mut().insert(REQUEST_ID, value);
        request
    }

    fn ids(request: &Request) -> (Option<&str>, Option<&str>) {
        let ours = request.headers().get(REQUEST_ID);
        let client = request.extensions().get::<ClientRequestId>();
        (
            ours.and_then(|v| v.to_str().ok()),
            client.map(|c| c.0.as_str()),
        )
    }

    #[test]
    fn the_request_id_is_always_ours() {
        let request = assign_request_id(with_client_id(b"trace-42.a_b"));
        let (ours, client) = ids(&request);
        assert!(ours.is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
        assert_eq!(client, Some("trace-42.a_b"));
        assert_eq!(request.headers().get_all(REQUEST_ID).iter().count(), 1);
    }

    #[test]
    fn odd_client_ids_are_dropped() {
        let long = vec![b'a'; 65];
        let odd: [&[u8]; 5] = [&long, b"a b", b"<script>", b"caf\xc3\xa9", b"a\tb"];
        for value in odd {
            let request = assign_request_id(with_client_id(value));
            let (ours, client) = ids(&request);
            assert!(ours.is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()));
            assert_eq!(client, None, "{value:?}");
        }
    }
}
