//! [`Sender`]: POSTs one signed event. Built on the same hyper/rustls
//! stack as the push client, with the rules of [`super::address`]: the URL
//! is checked again before each attempt, names resolve through
//! [`PublicOnly`] (the connection goes to the addresses it checked), TLS
//! is verified against the web's roots, and no redirect is followed (the
//! client has no such feature: a 3xx is an answer like any other).

use std::time::Duration;

use axum::http::{HeaderValue, Method, Request, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::address::{self, PublicOnly};
use crate::config::WebhooksConfig;

/// What a receiver is told we are.
pub const USER_AGENT: &str = concat!("Tessera-Webhooks/", env!("CARGO_PKG_VERSION"));
/// What is read of an answer (then dropped, so the connection is reused).
const BODY_LIMIT: usize = 4096;

/// One message, signed.
pub struct Message<'a> {
    pub url: &'a str,
    pub id: &'a str,
    pub timestamp: i64,
    pub signature: &'a str,
    pub body: Bytes,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered this status (2xx: delivered).
    Answered(u16),
    /// No answer: refused by our rules, unreachable, timed out.
    Failed(String),
}

type Connector = HttpsConnector<HttpConnector<PublicOnly>>;

/// Cheap to clone (connections are pooled per origin).
#[derive(Clone)]
pub struct Sender {
    client: Client<Connector, Full<Bytes>>,
    timeout: Duration,
    allow_loopback: bool,
}

impl Sender {
    pub fn new(config: &WebhooksConfig) -> Result<Self, rustls::Error> {
        let tls = crate::tls::web_client_config()?;
        let timeout = Duration::from_secs(config.timeout_secs.max(1));
        let mut http = HttpConnector::new_with_resolver(PublicOnly);
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
        // Plain HTTP only ever reaches loopback literals, and only in tests.
        let connector = match config.allow_loopback {
            true => builder
                .https_or_http()
                .enable_all_versions()
                .wrap_connector(http),
            false => builder
                .https_only()
                .enable_all_versions()
                .wrap_connector(http),
        };
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
            allow_loopback: config.allow_loopback,
        })
    }

    /// POSTs `message`, within the timeout (connection included).
    pub async fn send(&self, message: Message<'_>) -> Attempt {
        let request = match self.request(message) {
            Ok(request) => request,
            Err(refused) => return Attempt::Failed(refused),
        };
        let sent = tokio::time::timeout(self.timeout, async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let _ = Limited::new(response.into_body(), BODY_LIMIT)
                .collect()
                .await;
            Ok::<_, hyper_util::client::legacy::Error>(status)
        })
        .await;
        match sent {
            Ok(Ok(status)) => Attempt::Answered(status.as_u16()),
            Ok(Err(error)) => Attempt::Failed(unreachable(&error)),
            Err(_) => Attempt::Failed(format!("no answer within {} s", self.timeout.as_secs())),
        }
    }

    fn request(&self, message: Message<'_>) -> Result<Request<Full<Bytes>>, String> {
        let url = address::check(message.url, self.allow_loopback)
            .map_err(|e| format!("refused: {e}"))?;
        let value = |text: &str| HeaderValue::from_str(text).map_err(|e| e.to_string());
        Request::builder()
            .method(Method::POST)
            .uri(url.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, USER_AGENT)
            .header("webhook-id", value(message.id)?)
            .header("webhook-timestamp", message.timestamp)
            .header("webhook-signature", value(message.signature)?)
            .body(Full::new(message.body))
            .map_err(|e| e.to_string())
    }
}

/// Why no answer came: the resolver's refusal when there is one (it
/// says which rule), else the innermost cause ("Connection refused"),
/// which says more than hyper's "client error (Connect)".
fn unreachable(error: &hyper_util::client::legacy::Error) -> String {
    let mut innermost = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::PermissionDenied
        {
            return format!("refused: {io}");
        }
        innermost = Some(cause);
        source = cause.source();
    }
    match innermost {
        Some(cause) => format!("unreachable: {cause}"),
        None => format!("unreachable: {error}"),
    }
}
