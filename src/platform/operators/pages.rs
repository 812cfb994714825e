//! The console's sign-in: password, then the second factor (or its
//! enrolment the first time), sign-out, and the one-time links that let a
//! new operator choose a password. These are the only console pages open
//! without a session.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::guard::{SigningIn, unfinished};
use super::sessions::Stage;
use super::{Client, LinkRefusal, Operators, SignInError, Step};
use crate::auth::RequestAuth;
use crate::auth::cookies::Kind;
use crate::error::AppError;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::extract::Query;
use crate::web::form::Form;

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

#[derive(Serialize, Default)]
struct FormPage<'a> {
    email: &'a str,
    next: &'a str,
    /// A translation key.
    error: Option<&'static str>,
    wait: Option<u64>,
    secret: Option<String>,
    otpauth_url: Option<String>,
    qr_svg: Option<String>,
    recovery_codes: Vec<String>,
}

fn client(auth: &RequestAuth) -> Client<'_> {
    Client {
        ip: auth.client_ip,
        user_agent: auth.user_agent.as_deref(),
    }
}

fn local_or_console(next: &str) -> &str {
    if crate::model::is_local_path(next) && !next.starts_with("/login") {
        next
    } else {
        "/console"
    }
}

/// Redirects after a sign-in step, setting the new session's cookie.
fn advance(auth: &RequestAuth, step: &Step, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let cookie = auth.policy.set(Kind::Session, &step.cookie, false);
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

fn refused(error: &SignInError) -> (StatusCode, &'static str, Option<u64>) {
    match error {
        SignInError::Throttled(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            "op-login-throttled",
            Some(*wait),
        ),
        SignInError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "op-login-busy", None),
        _ => (StatusCode::UNAUTHORIZED, "op-login-invalid", None),
    }
}

pub async fn login_page(
    State(themes): State<Themes>,
    view: ConsoleView,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let page = FormPage {
        next: &query.next,
        ..Default::default()
    };
    themes.console_page(&view, "platform/login.html", StatusCode::OK, &page)
}

pub async fn login(
    State(themes): State<Themes>,
    State(operators): State<Operators>,
    view: ConsoleView,
    auth: RequestAuth,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    match operators
        .sign_in(&form.email, &form.password, client(&auth))
        .await
    {
        Ok(step) => {
            let next = local_or_console(&form.next);
            let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
            let to = format!("{}?next={encoded}", unfinished(step.stage));
            Ok(advance(&auth, &step, &to))
        }
        Err(SignInError::Database(error)) => Err(error.into()),
        Err(error) => {
            let (status, key, wait) = refused(&error);
            let page = FormPage {
                email: &form.email,
                next: &form.next,
                error: Some(key),
                wait,
                ..Default::default()
            };
            themes.console_page(&view, "platform/login.html", status, &page)
        }
    }
}

pub async fn code_page(
    State(themes): State<Themes>,
    view: ConsoleView,
    SigningIn(session): SigningIn,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    if session.stage != Stage::Password {
        return Ok(Redirect::to(stage_home(session.stage)).into_response());
    }
    let page = FormPage {
        next: &query.next,
        ..Default::default()
    };
    themes.console_page(&view, "platform/login_code.html", StatusCode::OK, &page)
}

pub async fn code(
    State(themes): State<Themes>,
    State(operators): State<Operators>,
    view: ConsoleView,
    auth: RequestAuth,
    SigningIn(session): SigningIn,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    match operators
        .second_factor(&session, &form.code, client(&auth))
        .await
    {
        Ok(step) => Ok(advance(&auth, &step, local_or_console(&form.next))),
        Err(SignInError::Database(error)) => Err(error.into()),
        Err(error) => {
            let (status, _, wait) = refused(&error);
            let page = FormPage {
                next: &form.next,
                error: Some(if wait.is_some() {
                    "op-login-throttled"
                } else {
                    "op-code-invalid"
                }),
                wait,
                ..Default::default()
            };
            themes.console_page(&view, "platform/login_code.html", status, &page)
        }
    }
}

/// Where a session at `stage` belongs.
fn stage_home(stage: Stage) -> &'static str {
    match stage {
        Stage::Full => "/console",
        other => unfinished(other),
    }
}

pub async fn enrol_page(
    State(themes): State<Themes>,
    State(operators): State<Operators>,
    view: ConsoleView,
    SigningIn(session): SigningIn,
) -> Result<Response, AppError> {
    if session.stage != Stage::Enrol {
        return Ok(Redirect::to(stage_home(session.stage)).into_response());
    }
    enrolment(&themes, &operators, &view, &session, None, StatusCode::OK).await
}

async fn enrolment(
    themes: &Themes,
    operators: &Operators,
    view: &ConsoleView,
    session: &super::sessions::Session,
    error: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (secret, url, svg) = operators.enrolment(session).await?;
    let page = FormPage {
        email: &session.email,
        error,
        secret: Some(secret),
        otpauth_url: Some(url),
        qr_svg: Some(svg),
        ..Default::default()
    };
    themes.console_page(view, "platform/enrol.html", status, &page)
}

pub async fn enrol(
    State(themes): State<Themes>,
    State(operators): State<Operators>,
    view: ConsoleView,
    auth: RequestAuth,
    SigningIn(session): SigningIn,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    match operators
        .confirm_enrolment(&session, &form.code, client(&auth))
        .await
    {
        Ok(Some((step, codes))) => {
            let page = FormPage {
                recovery_codes: codes,
                ..Default::default()
            };
            let mut response = themes.console_page(
                &view,
                "platform/recovery_codes.html",
                StatusCode::OK,
                &page,
            )?;
            let cookie = auth.policy.set(Kind::Session, &step.cookie, false);
            response.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(response)
        }
        Ok(None) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            enrolment(
                &themes,
                &operators,
                &view,
                &session,
                Some("op-code-invalid"),
                status,
            )
            .await
        }
        Err(SignInError::Database(error)) => Err(error.into()),
        Err(error) => Err(error.into()),
    }
}

pub async fn logout(
    State(operators): State<Operators>,
    auth: RequestAuth,
) -> Result<Response, AppError> {
    if let Some(cookie) = &auth.session_cookie
        && let Some(session) = operators.session(cookie).await?
    {
        operators.sign_out(&session).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, auth.policy.clear(Kind::Session));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn link_page(
    State(themes): State<Themes>,
    State(operators): State<Operators>,
    view: ConsoleView,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !operators.link_is_live(&token).await? {
        let page = FormPage {
            error: Some("op-link-dead"),
            ..Default::default()
        };
        return themes.console_page(&view, "platform/set_password.html", StatusCode::GONE, &page);
    }
    themes.console_page(
        &view,
        "platform/set_password.html",
        StatusCode::OK,
        &FormPage::default(),
    )
}

pub async fn accept_link(
    State(themes): State<Themes>,
    State(operators): State<Operators>,
    view: ConsoleView,
    auth: RequestAuth,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let problem = |key: &'static str, status| {
        let page = FormPage {
            error: Some(key),
            ..Default::default()
        };
        themes.console_page(&view, "platform/set_password.html", status, &page)
    };
    if form.password != form.confirm {
        return problem("op-password-mismatch", StatusCode::UNPROCESSABLE_ENTITY);
    }
    match operators
        .accept_link(&token, &form.password, client(&auth))
        .await
    {
        Ok(Ok(step)) => Ok(advance(&auth, &step, "/login/enrol")),
        Ok(Err(LinkRefusal::Dead)) => problem("op-link-dead", StatusCode::GONE),
        Ok(Err(LinkRefusal::Weak(weakness))) => {
            problem(weakness.key(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => Err(error),
    }
}
