//! The visitor's language: the tenant's default locale unless the visitor
//! chose another with `?lang=xx`, which is remembered in a host-only cookie
//! (so each association's portal remembers its own choice).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};

use super::SUPPORTED_LOCALES;

pub const COOKIE: &str = "lang";

/// The locale the visitor chose earlier, if it is one we support.
pub fn chosen(headers: &HeaderMap) -> Option<&'static str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| Cookie::split_parse(value).filter_map(Result::ok))
        .filter(|cookie| cookie.name() == COOKIE)
        .find_map(|cookie| {
            SUPPORTED_LOCALES
                .iter()
                .copied()
                .find(|l| *l == cookie.value())
        })
}

/// The language's name in itself, for the switcher.
pub fn native_name(code: &str) -> &'static str {
    match code {
        "en" => "English",
        _ => "Français",
    }
}

/// `?lang=xx`: remember the choice and redirect to the same page without it.
pub async fn switch(request: Request, next: Next) -> Response {
    let Some(choice) = requested(request.uri().query()) else {
        return next.run(request).await;
    };
    let rest: Vec<&str> = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.starts_with("lang="))
        .collect();
    let mut target = same_origin_path(request.uri().path());
    if !rest.is_empty() {
        target = format!("{target}?{}", rest.join("&"));
    }
    let cookie = Cookie::build((COOKIE, choice))
        .path("/")
        .max_age(cookie_age())
        .same_site(SameSite::Lax)
        .http_only(true)
        .build();
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, target)]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `path` as a redirect target that cannot leave this host: browsers read a
/// `Location` starting with `//` (or `/\`, which they treat alike) as
/// another host, and `GET //evil.example/` is a valid request path.
fn same_origin_path(path: &str) -> String {
    format!("/{}", path.trim_start_matches(['/', '\\']))
}

fn cookie_age() -> cookie::time::Duration {
    cookie::time::Duration::days(365)
}

fn requested(query: Option<&str>) -> Option<&'static str> {
    let value = query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))?;
    SUPPORTED_LOCALES.iter().copied().find(|l| *l == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_supported_choices() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; lang=en; b=2"),
        );
        assert_eq!(chosen(&headers), Some("en"));
        headers.insert(header::COOKIE, HeaderValue::from_static("lang=de"));
        assert_eq!(chosen(&headers), None);
        assert_eq!(requested(Some("x=1&lang=fr")), Some("fr"));
        assert_eq!(requested(Some("lang=klingon")), None);
        assert_eq!(requested(None), None);
    }

    #[test]
    fn redirect_targets_stay_on_this_host() {
        assert_eq!(same_origin_path("/"), "/");
        assert_eq!(same_origin_path("/news/1"), "/news/1");
        assert_eq!(same_origin_path("//evil.example/"), "/evil.example/");
        assert_eq!(same_origin_path("/\\evil.example/"), "/evil.example/");
        assert_eq!(same_origin_path("/\\/\\//evil"), "/evil");
        assert_eq!(same_origin_path(""), "/");
    }
}
