//! JSON calls to a tenant's `/api/v1`, with an optional bearer token.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use serde_json::Value;

use super::TestApp;

/// A response, read whole; `json` is `Null` when the body is not JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Reply {
    /// The end of a problem's `type` URI.
    pub fn code(&self) -> &str {
        self.json["type"]
            .as_str()
            .and_then(|t| t.rsplit('/').next())
            .unwrap_or_default()
    }

    pub fn is_problem(&self) -> bool {
        self.content_type.starts_with("application/problem+json")
    }
}

pub async fn send(
    app: &TestApp,
    request: reqwest::RequestBuilder,
    host: &str,
    token: Option<&str>,
) -> Reply {
    let mut request = request.header(HOST, host);
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let _ = app;
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        headers,
        json,
    }
}

pub async fn get(app: &TestApp, host: &str, path: &str, token: Option<&str>) -> Reply {
    let request = app.http.get(format!("http://{}{path}", app.addr));
    send(app, request, host, token).await
}

pub async fn call(
    app: &TestApp,
    method: &str,
    host: &str,
    path: &str,
    body: &Value,
    token: Option<&str>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let request = app
        .http
        .request(method, format!("http://{}{path}", app.addr))
        .json(body);
    send(app, request, host, token).await
}

pub async fn post(
    app: &TestApp,
    host: &str,
    path: &str,
    body: &Value,
    token: Option<&str>,
) -> Reply {
    call(app, "POST", host, path, body, token).await
}

/// Logs in through the API and returns (access token, refresh token).
pub async fn login(app: &TestApp, host: &str, email: &str, password: &str) -> (String, String) {
    let reply = post(
        app,
        host,
        "/api/v1/auth/login",
        &serde_json::json!({ "email": email, "password": password }),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "login failed: {reply:?}");
    assert_eq!(reply.json["token_type"], "Bearer");
    (
        reply.json["access_token"]
            .as_str()
            .expect("access")
            .to_owned(),
        reply.json["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    )
}
