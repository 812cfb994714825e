//! ACME challenges, answered by whichever instance the ACME server
//! reaches: the issuer writes them to `platform.acme_challenges` before
//! telling the server they are ready; HTTP-01 is answered on the HTTP port
//! (`/.well-known/acme-challenge/<token>`, before host resolution) and
//! TLS-ALPN-01 by a handshake offering only `acme-tls/1`.

use std::sync::Arc;

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rcgen::{CertificateParams, CustomExtension, KeyPair, PKCS_ECDSA_P256_SHA256};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

use super::TlsError;
use crate::db::Platform;

pub const HTTP01_PREFIX: &str = "/.well-known/acme-challenge/";
/// The ALPN protocol of TLS-ALPN-01 (RFC 8737).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";
/// A challenge outlives any order we would wait for.
const LIFETIME_SECS: f64 = 900.0;

/// Publishes a challenge for every instance.
pub async fn publish(
    pool: &Platform,
    hostname: &str,
    kind: &str,
    token: &str,
    answer: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.acme_challenges (hostname, kind, token, key_authorization, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (token, hostname) DO UPDATE
         SET key_authorization = EXCLUDED.key_authorization, expires_at = EXCLUDED.expires_at,
             kind = EXCLUDED.kind",
        hostname,
        kind,
        token,
        answer,
        LIFETIME_SECS
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets the challenges of `hostname` (the order is over), and expired ones.
pub async fn withdraw(pool: &Platform, hostname: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM platform.acme_challenges WHERE hostname = $1 OR expires_at < now()",
        hostname
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The key authorization for an HTTP-01 `token` on `hostname`.
pub async fn http01_answer(
    pool: &Platform,
    hostname: &str,
    token: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT key_authorization FROM platform.acme_challenges
         WHERE token = $1 AND hostname = $2 AND kind = 'http-01' AND expires_at > now()",
        token,
        hostname
    )
    .fetch_optional(pool)
    .await
}

/// The digest a TLS-ALPN-01 certificate for `hostname` must carry (hex).
pub async fn tls_alpn01_digest(
    pool: &Platform,
    hostname: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT key_authorization FROM platform.acme_challenges
         WHERE hostname = $1 AND kind = 'tls-alpn-01' AND expires_at > now()
         ORDER BY id DESC LIMIT 1",
        hostname
    )
    .fetch_optional(pool)
    .await
}

/// ACME tokens are base64url, at least 128 bits (RFC 8555 §8.1).
pub fn is_token(token: &str) -> bool {
    (22..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Answers an HTTP-01 request, or `None` if `path` is not one.
pub async fn respond_http01(
    pool: &Platform,
    method: &Method,
    host: &str,
    path: &str,
) -> Option<Response> {
    let token = path.strip_prefix(HTTP01_PREFIX)?;
    if *method != Method::GET && *method != Method::HEAD {
        return Some(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    let host = crate::model::Hostname::parse(host).ok();
    let (Some(host), true) = (host, is_token(token)) else {
        return Some(StatusCode::NOT_FOUND.into_response());
    };
    let answer = match http01_answer(pool, host.as_str(), token).await {
        Ok(Some(answer)) => answer,
        Ok(None) => return Some(StatusCode::NOT_FOUND.into_response()),
        Err(error) => {
            tracing::warn!(%error, "cannot read ACME challenges");
            return Some(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
    };
    let mut response = answer.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Some(response)
}

/// The self-signed certificate of RFC 8737: `hostname` only, with the
/// critical acmeIdentifier extension holding `digest`.
pub fn alpn_certificate(
    provider: &CryptoProvider,
    hostname: &str,
    digest: &[u8],
) -> Result<Arc<CertifiedKey>, TlsError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec![hostname.to_owned()])?;
    params.custom_extensions = vec![CustomExtension::new_acme_identifier(digest)];
    let cert = params.self_signed(&key)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    // Not `CertifiedKey::from_der`: it re-parses the certificate with webpki,
    // which refuses the critical extension this one must have.
    let signing = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    Ok(Arc::new(CertifiedKey::new(
        vec![cert.der().clone()],
        signing,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_base64url_of_at_least_128_bits() {
        assert!(is_token("LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"));
        assert!(!is_token("short"));
        assert!(!is_token("../../../../etc/passwd-and-some-padding-xx"));
        assert!(!is_token(&"a".repeat(129)));
    }

    #[test]
    fn the_alpn_certificate_names_one_host() -> Result<(), TlsError> {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let key = alpn_certificate(&provider, "club.example.org", &[7; 32])?;
        let leaf = key
            .end_entity_cert()
            .map_err(|e| TlsError::Certificate(e.to_string()))?;
        let facts = super::super::certs::LeafFacts::read(leaf)?;
        assert_eq!(facts.names, vec!["club.example.org".to_owned()]);
        Ok(())
    }
}
