//! Changing one's password (`/accounts/password/`) and address
//! (`/accounts/email/`), both behind the current password, and the list of
//! one's sessions (`/accounts/sessions/`) with « sign out everywhere ».

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::login::{open_session, with_cookie};
use super::{Errors, Notice, current_account, mail_link, redirect_with, render, success};
use crate::accounts::login::{self, Credentials, LoginError};
use crate::accounts::model::Account;
use crate::accounts::{mails, store, tokens};
use crate::audit::{self, Entry};
use crate::auth::password;
use crate::auth::session::{self, SessionInfo, Stage};
use crate::auth::{Principal, RequestAuth, SignedIn, refresh};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Email;
use crate::themes::{PageView, Themes};
use crate::web::form::Form;
use crate::web::transaction::KeepWrites;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

#[derive(Serialize)]
struct PasswordPage<'a> {
    csrf: &'a str,
    errors: Errors,
    notice: Option<Notice>,
}

const PASSWORD: &str = "accounts/password.html";

pub async fn password_form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    current_account(&mut tx, &principal).await?;
    let page = PasswordPage {
        csrf: auth.csrf.value(),
        errors: Errors::default(),
        notice: None,
    };
    render(&themes, &tx, &view, PASSWORD, StatusCode::OK, &page).await
}

/// Checks the current password like a sign-in (throttled, audited):
/// `Err` is the page to show instead.
async fn confirm_password(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    account: &Account,
    password: &str,
) -> Result<(), (StatusCode, Notice)> {
    let credentials = Credentials {
        email: &account.email,
        password,
        ip: auth.client_ip,
    };
    match login::check_password(tx, &auth.auth, &credentials).await {
        Ok(_) => Ok(()),
        Err(LoginError::Throttled(wait)) => {
            let mut notice = Notice::error("login-throttled");
            notice.seconds = Some(wait.as_secs().max(1));
            Err((StatusCode::TOO_MANY_REQUESTS, notice))
        }
        Err(_) => Err((
            StatusCode::UNAUTHORIZED,
            Notice::error("password-current-wrong"),
        )),
    }
}

pub async fn change_password(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let mut page = PasswordPage {
        csrf: auth.csrf.value(),
        errors: Errors::default(),
        notice: None,
    };
    if let Err((status, notice)) =
        confirm_password(&mut tx, &auth, &account, &form.current_password).await
    {
        page.notice = Some(notice);
        let mut response = render(&themes, &tx, &view, PASSWORD, status, &page).await?;
        response.extensions_mut().insert(KeepWrites);
        return Ok(response);
    }
    if let Err(weakness) = password::check_strength(&form.new_password, &account.email) {
        page.errors.add("new_password", weakness.key());
        return render(
            &themes,
            &tx,
            &view,
            PASSWORD,
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        )
        .await;
    }
    let hash = auth.auth.passwords.hash(&form.new_password).await?;
    store::set_password(&mut tx, account.id, &hash).await?;
    // Every other session ends; this one gets a new id.
    session::end_all(&mut tx, account.id, None).await?;
    refresh::revoke_all_for(&mut tx, account.id).await?;
    let entry = Entry::new("password.changed")
        .by(account.id)
        .on(account.id)
        .from(auth.client_ip);
    audit::record(&mut tx, entry).await?;
    mails::security_notice(&mut tx, &account, "password-changed").await?;
    let cookie = open_session(&mut tx, &auth, &account, Stage::Full, false).await?;
    Ok(with_cookie(
        redirect_with("/accounts/profile/", success("flash-password-changed")),
        cookie,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailChangeForm {
    new_email: String,
    current_password: String,
}

#[derive(Serialize)]
struct EmailPage<'a> {
    csrf: &'a str,
    current: &'a str,
    new_email: &'a str,
    errors: Errors,
    notice: Option<Notice>,
    sent: bool,
}

const EMAIL: &str = "accounts/email.html";

pub async fn email_form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let page = EmailPage {
        csrf: auth.csrf.value(),
        current: &account.email,
        new_email: "",
        errors: Errors::default(),
        notice: None,
        sent: false,
    };
    render(&themes, &tx, &view, EMAIL, StatusCode::OK, &page).await
}

/// Mails a confirmation link to the new address; the old one stays until
/// the link is followed. Whether the new address is taken is not said.
pub async fn change_email(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<EmailChangeForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let mut page = EmailPage {
        csrf: auth.csrf.value(),
        current: &account.email,
        new_email: &form.new_email,
        errors: Errors::default(),
        notice: None,
        sent: false,
    };
    let Ok(new_email) = Email::parse(&form.new_email) else {
        page.errors.add("new_email", "field-invalid-email");
        return render(
            &themes,
            &tx,
            &view,
            EMAIL,
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        )
        .await;
    };
    if let Err((status, notice)) =
        confirm_password(&mut tx, &auth, &account, &form.current_password).await
    {
        page.notice = Some(notice);
        let mut response = render(&themes, &tx, &view, EMAIL, status, &page).await?;
        response.extensions_mut().insert(KeepWrites);
        return Ok(response);
    }
    let taken = store::find_by_email(&mut tx, &new_email).await?.is_some();
    if !taken {
        let token = tokens::issue(
            &mut tx,
            account.id,
            tokens::Purpose::EmailChange,
            Some(&new_email),
        )
        .await?;
        let link = mail_link(&auth, &format!("/accounts/email/confirm/{token}"));
        mails::email_change(&mut tx, &account, new_email.as_str(), &link).await?;
    }
    let entry = Entry::new("email.change_requested")
        .by(account.id)
        .on(account.id)
        .from(auth.client_ip)
        .with(json!({ "new": new_email.as_str() }));
    audit::record(&mut tx, entry).await?;
    page.sent = true;
    render(&themes, &tx, &view, EMAIL, StatusCode::OK, &page).await
}

#[derive(Serialize)]
struct SessionsPage<'a> {
    csrf: &'a str,
    sessions: Vec<SessionInfo>,
}

pub async fn sessions(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    current_account(&mut tx, &principal).await?;
    let current = principal.session().unwrap_or_default();
    let sessions = session::list(&mut tx, principal.account_id, current).await?;
    let page = SessionsPage {
        csrf: auth.csrf.value(),
        sessions,
    };
    render(
        &themes,
        &tx,
        &view,
        "accounts/sessions.html",
        StatusCode::OK,
        &page,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndForm {
    id: String,
}

pub async fn end_session(
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<EndForm>,
) -> Result<Response, AppError> {
    if !session::end_one(&mut tx, principal.account_id, &form.id).await? {
        return Err(AppError::NotFound);
    }
    revoked(&mut tx, &principal, &auth, 1).await?;
    Ok(redirect_with(
        "/accounts/sessions/",
        success("flash-session-ended"),
    ))
}

/// « Sign out everywhere else ».
pub async fn end_other_sessions(
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let ended = session::end_all(&mut tx, principal.account_id, principal.session()).await?
        + refresh::revoke_all_for(&mut tx, principal.account_id).await?;
    revoked(&mut tx, &principal, &auth, ended).await?;
    Ok(redirect_with(
        "/accounts/sessions/",
        success("flash-sessions-ended"),
    ))
}

async fn revoked(
    tx: &mut TenantTx,
    principal: &Principal,
    auth: &RequestAuth,
    count: u64,
) -> Result<(), AppError> {
    let entry = Entry::new("session.revoked")
        .by(principal.account_id)
        .on(principal.account_id)
        .from(auth.client_ip)
        .with(json!({ "count": count }));
    audit::record(tx, entry).await?;
    Ok(())
}
