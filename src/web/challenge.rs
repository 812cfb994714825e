//! The HTTP token of custom-domain verification: a GET of
//! `/.well-known/tessera-challenge/<token>` on any host is answered with a
//! MAC of the host and token under the platform key. Only a Tessera
//! instance can compute it, so a verifier that fetches it through the
//! domain's DNS and gets the right answer knows the domain reaches us —
//! without any instance looking anything up (an unknown host still costs
//! no query).

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::Keys;
use crate::model::Hostname;

pub const PATH_PREFIX: &str = "/.well-known/tessera-challenge/";

/// What the instance answers for `token` on `host`.
pub fn answer(keys: &Keys, host: &Hostname, token: &str) -> String {
    let mac = keys.mac(&[
        b"domain-challenge",
        host.as_str().as_bytes(),
        token.as_bytes(),
    ]);
    data_encoding::HEXLOWER.encode(&mac)
}

/// Tokens are 32 characters of lowercase base32 (`tenancy::claims`).
pub fn is_token(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

/// The answer to a challenge request, or `None` if `path` is not one.
pub fn respond(keys: &Keys, method: &Method, host: &str, path: &str) -> Option<Response> {
    let token = path.strip_prefix(PATH_PREFIX)?;
    if *method != Method::GET && *method != Method::HEAD {
        return Some(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let host = match Hostname::parse(host) {
        Ok(host) if is_token(token) => host,
        _ => return Some(StatusCode::NOT_FOUND.into_response()),
    };
    let mut response = answer(keys, &host, token).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> Hostname {
        Hostname::parse(name).unwrap_or_else(|e| unreachable!("{name}: {e}"))
    }

    #[test]
    fn the_answer_depends_on_host_token_and_key() {
        let keys = Keys::from_bytes([7; 32]);
        let token = "abcdefghijklmnopqrstuvwxyz234567";
        let a = answer(&keys, &host("club.example.org"), token);
        assert_eq!(a.len(), 64);
        assert_ne!(a, answer(&keys, &host("other.example.org"), token));
        assert_ne!(
            a,
            answer(&keys, &host("club.example.org"), &token.replace('a', "b"))
        );
        assert_ne!(
            a,
            answer(&Keys::from_bytes([8; 32]), &host("club.example.org"), token)
        );
    }

    #[test]
    fn only_well_formed_tokens_are_answered() {
        assert!(is_token("abcdefghijklmnopqrstuvwxyz234567"));
        assert!(!is_token("abcdefghijklmnopqrstuvwxyz23456"));
        assert!(!is_token("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
        assert!(!is_token("abcdefghijklmnopqrstuvwxyz234518"));
    }
}
