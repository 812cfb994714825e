//! `Idempotency-Key` on the API's money-creating `POST`s. The key is
//! claimed in the request's own transaction before any work
//! ([`idempotency::claim`]); the answer is stored with it
//! ([`idempotency::finish`]) and replayed, with its first status, to a
//! retry with the same key and the same request. The same key with another
//! body is a 422; a failed first attempt rolls its claim back, so the key
//! can be used again. Keys belong to their caller (a person or an API key).

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::{Principal, Via};
use crate::contributions::idempotency::{self, Claim};
use crate::db::TenantTx;
use crate::error::AppError;

/// The header.
pub const HEADER: &str = "idempotency-key";

/// A request that carries its key.
pub struct Keyed {
    caller: String,
    key: String,
    hash: [u8; 32],
}

impl Keyed {
    /// The key of `headers` (required: 400 without it) for `who`, and the
    /// fingerprint of the request.
    pub fn new(
        who: &Principal,
        headers: &HeaderMap,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Self, AppError> {
        let key = headers
            .get(HEADER)
            .ok_or(AppError::BadRequest(
                "this request needs an Idempotency-Key header".into(),
            ))?
            .to_str()
            .map_err(|_| AppError::BadRequest("Idempotency-Key: visible ASCII only".into()))?;
        if !idempotency::valid_key(key) {
            return Err(AppError::BadRequest(
                "Idempotency-Key: 1 to 255 visible ASCII characters".into(),
            ));
        }
        let caller = match &who.via {
            Via::ApiKey { key_id, .. } => format!("key:{key_id}"),
            _ => format!("account:{}", who.account_id),
        };
        Ok(Self {
            caller,
            key: key.to_owned(),
            hash: idempotency::request_hash(method, path, body),
        })
    }

    /// Runs `work` once per key: a replay answers what the first run did.
    pub async fn run<T, F>(self, tx: &mut TenantTx, work: F) -> Result<Response, AppError>
    where
        T: Serialize,
        F: AsyncFnOnce(&mut TenantTx) -> Result<(StatusCode, T), AppError>,
    {
        match idempotency::claim(tx, &self.caller, &self.key, &self.hash).await? {
            Claim::Replay { status, body } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                let mut response = (status, Json(body)).into_response();
                response
                    .headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                Ok(response)
            }
            Claim::Fresh => {
                let (status, answer) = work(tx).await?;
                let body = serde_json::to_value(&answer)
                    .map_err(|e| AppError::Internal(e.to_string().into()))?;
                idempotency::finish(tx, &self.caller, &self.key, status.as_u16(), &body).await?;
                Ok((status, Json(body)).into_response())
            }
        }
    }
}

/// A JSON body read from bytes (the key's fingerprint needs them): not
/// JSON is a 400, the wrong shape a 422, as with `ApiJson`.
pub fn parse<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, AppError> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(AppError::BadRequest(
            "send the body as application/json".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => AppError::Unprocessable(e.to_string().into()),
        _ => AppError::BadRequest("the body is not valid JSON".into()),
    })
}
