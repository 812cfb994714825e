//! Signing in (`/accounts/login/`), the second factor
//! (`/accounts/login/2fa/`) and signing out.
//!
//! A correct password opens a session; with 2FA on, that session is only
//! an `mfa` one, good for ten minutes and for the second-factor form alone.
//! Each step starts a new session id (the previous one is ended), so an id
//! planted before sign-in is worthless after it.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Errors, Notice, redirect_with, render, safe_next};
use crate::accounts::login::{self, Credentials, LoginError};
use crate::accounts::model::Account;
use crate::accounts::{mails, store, tokens, two_factor};
use crate::audit::{self, Entry};
use crate::auth::cookies::Kind;
use crate::auth::session::{self, NewSession, Stage};
use crate::auth::throttle::Attempt;
use crate::auth::{RequestAuth, secret};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;
use crate::web::flash::{Flash, FlashKind};
use crate::web::form::Form;
use crate::web::transaction::KeepWrites;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
    remember: Option<String>,
}

#[derive(Serialize)]
struct LoginPage<'a> {
    csrf: &'a str,
    email: &'a str,
    next: &'a str,
    errors: Errors,
    notice: Option<Notice>,
}

pub async fn form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Query(query): Query<NextQuery>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let page = LoginPage {
        csrf: auth.csrf.value(),
        email: "",
        next: &safe_next_or_empty(&query.next),
        errors: Errors::default(),
        notice: None,
    };
    render(
        &themes,
        &tx,
        &view,
        "accounts/login.html",
        StatusCode::OK,
        &page,
    )
    .await
}

fn safe_next_or_empty(next: &str) -> String {
    if next.is_empty() {
        String::new()
    } else {
        safe_next(next)
    }
}

pub async fn submit(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let credentials = Credentials {
        email: &form.email,
        password: &form.password,
        ip: auth.client_ip,
    };
    let refused = |notice: Notice| LoginPage {
        csrf: auth.csrf.value(),
        email: &form.email,
        next: &form.next,
        errors: Errors::default(),
        notice: Some(notice),
    };
    let account = match login::check_password(&mut tx, &auth.auth, &credentials).await {
        Ok(account) => account,
        Err(LoginError::Invalid) => {
            let page = refused(Notice::error("login-invalid"));
            let response =
                render(&themes, &tx, &view, LOGIN, StatusCode::UNAUTHORIZED, &page).await;
            return keep(response);
        }
        Err(LoginError::Throttled(wait)) => {
            return throttled(&themes, &tx, &view, refused, wait.as_secs().max(1)).await;
        }
        Err(LoginError::Busy) => return throttled(&themes, &tx, &view, refused, 2).await,
        Err(LoginError::Pending) => {
            let page = refused(Notice::error("login-pending"));
            return render(&themes, &tx, &view, LOGIN, StatusCode::FORBIDDEN, &page).await;
        }
        Err(LoginError::Unverified(account)) => {
            send_verification(&mut tx, &auth, &account).await?;
            let page = refused(Notice::info("login-unverified"));
            let response = render(&themes, &tx, &view, LOGIN, StatusCode::FORBIDDEN, &page).await;
            return keep(response);
        }
        Err(LoginError::Database(error)) => return Err(error.into()),
    };
    let next = safe_next(&form.next);
    if account.two_factor {
        let cookie = open_session(&mut tx, &auth, &account, Stage::Mfa, false).await?;
        let target = format!("/accounts/login/2fa/?next={}", encode(&next));
        return Ok(with_cookie(redirect_with(&target, None), cookie));
    }
    login::record_success(&mut tx, &account, auth.client_ip, "password").await?;
    let cookie = open_session(
        &mut tx,
        &auth,
        &account,
        Stage::Full,
        form.remember.is_some(),
    )
    .await?;
    Ok(with_cookie(redirect_with(&next, None), cookie))
}

const LOGIN: &str = "accounts/login.html";

async fn throttled<'a>(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    refused: impl FnOnce(Notice) -> LoginPage<'a>,
    seconds: u64,
) -> Result<Response, AppError> {
    let mut notice = Notice::error("login-throttled");
    notice.seconds = Some(seconds);
    let page = refused(notice);
    let mut response = render(
        themes,
        tx,
        view,
        LOGIN,
        StatusCode::TOO_MANY_REQUESTS,
        &page,
    )
    .await?;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    Ok(response)
}

/// An error page whose writes (audit entry, new link) must stand.
fn keep(response: Result<Response, AppError>) -> Result<Response, AppError> {
    let mut response = response?;
    response.extensions_mut().insert(KeepWrites);
    Ok(response)
}

/// Mails a fresh verification link (the previous one stops working).
pub async fn send_verification(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    account: &Account,
) -> Result<(), AppError> {
    let token = tokens::issue(tx, account.id, tokens::Purpose::Verify, None).await?;
    let link = super::mail_link(auth, &format!("/accounts/verify/{token}"));
    mails::verify_email(tx, account, &link).await?;
    Ok(())
}

/// Starts a session for `account`, ending the one the browser had, and
/// returns its cookie.
pub async fn open_session(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    account: &Account,
    stage: Stage,
    remember: bool,
) -> Result<HeaderValue, AppError> {
    if let Some(old) = &auth.session_cookie {
        session::end(tx, &secret::digest(old)).await?;
    }
    let id = session::start(
        tx,
        NewSession {
            account_id: account.id,
            role: account.role,
            stage,
            user_agent: auth.user_agent.as_deref(),
            ip: auth.client_ip,
        },
    )
    .await?;
    Ok(auth.policy.set(Kind::Session, &id, remember))
}

pub fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    next: String,
}

#[derive(Serialize)]
struct SecondFactorPage<'a> {
    csrf: &'a str,
    next: &'a str,
    notice: Option<Notice>,
}

/// The session between the password and the second factor, if the
/// browser holds one.
async fn pending_login(tx: &mut TenantTx, auth: &RequestAuth) -> Result<Option<Account>, AppError> {
    let Some(cookie) = &auth.session_cookie else {
        return Ok(None);
    };
    let Some(found) = session::find(tx, cookie)
        .await?
        .filter(|s| s.stage == Stage::Mfa)
    else {
        return Ok(None);
    };
    Ok(store::find(tx, found.account_id).await?)
}

pub async fn second_factor_form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Query(query): Query<NextQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    if pending_login(&mut tx, &auth).await?.is_none() {
        return Ok(redirect_with("/accounts/login/", None));
    }
    let page = SecondFactorPage {
        csrf: auth.csrf.value(),
        next: &safe_next(&query.next),
        notice: None,
    };
    render(&themes, &tx, &view, SECOND_FACTOR, StatusCode::OK, &page).await
}

const SECOND_FACTOR: &str = "accounts/login_2fa.html";

pub async fn second_factor(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let Some(account) = pending_login(&mut tx, &auth).await? else {
        let flash = Some(Flash::new(FlashKind::Error, "flash-login-expired"));
        return Ok(redirect_with("/accounts/login/", flash));
    };
    // The second factor is throttled like the password, per account.
    let key = format!("2fa:{}", account.id);
    let attempt = Attempt {
        realm: crate::auth::Realm::Tenant(tx.tenant().id),
        email: &key,
        ip: auth.client_ip,
    };
    let page = |notice: Notice| SecondFactorPage {
        csrf: auth.csrf.value(),
        next: &form.next,
        notice: Some(notice),
    };
    if let Err(wait) = auth.auth.throttle.check(&attempt) {
        let mut notice = Notice::error("login-throttled");
        notice.seconds = Some(wait.as_secs().max(1));
        let status = StatusCode::TOO_MANY_REQUESTS;
        return render(&themes, &tx, &view, SECOND_FACTOR, status, &page(notice)).await;
    }
    if !two_factor::verify(&mut tx, account.id, &form.code).await? {
        auth.auth.throttle.failed(&attempt);
        let entry = Entry::new("login.2fa_failed")
            .on(account.id)
            .from(auth.client_ip);
        audit::record(&mut tx, entry).await?;
        let status = StatusCode::UNAUTHORIZED;
        let response = render(
            &themes,
            &tx,
            &view,
            SECOND_FACTOR,
            status,
            &page(Notice::error("login-code-invalid")),
        )
        .await;
        return keep(response);
    }
    auth.auth.throttle.succeeded(&attempt);
    login::record_success(&mut tx, &account, auth.client_ip, "password+totp").await?;
    let cookie = open_session(&mut tx, &auth, &account, Stage::Full, false).await?;
    Ok(with_cookie(
        redirect_with(&safe_next(&form.next), None),
        cookie,
    ))
}

pub async fn logout(auth: RequestAuth, mut tx: TenantTx) -> Result<Response, AppError> {
    if let Some(cookie) = &auth.session_cookie {
        if let Some(found) = session::find(&mut tx, cookie).await? {
            let entry = Entry::new("session.ended")
                .by(found.account_id)
                .on(found.account_id)
                .from(auth.client_ip);
            audit::record(&mut tx, entry).await?;
        }
        session::end(&mut tx, &secret::digest(cookie)).await?;
    }
    let flash = Some(Flash::new(FlashKind::Info, "flash-signed-out"));
    Ok(with_cookie(
        redirect_with("/", flash),
        auth.policy.clear(Kind::Session),
    ))
}
