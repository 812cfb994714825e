//! Writes the body of every error response, once: RFC 9457 problem+json for
//! API clients, an HTML page for people (themed when the tenant is known).
//! Also the single place where server-side error causes are logged.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::middleware::REQUEST_ID;
use super::neutral;
use crate::error::Problem;
use crate::themes::{PageView, Themes};
use crate::web::CurrentTenant;

/// Base of the `type` URIs; each problem code is documented under it.
pub const PROBLEM_TYPE_BASE: &str = "https://tessera.dev/problems/";

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
}

pub async fn render(State(themes): State<Themes>, request: Request, next: Next) -> Response {
    // Keep only what an error page needs; most responses are not errors.
    let tenant = request.extensions().get::<CurrentTenant>().cloned();
    let uri = request.uri().clone();
    let mut head = HeaderMap::new();
    for name in [header::ACCEPT, header::COOKIE, REQUEST_ID] {
        for value in request.headers().get_all(&name) {
            head.append(name.clone(), value.clone());
        }
    }
    let response = next.run(request).await;
    let Some(problem) = response.extensions().get::<Problem>().cloned() else {
        return response;
    };
    let wants_json = wants_json(uri.path(), &head);
    let request_id = head
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let view = tenant.map(|CurrentTenant(tenant)| PageView::from_head(&head, &uri, tenant));
    if let Some(cause) = &problem.cause {
        tracing::error!(status = problem.status.as_u16(), code = problem.code, %cause, "request failed");
    }
    let mut rendered = if wants_json {
        problem_json(&problem, request_id)
    } else {
        match view {
            Some(view) => themes.error_page(&view, &problem).await,
            None => neutral::error(problem.status, problem.title),
        }
    };
    keep_handler_headers(response.headers(), rendered.headers_mut());
    rendered
}

/// Copies the headers the handler set (e.g. Retry-After, WWW-Authenticate,
/// Set-Cookie) onto the rendered error, except those describing the old
/// body. Each copied name replaces the rendered page's own values, and every
/// value is kept: several `Set-Cookie` (or `Vary`) fields must not collapse.
fn keep_handler_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for name in from.keys() {
        if name == header::CONTENT_TYPE || name == header::CONTENT_LENGTH {
            continue;
        }
        to.remove(name);
        for value in from.get_all(name) {
            to.append(name.clone(), value.clone());
        }
    }
}

pub fn problem_json(problem: &Problem, request_id: Option<String>) -> Response {
    let body = ProblemBody {
        kind: format!("{PROBLEM_TYPE_BASE}{}", problem.code),
        title: problem.title,
        status: problem.status.as_u16(),
        detail: problem.detail.as_deref(),
        instance: request_id.map(|id| format!("urn:request:{id}")),
    };
    let mut response = (problem.status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Gives the body limit's bare 413 a problem body for API clients (the
/// limit answers before any route, so `render` never sees it).
pub async fn too_large(request: Request, next: Next) -> Response {
    let json = wants_json(request.uri().path(), request.headers());
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let bare = response.headers().get(header::CONTENT_TYPE)
        != Some(&HeaderValue::from_static("application/problem+json"));
    if !json || !bare || response.status() != axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    let problem = Problem {
        status: response.status(),
        code: "payload-too-large",
        title: "Payload too large",
        detail: Some("the request body is larger than this server accepts".into()),
        cause: None,
    };
    problem_json(&problem, request_id)
}

/// API paths, and clients that ask for JSON rather than HTML, get JSON.
pub fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    if path.starts_with("/api/") {
        return true;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    accept.contains("json") && !accept.contains("text/html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_a_handler_header_is_kept() {
        let mut from = HeaderMap::new();
        for cookie in ["a=1", "b=2"] {
            from.append(header::SET_COOKIE, HeaderValue::from_static(cookie));
        }
        from.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        from.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        let mut to = HeaderMap::new();
        to.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        to.insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        keep_handler_headers(&from, &mut to);
        let cookies: Vec<_> = to.get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        let retry: Vec<_> = to.get_all(header::RETRY_AFTER).iter().collect();
        assert_eq!(retry, ["5"]);
        assert_eq!(to[header::CONTENT_TYPE], "text/html");
    }
}
