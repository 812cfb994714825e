//! [`Client`]: Stripe's REST API as Tessera uses it — form-encoded
//! requests, the association's secret key as bearer, a pinned API version
//! (object shapes do not move under us), an idempotency key on every write
//! (a retried job or a double click creates one object), and Stripe's
//! error bodies read into [`StripeError`].

use std::time::Duration;

use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::config::StripeConfig;

/// The API version our objects are read in.
pub const API_VERSION: &str = "2024-06-20";
/// What is read of an answer at most.
const BODY_LIMIT: usize = 1 << 20;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StripeError {
    /// The card was declined (HTTP 402): `code` is Stripe's
    /// (`card_declined`, `expired_card`, `authentication_required` …).
    #[error("declined ({code}): {message}")]
    Declined { code: String, message: String },
    /// The key is wrong or revoked (401, 403).
    #[error("Stripe refused the key: {0}")]
    BadKey(String),
    /// Stripe refused the request itself (400, 404, 409).
    #[error("Stripe refused the request: {0}")]
    Refused(String),
    /// No answer, or a server error: may work later.
    #[error("Stripe is out of reach: {0}")]
    Unavailable(String),
}

/// One association's credentials: its own key, or the platform's key
/// acting on its connected `account` (Stripe Connect).
#[derive(Clone)]
pub struct Credentials {
    pub secret_key: SecretString,
    pub account: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(sk_…)")
    }
}

type Connector = HttpsConnector<HttpConnector>;

/// Cheap to clone (connections are pooled).
#[derive(Clone)]
pub struct Client {
    http: HyperClient<Connector, Full<Bytes>>,
    base: String,
    timeout: Duration,
}

impl Client {
    pub fn new(config: &StripeConfig) -> Result<Self, rustls::Error> {
        let tls = crate::tls::web_client_config()?;
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
        let connector = match config.allow_http {
            true => builder.https_or_http().enable_http1().wrap_connector(http),
            false => builder.https_only().enable_http1().wrap_connector(http),
        };
        Ok(Self {
            http: HyperClient::builder(TokioExecutor::new()).build(connector),
            base: config.api_base.trim_end_matches('/').to_owned(),
            timeout,
        })
    }

    /// `POST /v1/{path}` with `form`; `idempotency` names the write.
    pub async fn post<T: DeserializeOwned>(
        &self,
        credentials: &Credentials,
        path: &str,
        form: &[(String, String)],
        idempotency: &str,
    ) -> Result<T, StripeError> {
        let body = serde_urlencoded::to_string(form)
            .map_err(|e| StripeError::Refused(format!("form: {e}")))?;
        let request = self
            .request(Method::POST, credentials, path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("Idempotency-Key", header_value(idempotency)?)
            .body(Full::new(Bytes::from(body)));
        self.send(request).await
    }

    /// `GET /v1/{path}`.
    pub async fn get<T: DeserializeOwned>(
        &self,
        credentials: &Credentials,
        path: &str,
    ) -> Result<T, StripeError> {
        let request = self
            .request(Method::GET, credentials, path)
            .body(Full::new(Bytes::new()));
        self.send(request).await
    }

    fn request(
        &self,
        method: Method,
        credentials: &Credentials,
        path: &str,
    ) -> axum::http::request::Builder {
        let bearer = format!("Bearer {}", credentials.secret_key.expose_secret());
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}/v1/{path}", self.base))
            .header("Stripe-Version", API_VERSION)
            .header(
                header::USER_AGENT,
                concat!("Tessera/", env!("CARGO_PKG_VERSION")),
            );
        if let Ok(mut value) = HeaderValue::from_str(&bearer) {
            value.set_sensitive(true);
            builder = builder.header(header::AUTHORIZATION, value);
        }
        if let Some(account) = &credentials.account {
            builder = builder.header("Stripe-Account", account.as_str());
        }
        builder
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: Result<Request<Full<Bytes>>, axum::http::Error>,
    ) -> Result<T, StripeError> {
        let request = request.map_err(|e| StripeError::Refused(e.to_string()))?;
        let answered = tokio::time::timeout(self.timeout, async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let body = Limited::new(response.into_body(), BODY_LIMIT)
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, body))
        })
        .await;
        let (status, body) = match answered {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => return Err(StripeError::Unavailable(error)),
            Err(_) => {
                return Err(StripeError::Unavailable(format!(
                    "no answer within {} s",
                    self.timeout.as_secs()
                )));
            }
        };
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|e| StripeError::Unavailable(format!("unreadable answer: {e}")));
        }
        Err(error_of(status, &body))
    }
}

fn header_value(text: &str) -> Result<HeaderValue, StripeError> {
    HeaderValue::from_str(text).map_err(|e| StripeError::Refused(e.to_string()))
}

#[derive(serde::Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    error: ErrorDetail,
}

#[derive(serde::Deserialize, Default)]
struct ErrorDetail {
    code: Option<String>,
    decline_code: Option<String>,
    message: Option<String>,
}

fn error_of(status: StatusCode, body: &[u8]) -> StripeError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .unwrap_or_default()
        .error;
    let message = detail
        .message
        .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
    match status.as_u16() {
        402 => StripeError::Declined {
            code: detail
                .decline_code
                .or(detail.code)
                .unwrap_or_else(|| "card_declined".into()),
            message,
        },
        401 | 403 => StripeError::BadKey(message),
        400..=499 => StripeError::Refused(message),
        _ => StripeError::Unavailable(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_errors_are_read_by_status_and_code() {
        let declined = error_of(
            StatusCode::PAYMENT_REQUIRED,
            br#"{"error":{"code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}"#,
        );
        assert_eq!(
            declined,
            StripeError::Declined {
                code: "insufficient_funds".into(),
                message: "Your card has insufficient funds.".into()
            }
        );
        assert!(matches!(
            error_of(StatusCode::UNAUTHORIZED, b"{}"),
            StripeError::BadKey(_)
        ));
        assert!(matches!(
            error_of(StatusCode::BAD_GATEWAY, b"<html>"),
            StripeError::Unavailable(_)
        ));
    }
}
