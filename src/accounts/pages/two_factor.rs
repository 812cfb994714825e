//! Two-factor sign-in (`/accounts/2fa/`): enrol an authenticator app (QR
//! code as inline SVG, or the secret typed by hand), confirm it with a
//! code, receive ten recovery codes shown once; replace the recovery codes
//! or turn 2FA off, each behind the password (and a code to turn it off).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Notice, current_account, redirect_with, render, success};
use crate::accounts::login::{self, Credentials};
use crate::accounts::model::Account;
use crate::accounts::{mails, two_factor};
use crate::audit::{self, Entry};
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::form::Form;
use crate::web::transaction::KeepWrites;

#[derive(Serialize, Default)]
struct TwoFactorPage<'a> {
    csrf: &'a str,
    enabled: bool,
    /// Enrolment in progress: the QR code and the secret to type.
    qr_svg: Option<String>,
    secret: Option<String>,
    /// Shown once, right after they are made.
    recovery_codes: Option<Vec<String>>,
    notice: Option<Notice>,
}

const TEMPLATE: &str = "accounts/two_factor.html";

pub async fn overview(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let page = TwoFactorPage {
        csrf: auth.csrf.value(),
        enabled: account.two_factor,
        ..Default::default()
    };
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

/// A pending secret waiting for its first code, and what to say about it.
struct Enrolment {
    secret: String,
    notice: Option<Notice>,
    status: StatusCode,
}

/// The enrolment page for a (new) pending secret.
async fn enrolment_page(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    auth: &RequestAuth,
    account: &Account,
    enrolment: Enrolment,
) -> Result<Response, AppError> {
    let Enrolment {
        secret,
        notice,
        status,
    } = enrolment;
    let (_, svg) = crate::auth::totp::enrolment(&secret, &view.tenant.name, &account.email)
        .ok_or(AppError::Internal("the QR code could not be drawn".into()))?;
    let page = TwoFactorPage {
        csrf: auth.csrf.value(),
        qr_svg: Some(svg),
        secret: Some(secret),
        notice,
        ..Default::default()
    };
    render(themes, tx, view, TEMPLATE, status, &page).await
}

pub async fn setup(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    if account.two_factor {
        return Ok(redirect_with("/accounts/2fa/", None));
    }
    let secret = two_factor::begin(&mut tx, account.id).await?;
    let enrolment = Enrolment {
        secret,
        notice: None,
        status: StatusCode::OK,
    };
    enrolment_page(&themes, &tx, &view, &auth, &account, enrolment).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    password: String,
}

pub async fn confirm(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let Some(codes) = two_factor::confirm(&mut tx, account.id, &form.code).await? else {
        let state = two_factor::state(&mut tx, account.id).await?;
        let Some(secret) = state.secret.filter(|_| !state.enabled) else {
            return Ok(redirect_with("/accounts/2fa/", None));
        };
        let enrolment = Enrolment {
            secret,
            notice: Some(Notice::error("login-code-invalid")),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return enrolment_page(&themes, &tx, &view, &auth, &account, enrolment).await;
    };
    changed(&mut tx, &auth, &account, "2fa.enabled", "2fa-enabled").await?;
    let page = TwoFactorPage {
        csrf: auth.csrf.value(),
        enabled: true,
        recovery_codes: Some(codes),
        ..Default::default()
    };
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

/// Checks the password (and, when asked, a code) before a 2FA change;
/// `Err` is the page to show.
async fn confirm_identity(
    themes: &Themes,
    tx: &mut TenantTx,
    view: &PageView,
    auth: &RequestAuth,
    account: &Account,
    form: &CodeForm,
    with_code: bool,
) -> Result<Option<Response>, AppError> {
    let credentials = Credentials {
        email: &account.email,
        password: &form.password,
        ip: auth.client_ip,
    };
    let password_ok = login::check_password(tx, &auth.auth, &credentials)
        .await
        .is_ok();
    let code_ok =
        !with_code || (password_ok && two_factor::verify(tx, account.id, &form.code).await?);
    if password_ok && code_ok {
        return Ok(None);
    }
    let page = TwoFactorPage {
        csrf: auth.csrf.value(),
        enabled: true,
        notice: Some(Notice::error("two-factor-confirm-failed")),
        ..Default::default()
    };
    let mut response = render(themes, tx, view, TEMPLATE, StatusCode::UNAUTHORIZED, &page).await?;
    response.extensions_mut().insert(KeepWrites);
    Ok(Some(response))
}

pub async fn disable(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    if !account.two_factor {
        return Ok(redirect_with("/accounts/2fa/", None));
    }
    if let Some(refused) =
        confirm_identity(&themes, &mut tx, &view, &auth, &account, &form, true).await?
    {
        return Ok(refused);
    }
    two_factor::disable(&mut tx, account.id).await?;
    changed(&mut tx, &auth, &account, "2fa.disabled", "2fa-disabled").await?;
    Ok(redirect_with(
        "/accounts/2fa/",
        success("flash-two-factor-disabled"),
    ))
}

pub async fn new_recovery_codes(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    if !account.two_factor {
        return Ok(redirect_with("/accounts/2fa/", None));
    }
    if let Some(refused) =
        confirm_identity(&themes, &mut tx, &view, &auth, &account, &form, false).await?
    {
        return Ok(refused);
    }
    let codes = two_factor::replace_recovery_codes(&mut tx, account.id).await?;
    changed(
        &mut tx,
        &auth,
        &account,
        "2fa.recovery_codes",
        "2fa-recovery-codes",
    )
    .await?;
    let page = TwoFactorPage {
        csrf: auth.csrf.value(),
        enabled: true,
        recovery_codes: Some(codes),
        ..Default::default()
    };
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

async fn changed(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    account: &Account,
    action: &str,
    event: &str,
) -> Result<(), AppError> {
    let entry = Entry::new(action)
        .by(account.id)
        .on(account.id)
        .from(auth.client_ip);
    audit::record(tx, entry).await?;
    mails::security_notice(tx, account, event).await?;
    Ok(())
}
