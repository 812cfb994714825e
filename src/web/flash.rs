//! Flash messages: a one-time notice shown on the next page ("saved", "signed
//! out"), carried in a cookie as `<kind>:<message key>`. The key is looked up
//! in the translations when rendered, so no visitor text ever travels in it.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use serde::Serialize;

pub const COOKIE: &str = "flash";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flash {
    pub kind: FlashKind,
    /// A translation key, e.g. `flash-saved`.
    pub key: String,
}

impl Flash {
    pub fn new(kind: FlashKind, key: &str) -> Self {
        Self {
            kind,
            key: key.to_owned(),
        }
    }

    /// The flash a request carries, if well-formed.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let value = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| Cookie::split_parse(v).filter_map(Result::ok))
            .find(|c| c.name() == COOKIE)?
            .value()
            .to_owned();
        let (kind, key) = value.split_once(':')?;
        let kind = match kind {
            "success" => FlashKind::Success,
            "info" => FlashKind::Info,
            "error" => FlashKind::Error,
            _ => return None,
        };
        let tidy = !key.is_empty()
            && key.len() <= 64
            && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        tidy.then(|| Self::new(kind, key))
    }

    /// The `Set-Cookie` value that shows this flash on the next page.
    pub fn set_cookie(&self) -> Option<HeaderValue> {
        let kind = match self.kind {
            FlashKind::Success => "success",
            FlashKind::Info => "info",
            FlashKind::Error => "error",
        };
        let cookie = Cookie::build((COOKIE, format!("{kind}:{}", self.key)))
            .path("/")
            .same_site(SameSite::Lax)
            .http_only(true)
            .build();
        HeaderValue::from_str(&cookie.to_string()).ok()
    }
}

/// Once a page has shown the flash, the cookie is removed (unless the
/// response sets a new one).
pub async fn consume(request: Request, next: Next) -> Response {
    let had_flash = Flash::from_headers(request.headers()).is_some();
    let mut response = next.run(request).await;
    let sets_flash = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(b"flash="));
    if had_flash && !sets_flash {
        let cleared = Cookie::build((COOKIE, ""))
            .path("/")
            .max_age(cookie::time::Duration::ZERO)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cleared.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A redirect to `path` that shows `flash` on the page it leads to.
pub fn redirect_with(path: &str, flash: Option<Flash>) -> Response {
    let mut response = Redirect::to(path).into_response();
    if let Some(cookie) = flash.and_then(|f| f.set_cookie()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static(cookie));
        headers
    }

    #[test]
    fn parses_only_tidy_flashes() {
        assert_eq!(
            Flash::from_headers(&headers("flash=success:flash-saved")),
            Some(Flash::new(FlashKind::Success, "flash-saved"))
        );
        assert_eq!(
            Flash::from_headers(&headers("flash=oops:flash-saved")),
            None
        );
        assert_eq!(Flash::from_headers(&headers("flash=info:<script>")), None);
        assert_eq!(Flash::from_headers(&headers("other=1")), None);
    }
}
