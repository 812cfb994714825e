//! The `auth::context` middleware of the tenant routes and of the platform
//! console: reads the session and visitor cookies of the request's realm
//! once, enforces CSRF on state-changing browser requests, and leaves a
//! [`RequestAuth`] for the guards and the pages.

use std::net::{IpAddr, SocketAddr};

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cookies::{CookiePolicy, Kind};
use super::csrf::{self, CsrfToken};
use super::realm::Realm;
use super::{Auth, secret};
use crate::config::PublicScheme;
use crate::error::AppError;
use crate::web::{CurrentTenant, PlatformSite};

/// What the middleware learnt about the request's credentials.
#[derive(Clone)]
pub struct RequestAuth {
    pub auth: Auth,
    /// Whose credentials these cookies can be: one tenant's, or the console's.
    pub realm: Realm,
    pub policy: CookiePolicy,
    /// The session cookie's value, not yet checked against the database.
    pub session_cookie: Option<String>,
    pub csrf: CsrfToken,
    /// Where the request comes from, for throttling and the audit log.
    pub client_ip: Option<IpAddr>,
    /// The `Host` the request named (one of this tenant's): links we mail
    /// point back to it.
    pub host: String,
    /// Shown in the person's list of sessions.
    pub user_agent: Option<String>,
}

impl RequestAuth {
    /// Whether links to this request's host, mailed to someone, are
    /// `https://` (unless configured otherwise, as `tessera demo` does).
    pub fn links_over_tls(&self) -> bool {
        self.auth.public_scheme != Some(PublicScheme::Http)
    }
}

pub async fn context(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    let realm = match request.extensions().get::<CurrentTenant>() {
        Some(CurrentTenant(tenant)) => Realm::Tenant(tenant.id),
        None if request.extensions().get::<PlatformSite>().is_some() => Realm::Platform,
        None => return next.run(request).await,
    };
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bare_host = host
        .rsplit_once(':')
        .map_or(host.as_str(), |(name, _)| name);
    let policy = match realm {
        Realm::Tenant(_) => CookiePolicy::for_host(bare_host, auth.always_secure_cookies),
        Realm::Platform => CookiePolicy::for_platform(bare_host, auth.always_secure_cookies),
    };
    let headers = request.headers();
    let session_cookie = policy
        .read(headers, Kind::Session)
        .filter(|v| secret::is_well_formed(v));
    let visitor = policy
        .read(headers, Kind::Visitor)
        .filter(|v| secret::is_well_formed(v));
    let csrf = CsrfToken::in_realm(&auth.keys, realm, session_cookie.clone().or(visitor));
    let client_ip = client_ip(&request, auth.trust_forwarded_for);
    let context = RequestAuth {
        realm,
        client_ip,
        host: host.clone(),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect()),
        auth,
        policy,
        session_cookie,
        csrf: csrf.clone(),
    };
    let mut request = match guard_state_change(request, &context, &host).await {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    request.extensions_mut().insert(context);
    let mut response = next.run(request).await;
    // A page showed a token bound to a visitor id made for it.
    if let Some(visitor) = csrf.issued_visitor() {
        response.headers_mut().append(
            header::SET_COOKIE,
            policy.set(Kind::Visitor, visitor, false),
        );
    }
    response
}

/// Refuses a state-changing browser request from elsewhere or without its
/// token; the body is read (within the configured limit) and put back.
async fn guard_state_change(
    request: Request,
    context: &RequestAuth,
    host: &str,
) -> Result<Request, AppError> {
    if csrf::is_safe(request.method()) || request.uri().path().starts_with("/api/") {
        return Ok(request);
    }
    if !csrf::origin_allowed(request.headers(), host) {
        return Err(forged());
    }
    let (parts, body) = request.into_parts();
    if csrf::is_multipart(&parts.headers) {
        return guard_multipart(parts, body, context).await;
    }
    // The body-limit layer outside bounds this read.
    let bytes = to_bytes(body, usize::MAX)
        .await
        .map_err(|_| AppError::BadRequest("the request body could not be read".into()))?;
    let presented = csrf::presented(&parts.headers, &bytes).ok_or_else(forged)?;
    if !context.csrf.matches(&presented) {
        return Err(forged());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// A multipart form (a file upload) is not read whole here: only until its
/// token shows (our forms put it first, and it must come within
/// [`csrf::MULTIPART_SCAN`] bytes), then the handler gets the bytes read
/// followed by the rest of the stream, which it can refuse part-way.
async fn guard_multipart(
    parts: axum::http::request::Parts,
    mut body: Body,
    context: &RequestAuth,
) -> Result<Request, AppError> {
    use http_body_util::BodyExt;
    let unreadable = || AppError::BadRequest("the request body could not be read".into());
    let mut head = Vec::new();
    let presented = loop {
        if let Some(token) = csrf::presented(&parts.headers, &head) {
            break token;
        }
        if head.len() >= csrf::MULTIPART_SCAN {
            return Err(forged());
        }
        match body.frame().await {
            Some(frame) => {
                if let Ok(data) = frame.map_err(|_| unreadable())?.into_data() {
                    head.extend_from_slice(&data);
                }
            }
            None => return Err(forged()),
        }
    };
    if !context.csrf.matches(&presented) {
        return Err(forged());
    }
    let read = futures::stream::once(async move { Ok(bytes::Bytes::from(head)) });
    let rest = futures::StreamExt::chain(read, body.into_data_stream());
    Ok(Request::from_parts(parts, Body::from_stream(rest)))
}

/// The peer address, or the last `X-Forwarded-For` entry (the one our
/// proxy added) when configured to trust it.
fn client_ip(request: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded_for
        .then(|| request.headers().get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|list| list.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok());
    forwarded.or_else(|| {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
    })
}

fn forged() -> AppError {
    AppError::Forbidden(
        "this form has expired or did not come from this site; reload the page and try again"
            .into(),
    )
}

/// The request's auth context, for extractors.
pub fn of(extensions: &axum::http::Extensions) -> Option<&RequestAuth> {
    extensions.get::<RequestAuth>()
}

impl std::fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestAuth")
            .field("policy", &self.policy)
            .field("has_session", &self.session_cookie.is_some())
            .finish()
    }
}
