//! `/api/v1/auth/*`: sign up, log in (password and second factor), refresh
//! and log out. The password check is the sign-in page's own
//! (`accounts::login::check_password`): same throttling, same uniform
//! answer, same audit.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::json::{ApiJson, keeping_writes, problem};
use super::tokens::{self, RefreshRefused, TokenResponse};
use crate::accounts::login::{self, Credentials};
use crate::accounts::store::{self, CreateError, NewAccount};
use crate::accounts::tokens::{self as links, Purpose};
use crate::accounts::{SignupPolicy, Status, mails, two_factor};
use crate::audit::{self, Entry};
use crate::auth::{RequestAuth, Role, password, refresh};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Email;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    /// 12 to 256 characters, not a well-known password.
    pub password: String,
    pub display_name: String,
    /// `fr` or `en`.
    pub locale: Option<String>,
    /// A referral or coupon code of this association's programme.
    #[serde(default)]
    pub referral_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// What happens next; the same whether or not the address was known.
    pub status: &'static str,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The authenticator code (or a recovery code) when 2FA is on.
    pub totp: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Creates an unverified account (or one awaiting approval) and mails the
/// verification link. The answer does not reveal whether the address
/// already had an account.
#[utoipa::path(operation_id = "auth_register", post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses((status = 202, body = Registered), (status = 403, description = "Invitation only"),
              (status = 422, description = "Invalid input")))]
pub async fn register(
    context: RequestAuth,
    headers: HeaderMap,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<RegisterRequest>,
) -> Result<Response, AppError> {
    let policy = store::signup_policy_apart(&tx).await?;
    if policy == SignupPolicy::Invitation {
        return Err(AppError::Forbidden(
            "this association admits members by invitation only".into(),
        ));
    }
    let email =
        Email::parse(&body.email).map_err(|e| AppError::Unprocessable(e.to_string().into()))?;
    let display_name = super::profile::display_name(&body.display_name)?;
    let locale = super::profile::locale(body.locale.as_deref())?;
    password::check_strength(&body.password, email.as_str())
        .map_err(|weakness| AppError::Unprocessable(weakness.key().into()))?;
    let code = body
        .referral_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(code) = code
        && !crate::affiliation::tenant::known_code(&mut tx, code).await?
    {
        return Err(AppError::Unprocessable(
            "referral_code: no such referral or coupon code".into(),
        ));
    }
    let hash = context
        .auth
        .passwords
        .hash(&body.password)
        .await
        .map_err(|_| AppError::TooManyRequests(2))?;
    let status = match policy {
        SignupPolicy::Approval => Status::Pending,
        _ => Status::Active,
    };
    let new = NewAccount {
        email: &email,
        display_name: &display_name,
        role: Role::Member,
        status,
        password_hash: Some(&hash),
        locale: locale.as_deref(),
        email_verified: false,
    };
    match store::create(&mut tx, new).await {
        Ok(id) => {
            send_verification(&mut tx, &context, &headers, id).await?;
            let sign_up = crate::affiliation::tenant::SignUp {
                account_id: id,
                name: &display_name,
                email: email.as_str(),
                typed_code: code,
                auth: &context,
                headers: &headers,
            };
            crate::affiliation::tenant::signed_up(&mut tx, sign_up).await?;
            crate::live::publish(&mut tx, &crate::live::LiveEvent::signup(id, &display_name))
                .await?;
        }
        Err(CreateError::Taken) => {}
        Err(CreateError::Database(e)) => return Err(e.into()),
    }
    let answer = Registered {
        status: "check-your-email",
    };
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

async fn send_verification(
    tx: &mut TenantTx,
    context: &RequestAuth,
    headers: &HeaderMap,
    id: i64,
) -> Result<(), AppError> {
    let account = store::find(tx, id).await?.ok_or(AppError::NotFound)?;
    let token = links::issue(tx, id, Purpose::Verify, None).await?;
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(tx.tenant().canonical_host().as_str())
        .to_owned();
    let link = mails::link(
        &host,
        context.links_over_tls(),
        &format!("/accounts/verify/{token}"),
    );
    mails::verify_email(tx, &account, &link).await?;
    audit::record(
        tx,
        Entry::new("account.registered")
            .by(id)
            .on(id)
            .from(context.client_ip)
            .with(json!({ "via": "api" })),
    )
    .await?;
    Ok(())
}

/// Exchanges a password (and the second factor, when on) for tokens.
#[utoipa::path(operation_id = "auth_login", post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, body = TokenResponse),
              (status = 401, description = "Wrong credentials, or `totp-required`"),
              (status = 429, description = "Throttled")))]
pub async fn login(
    context: RequestAuth,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, AppError> {
    let credentials = Credentials {
        email: &body.email,
        password: &body.password,
        ip: context.client_ip,
    };
    let account = match login::check_password(&mut tx, &context.auth, &credentials).await {
        Ok(account) => account,
        Err(error) => return Ok(keeping_writes(AppError::from(error))),
    };
    if account.two_factor {
        let Some(code) = body.totp.as_deref() else {
            return Ok(problem(
                StatusCode::UNAUTHORIZED,
                "totp-required",
                "Second factor required",
                "send the code of your authenticator app as `totp`",
            ));
        };
        if !two_factor::verify(&mut tx, account.id, code).await? {
            let entry = Entry::new("login.failed")
                .on(account.id)
                .from(context.client_ip)
                .with(json!({ "reason": "totp", "via": "api" }));
            audit::record(&mut tx, entry).await?;
            let refused = AppError::Unauthorized("wrong authenticator code".into());
            return Ok(keeping_writes(refused));
        }
    }
    login::record_success(&mut tx, &account, context.client_ip, "api").await?;
    let tokens = tokens::start(&mut tx, &context.auth.keys, account.id, account.role, None).await?;
    Ok(Json(tokens).into_response())
}

/// Exchanges a refresh token for new tokens; the old one is then void, and
/// presenting it again revokes every token of its log-in.
#[utoipa::path(operation_id = "auth_refresh_tokens", post, path = "/api/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "Invalid or reused")))]
pub async fn refresh_tokens(
    context: RequestAuth,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<Response, AppError> {
    let keys = &context.auth.keys;
    match tokens::refresh(&mut tx, keys, &body.refresh_token, None, context.client_ip).await? {
        Ok(tokens) => Ok(Json(tokens).into_response()),
        Err(RefreshRefused::Reused) => Ok(keeping_writes(AppError::Unauthorized(
            "this refresh token was already used: every token of this log-in is revoked".into(),
        ))),
        Err(RefreshRefused::Invalid) => Err(AppError::Unauthorized(
            "the refresh token is invalid, expired or revoked".into(),
        )),
    }
}

/// Ends a log-in: its refresh tokens and access tokens stop working.
#[utoipa::path(operation_id = "auth_logout", post, path = "/api/v1/auth/logout", tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out (also for an unknown token)")))]
pub async fn logout(
    context: RequestAuth,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<StatusCode, AppError> {
    if let Some((family, account_id)) = refresh::family_of(&mut tx, &body.refresh_token).await? {
        refresh::revoke_family(&mut tx, &family).await?;
        let entry = Entry::new("logout")
            .by(account_id)
            .on(account_id)
            .from(context.client_ip)
            .with(json!({ "via": "api" }));
        audit::record(&mut tx, entry).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
