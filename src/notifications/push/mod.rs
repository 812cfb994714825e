//! Web Push: the tenant's VAPID keys ([`vapid`]), the endpoint rules that
//! keep members from aiming the server at its own network ([`endpoint`]),
//! and [`Pusher`], which encrypts a payload for one device (RFC 8291,
//! aes128gcm, by `web-push-native`), signs the request (RFC 8292) and POSTs
//! it through the same hyper/rustls stack as the ACME client.

pub mod endpoint;
pub mod vapid;

use std::time::Duration;

use axum::http::{HeaderValue, Request, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use web_push_native::{Auth, WebPushBuilder, p256};

use self::endpoint::PublicOnly;
use self::vapid::VapidKey;
use crate::config::NotificationsConfig;

/// How long a push service keeps an undelivered message (a day).
const TTL: Duration = Duration::from_secs(24 * 3600);
/// What is read of a push service's answer.
const BODY_LIMIT: usize = 4096;

/// A device to push to, as stored.
#[derive(Debug, Clone)]
pub struct Device {
    pub endpoint: String,
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
}

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// 404 or 410: the subscription is over; forget the device.
    Gone,
    /// Refused for good (a bad request, a key the service does not accept,
    /// an endpoint our rules no longer allow): drop this push.
    Refused(String),
    /// May work later (network, 429, 5xx).
    Retry(String),
}

type Connector = HttpsConnector<HttpConnector<PublicOnly>>;

/// Sends pushes. Cheap to clone (the client pools connections per origin).
#[derive(Clone)]
pub struct Pusher {
    client: Client<Connector, Full<Bytes>>,
    timeout: Duration,
    allow_loopback: bool,
}

impl Pusher {
    pub fn new(config: &NotificationsConfig) -> Result<Self, rustls::Error> {
        let tls = crate::tls::web_client_config()?;
        let timeout = Duration::from_secs(config.push_timeout_secs.max(1));
        let mut http = HttpConnector::new_with_resolver(PublicOnly);
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls);
        // Plain HTTP only ever reaches loopback, and only in tests.
        let connector = match config.allow_loopback_push {
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
            allow_loopback: config.allow_loopback_push,
        })
    }

    pub fn allows_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// Encrypts `payload` for `device` and POSTs it, signed with `key` for
    /// `contact`. `topic` lets the service replace an undelivered copy of
    /// the same notice (a retry) instead of showing it twice.
    pub async fn send(
        &self,
        device: &Device,
        payload: &[u8],
        key: &VapidKey,
        contact: &str,
        topic: &str,
    ) -> Outcome {
        let request = match self.request(device, payload, key, contact, topic) {
            Ok(request) => request,
            Err(refused) => return Outcome::Refused(refused),
        };
        let sent = tokio::time::timeout(self.timeout, async {
            let response = self.client.request(request).await?;
            let status = response.status();
            // Read (a little of) the answer so the connection can be reused.
            let _ = Limited::new(response.into_body(), BODY_LIMIT)
                .collect()
                .await;
            Ok::<_, hyper_util::client::legacy::Error>(status)
        })
        .await;
        match sent {
            Ok(Ok(status)) => judge(status.as_u16()),
            Ok(Err(error)) => Outcome::Retry(format!("push service unreachable: {error}")),
            Err(_) => Outcome::Retry("push service timed out".into()),
        }
    }

    fn request(
        &self,
        device: &Device,
        payload: &[u8],
        key: &VapidKey,
        contact: &str,
        topic: &str,
    ) -> Result<Request<Full<Bytes>>, String> {
        let endpoint =
            endpoint::check(&device.endpoint, self.allow_loopback).map_err(|e| e.to_string())?;
        let public = p256::PublicKey::from_sec1_bytes(&device.p256dh)
            .map_err(|_| "the device's key is not a P-256 point".to_owned())?;
        let auth: [u8; 16] = device
            .auth
            .as_slice()
            .try_into()
            .map_err(|_| "the device's auth secret is not 16 bytes".to_owned())?;
        let auth = Auth::from(auth);
        let built = WebPushBuilder::new(endpoint.uri, public, auth)
            .with_valid_duration(TTL)
            .build(payload.to_vec())
            .map_err(|e| format!("encryption: {e}"))?;
        let authorization = key
            .authorization(&endpoint.origin, contact)
            .map_err(|e| e.to_string())?;
        let (mut parts, body) = built.into_parts();
        let value = |text: &str| HeaderValue::from_str(text).map_err(|e| e.to_string());
        parts
            .headers
            .insert(header::AUTHORIZATION, value(&authorization)?);
        parts
            .headers
            .insert("urgency", HeaderValue::from_static("normal"));
        parts.headers.insert("topic", value(topic)?);
        Ok(Request::from_parts(parts, Full::new(Bytes::from(body))))
    }
}

/// RFC 8030 §5 and what push services answer in practice.
fn judge(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone,
        429 | 500..=599 => Outcome::Retry(format!("push service answered {status}")),
        other => Outcome::Refused(format!("push service answered {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged() {
        assert_eq!(judge(201), Outcome::Delivered);
        assert_eq!(judge(410), Outcome::Gone);
        assert_eq!(judge(404), Outcome::Gone);
        assert!(matches!(judge(503), Outcome::Retry(_)));
        assert!(matches!(judge(429), Outcome::Retry(_)));
        assert!(matches!(judge(403), Outcome::Refused(_)));
        assert!(matches!(judge(413), Outcome::Refused(_)));
    }
}
