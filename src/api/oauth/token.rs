//! `POST /api/v1/oauth/token` (RFC 6749 §3.2, form-encoded): the
//! `authorization_code` grant with its PKCE `code_verifier`, and the
//! `refresh_token` grant. Errors carry RFC 6749's `error` member inside an
//! RFC 9457 problem, so both kinds of clients understand them.

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::clients;
use crate::accounts::{Status, store};
use crate::api::json::keeping_writes;
use crate::api::tokens::{self, RefreshRefused, TokenResponse};
use crate::audit::{self, Entry};
use crate::auth::{RequestAuth, refresh};
use crate::db::TenantTx;
use crate::error::AppError;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    pub grant_type: String,
    pub client_id: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// An RFC 6749 §5.2 error.
#[derive(Debug)]
pub struct OAuthError {
    error: &'static str,
    description: &'static str,
}

fn refused(error: &'static str, description: &'static str) -> OAuthError {
    OAuthError { error, description }
}

#[derive(Serialize)]
struct OAuthProblem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    error: &'a str,
    error_description: &'a str,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = match self.error {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = OAuthProblem {
            kind: format!(
                "{}oauth-{}",
                crate::web::errors::PROBLEM_TYPE_BASE,
                self.error
            ),
            title: "OAuth2 request refused",
            status: status.as_u16(),
            detail: self.description,
            error: self.error,
            error_description: self.description,
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[utoipa::path(operation_id = "token_token", post, path = "/api/v1/oauth/token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = TokenResponse),
              (status = 400, description = "RFC 6749 error (`invalid_grant`, …)")))]
pub async fn token(
    context: RequestAuth,
    mut tx: TenantTx,
    body: Bytes,
) -> Result<Response, AppError> {
    let Ok(request) = serde_urlencoded::from_bytes::<TokenRequest>(&body) else {
        return Ok(refused("invalid_request", "the body must be form-encoded").into_response());
    };
    let Some(client) =
        clients::find(&mut tx, request.client_id.as_deref().unwrap_or_default()).await?
    else {
        return Ok(refused("invalid_client", "unknown client_id").into_response());
    };
    let answer = match request.grant_type.as_str() {
        "authorization_code" => exchange_code(&mut tx, &context, &client, &request).await?,
        "refresh_token" => refresh(&mut tx, &context, &client, &request).await?,
        _ => Err(refused(
            "unsupported_grant_type",
            "use authorization_code or refresh_token",
        )),
    };
    Ok(match answer {
        Ok(tokens) => {
            let mut response = Json(tokens).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        // A spent code or a revoked family stays so.
        Err(error) => keeping_writes(error),
    })
}

type Answer = Result<Result<TokenResponse, OAuthError>, AppError>;

async fn exchange_code(
    tx: &mut TenantTx,
    context: &RequestAuth,
    client: &clients::Client,
    request: &TokenRequest,
) -> Answer {
    let invalid = || {
        Ok(Err(refused(
            "invalid_grant",
            "the code is invalid, expired, used or not yours",
        )))
    };
    let code = request.code.as_deref().unwrap_or_default();
    let Some(grant) = clients::redeem_code(tx, code).await? else {
        revoke_if_reused(tx, context, code).await?;
        return invalid();
    };
    let verifier = request.code_verifier.as_deref().unwrap_or_default();
    if grant.client != client.id
        || request.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str())
        || !super::verifier_matches(verifier, &grant.code_challenge)
    {
        return invalid();
    }
    let account = store::find(tx, grant.account_id).await?;
    let Some(account) = account.filter(|a| a.status == Status::Active) else {
        return invalid();
    };
    let entry = Entry::new("oauth.token_issued")
        .by(account.id)
        .on(account.id)
        .from(context.client_ip)
        .with(json!({ "client": client.client_id }));
    audit::record(tx, entry).await?;
    let keys = &context.auth.keys;
    let tokens = tokens::start(tx, keys, account.id, account.role, Some(client.id)).await?;
    if let Some((family, _)) = refresh::family_of(tx, &tokens.refresh_token).await? {
        clients::record_family(tx, code, &family).await?;
    }
    Ok(Ok(tokens))
}

/// A spent code presented again may have been stolen: the tokens it was
/// exchanged for are revoked (RFC 6749 §4.1.2), and the attempt audited.
async fn revoke_if_reused(
    tx: &mut TenantTx,
    context: &RequestAuth,
    code: &str,
) -> Result<(), AppError> {
    let Some(family) = clients::family_of_spent(tx, code).await? else {
        return Ok(());
    };
    let revoked = refresh::revoke_family(tx, &family).await?;
    let entry = Entry::new("oauth.code_reused")
        .from(context.client_ip)
        .with(json!({ "revoked": revoked }));
    audit::record(tx, entry).await?;
    Ok(())
}

async fn refresh(
    tx: &mut TenantTx,
    context: &RequestAuth,
    client: &clients::Client,
    request: &TokenRequest,
) -> Answer {
    let presented = request.refresh_token.as_deref().unwrap_or_default();
    let keys = &context.auth.keys;
    Ok(
        match tokens::refresh(tx, keys, presented, Some(client.id), context.client_ip).await? {
            Ok(tokens) => Ok(tokens),
            Err(RefreshRefused::Reused | RefreshRefused::Invalid) => Err(refused(
                "invalid_grant",
                "the refresh token is invalid, expired, revoked or already used",
            )),
        },
    )
}
