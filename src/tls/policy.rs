//! What HTTPS changes for plain requests and responses: ACME HTTP-01
//! answers on any host, a redirect from HTTP to HTTPS, and
//! `Strict-Transport-Security` — the last two only for hosts whose
//! certificate browsers trust and that is valid now, so that a domain
//! waiting for its certificate keeps working over HTTP.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::{Tls, challenge};

impl Tls {
    /// The answer to an ACME HTTP-01 request, if `path` is one.
    pub async fn respond_http01(
        &self,
        method: &Method,
        host: &str,
        path: &str,
    ) -> Option<Response> {
        if !path.starts_with(challenge::HTTP01_PREFIX) {
            return None;
        }
        challenge::respond_http01(self.pool(), method, host, path).await
    }

    /// A 308 to the same URL over HTTPS, for a plain request to a host we
    /// serve with a trusted certificate.
    pub fn redirect_to_https(&self, host: &str, uri: &Uri) -> Option<Response> {
        let config = self.config();
        let port = config.public_port()?;
        let name = crate::model::Hostname::parse(host).ok()?;
        if !config.redirect_http || !self.certificates().is_trusted_now(name.as_str()) {
            return None;
        }
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let location = match port {
            443 => format!("https://{name}{path}"),
            port => format!("https://{name}:{port}{path}"),
        };
        let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_str(&location).ok()?);
        Some(response)
    }

    /// Adds `Strict-Transport-Security` to a response sent over TLS for a
    /// host with a trusted certificate.
    pub fn add_hsts(&self, host: &str, response: &mut Response) {
        let max_age = self.config().hsts_max_age_secs;
        if max_age == 0 {
            return;
        }
        let trusted = crate::model::Hostname::parse(host)
            .is_ok_and(|name| self.certificates().is_trusted_now(name.as_str()));
        if !trusted {
            return;
        }
        if let Ok(value) = HeaderValue::from_str(&format!("max-age={max_age}")) {
            response
                .headers_mut()
                .insert(header::STRICT_TRANSPORT_SECURITY, value);
        }
    }
}
