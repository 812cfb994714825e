//! Routes each request by its host: the platform host to the operator side,
//! a tenant's host to the tenant routes (with [`CurrentTenant`] set), anything
//! else to a neutral 404 (400 for a malformed host, 503 for a suspended site).

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use super::{challenge, errors, neutral};
use crate::auth::Keys;
use crate::config::HttpConfig;
use crate::error::{AppError, Problem};
use crate::model::{Hostname, Tenant, TenantStatus};
use crate::tenancy::resolve::ResolveError;
use crate::tenancy::{Resolver, Site};

/// The tenant the request's host resolved to. Present on every request the
/// tenant router serves.
#[derive(Debug, Clone)]
pub struct CurrentTenant(pub Arc<Tenant>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentTenant {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentTenant>()
            .cloned()
            .ok_or(AppError::NotFound)
    }
}

/// Marks a request the platform host's routes serve (the console, the
/// platform API): what `auth::context` reads the console's cookies for.
#[derive(Debug, Clone, Copy)]
pub struct PlatformSite;

/// The two route trees a host can lead to.
#[derive(Clone)]
pub struct Sites {
    pub resolver: Resolver,
    pub platform: Router,
    pub tenant: Router,
    /// Answers custom domains' HTTP tokens ([`challenge`]).
    pub keys: Keys,
    /// Builds the redirects to a tenant's primary domain.
    pub http: HttpConfig,
    /// ACME HTTP-01 answers, the redirect to HTTPS, HSTS.
    pub tls: crate::tls::Tls,
}

pub async fn dispatch(State(sites): State<Sites>, mut request: Request) -> Response {
    let json = errors::wants_json(request.uri().path(), request.headers());
    let host = match request_host(&request) {
        Ok(host) => host.unwrap_or_default().to_owned(),
        Err(ambiguous) => return bad_host(ambiguous.0, json),
    };
    let (method, path) = (request.method(), request.uri().path());
    if let Some(answer) = challenge::respond(&sites.keys, method, &host, path) {
        return answer;
    }
    if let Some(answer) = sites.tls.respond_http01(method, &host, path).await {
        return answer;
    }
    let over_tls = request.extensions().get::<crate::tls::OverTls>().is_some();
    if !over_tls && let Some(redirect) = sites.tls.redirect_to_https(&host, request.uri()) {
        return redirect;
    }
    let site = match sites.resolver.resolve(&host).await {
        Ok(site) => site,
        Err(error) => return refuse(&error, json),
    };
    let router = match site {
        Site::Platform => {
            request.extensions_mut().insert(PlatformSite);
            sites.platform
        }
        Site::Tenant(tenant) => {
            tracing::Span::current().record("tenant", tenant.slug.as_str());
            match tenant.status {
                TenantStatus::Suspended => {
                    return unavailable(json, tenant.status_reason.as_deref());
                }
                TenantStatus::Deleted => return gone(json),
                TenantStatus::Active => {}
            }
            if !tenant.is_servable() {
                return under_maintenance(json);
            }
            if let Some(redirect) = to_primary(&sites.http, &tenant, &host, &request) {
                return redirect;
            }
            request.extensions_mut().insert(CurrentTenant(tenant));
            sites.tenant
        }
    };
    let mut response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if over_tls {
        sites.tls.add_hsts(&host, &mut response);
    }
    response
}

/// A permanent redirect to the tenant's primary domain, for page requests
/// on its other hosts. The API and `/.well-known/` answer on every host:
/// clients and certificate checks must not be bounced.
fn to_primary(
    http: &HttpConfig,
    tenant: &Tenant,
    host: &str,
    request: &Request,
) -> Option<Response> {
    let primary = tenant.primary_host.as_ref()?;
    let path = request.uri().path();
    let page = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let exempt = path.starts_with("/api/") || path.starts_with("/.well-known/");
    let here = Hostname::parse(host).ok();
    if !page || exempt || here.as_ref() == Some(primary) {
        return None;
    }
    let target = request.uri().path_and_query().map_or(path, |p| p.as_str());
    let location = http.tenant_link(primary.as_str(), target);
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        header::HeaderValue::from_str(&location).ok()?,
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("max-age=3600"),
    );
    Some(response)
}

/// A request that names its host twice, differently.
#[derive(Debug)]
struct Ambiguous(&'static str);

/// The host a request names: the URI authority (HTTP/2, absolute-form) or
/// the `Host` header (raw UTF-8 is accepted: IDNA maps it). Forwarding
/// headers are not trusted. Refused when the request is ambiguous: a proxy
/// in front may route, rate-limit or filter by another of the names than
/// the one we would pick (RFC 9112 §3.2: several `Host` fields are a 400).
fn request_host(request: &Request) -> Result<Option<&str>, Ambiguous> {
    let mut fields = request.headers().get_all(header::HOST).iter();
    let host_field = fields.next();
    if fields.next().is_some() {
        return Err(Ambiguous("the request has more than one Host field"));
    }
    let host = host_field.map(|value| std::str::from_utf8(value.as_bytes()));
    let Some(authority) = request.uri().authority().map(|a| a.as_str()) else {
        return Ok(host.and_then(Result::ok));
    };
    match host {
        None => Ok(Some(authority)),
        Some(Ok(host)) if same_host(authority, host) => Ok(Some(authority)),
        Some(_) => Err(Ambiguous(
            "the request target and the Host field name different hosts",
        )),
    }
}

/// Equal once normalised (case, IDNA, port, trailing dot); two values that
/// are not hostnames at all are compared as they are.
fn same_host(a: &str, b: &str) -> bool {
    match (Hostname::parse(a), Hostname::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        (Err(_), Err(_)) => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => false,
    }
}

fn bad_host(detail: &str, json: bool) -> Response {
    if !json {
        return neutral::bad_host();
    }
    let problem = Problem {
        status: StatusCode::BAD_REQUEST,
        code: "bad-host",
        title: "Invalid host",
        detail: Some(detail.to_owned()),
        cause: None,
    };
    errors::problem_json(&problem, None)
}

fn refuse(error: &ResolveError, json: bool) -> Response {
    let (status, code, title, page): (_, _, _, fn() -> Response) = match error {
        ResolveError::BadHost(_) => (
            StatusCode::BAD_REQUEST,
            "bad-host",
            "Invalid host",
            neutral::bad_host,
        ),
        ResolveError::Unknown => (
            StatusCode::NOT_FOUND,
            "unknown-host",
            "No site at this host",
            neutral::unknown_host,
        ),
        ResolveError::Database(cause) => {
            tracing::error!(%cause, "tenant lookup failed");
            let problem = Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "unavailable",
                title: "Service unavailable",
                detail: None,
                cause: None,
            };
            return match json {
                true => errors::problem_json(&problem, None),
                false => neutral::error(problem.status, problem.title),
            };
        }
    };
    if json {
        let problem = Problem {
            status,
            code,
            title,
            detail: Some(error.to_string()),
            cause: None,
        };
        return errors::problem_json(&problem, None);
    }
    page()
}

fn unavailable(json: bool, reason: Option<&str>) -> Response {
    let mut response = if json {
        let mut problem = crate::error::AppError::Suspended.problem();
        problem.detail = reason.map(str::to_owned);
        errors::problem_json(&problem, None)
    } else {
        neutral::suspended(reason)
    };
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from_static("3600"),
    );
    response.into_response()
}

/// A deleted tenant, until its purge: 410, so that clients and crawlers
/// forget the site (its host is still reserved, so it is not a 404).
fn gone(json: bool) -> Response {
    let (title, en, fr) = (
        "Site closed",
        "This association’s portal has been closed.",
        "Le portail de cette association a été fermé.",
    );
    let status = StatusCode::GONE;
    match json {
        true => {
            let problem = Problem {
                status,
                code: "site-closed",
                title,
                detail: None,
                cause: None,
            };
            errors::problem_json(&problem, None)
        }
        false => neutral::page(status, title, en, fr),
    }
}

/// A quarantined or not yet migrated schema ([`super::Tenant::is_servable`]):
/// temporary and on our side, where serving it would fail with 500s.
fn under_maintenance(json: bool) -> Response {
    let (title, en, fr) = (
        "Site under maintenance",
        "This association’s portal is being updated. Please try again in a minute.",
        "Le portail de cette association est en cours de mise à jour. Réessayez dans une minute.",
    );
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let mut response = match json {
        true => errors::problem_json(
            &Problem {
                status,
                code: "site-maintenance",
                title,
                detail: None,
                cause: None,
            },
            None,
        ),
        false => neutral::page(status, title, en, fr),
    };
    let retry = header::HeaderValue::from_static("60");
    response.headers_mut().insert(header::RETRY_AFTER, retry);
    response
}
