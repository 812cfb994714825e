//! What the links we mail lead to: confirming an address, resetting a
//! forgotten password, accepting an invitation, confirming a new address.
//! A link is checked when its page is shown and used (once) when its form
//! is sent; an unknown, used or expired link gets the same « invalid
//! link » page, on any tenant but its own as well.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::login::{open_session, with_cookie};
use super::{Errors, Notice, mail_link, redirect_with, render, success};
use crate::accounts::mails;
use crate::accounts::model::Status;
use crate::accounts::store::{self, CreateError};
use crate::accounts::tokens::{self, Purpose};
use crate::audit::{self, Entry};
use crate::auth::password;
use crate::auth::session::{self, Stage};
use crate::auth::throttle::Attempt;
use crate::auth::{RequestAuth, refresh};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Email;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::form::Form;

#[derive(Serialize)]
struct InvalidLink {}

async fn invalid_link(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
) -> Result<Response, AppError> {
    render(
        themes,
        tx,
        view,
        "accounts/invalid_link.html",
        StatusCode::NOT_FOUND,
        &InvalidLink {},
    )
    .await
}

pub async fn verify(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Path(token): Path<String>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let Some(redeemed) = tokens::redeem(&mut tx, &token, Purpose::Verify).await? else {
        return invalid_link(&themes, &tx, &view).await;
    };
    store::mark_verified(&mut tx, redeemed.account_id).await?;
    let entry = Entry::new("email.verified")
        .by(redeemed.account_id)
        .on(redeemed.account_id)
        .from(auth.client_ip);
    audit::record(&mut tx, entry).await?;
    Ok(redirect_with(
        "/accounts/login/",
        success("flash-email-verified"),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    email: String,
}

#[derive(Serialize)]
struct ForgotPage<'a> {
    csrf: &'a str,
    email: &'a str,
    errors: Errors,
    sent: bool,
    notice: Option<Notice>,
}

const FORGOT: &str = "accounts/forgot.html";

pub async fn forgot_form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let page = ForgotPage {
        csrf: auth.csrf.value(),
        email: "",
        errors: Errors::default(),
        sent: false,
        notice: None,
    };
    render(&themes, &tx, &view, FORGOT, StatusCode::OK, &page).await
}

/// Mails a reset link if the address has an account; the page is the same
/// either way. Requests are throttled like sign-ins, per address and client.
pub async fn forgot(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<EmailForm>,
) -> Result<Response, AppError> {
    let mut page = ForgotPage {
        csrf: auth.csrf.value(),
        email: &form.email,
        errors: Errors::default(),
        sent: false,
        notice: None,
    };
    let Ok(email) = Email::parse(&form.email) else {
        page.errors.add("email", "field-invalid-email");
        return render(
            &themes,
            &tx,
            &view,
            FORGOT,
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        )
        .await;
    };
    let key = format!("reset:{email}");
    let attempt = Attempt {
        realm: crate::auth::Realm::Tenant(tx.tenant().id),
        email: &key,
        ip: auth.client_ip,
    };
    if let Err(wait) = auth.auth.throttle.check(&attempt) {
        let mut notice = Notice::error("login-throttled");
        notice.seconds = Some(wait.as_secs().max(1));
        page.notice = Some(notice);
        return render(
            &themes,
            &tx,
            &view,
            FORGOT,
            StatusCode::TOO_MANY_REQUESTS,
            &page,
        )
        .await;
    }
    // Each request counts: a few resets are fine, a flood waits.
    auth.auth.throttle.failed(&attempt);
    let account = store::find_by_email(&mut tx, &email).await?;
    if let Some(account) = account.filter(|a| matches!(a.status, Status::Active | Status::Pending))
    {
        let token = tokens::issue(&mut tx, account.id, Purpose::Reset, None).await?;
        let link = mail_link(&auth, &format!("/accounts/password/reset/{token}"));
        mails::reset_password(&mut tx, &account, &link).await?;
        let entry = Entry::new("password.reset_requested")
            .on(account.id)
            .from(auth.client_ip);
        audit::record(&mut tx, entry).await?;
    }
    page.sent = true;
    render(&themes, &tx, &view, FORGOT, StatusCode::OK, &page).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPasswordForm {
    display_name: String,
    password: String,
}

#[derive(Serialize)]
struct NewPasswordPage<'a> {
    csrf: &'a str,
    token: &'a str,
    display_name: &'a str,
    errors: Errors,
}

pub async fn reset_form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Path(token): Path<String>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let link = Link::new(&token, Purpose::Reset, "accounts/reset.html");
    new_password_form(&themes, &view, &auth, &mut tx, link).await
}

/// A mailed link whose page asks for a new password.
struct Link<'a> {
    token: &'a str,
    purpose: Purpose,
    template: &'static str,
}

impl<'a> Link<'a> {
    fn new(token: &'a str, purpose: Purpose, template: &'static str) -> Self {
        Self {
            token,
            purpose,
            template,
        }
    }
}

/// The form behind a reset or invitation link, if the link still works.
async fn new_password_form(
    themes: &Themes,
    view: &PageView,
    auth: &RequestAuth,
    tx: &mut TenantTx,
    link: Link<'_>,
) -> Result<Response, AppError> {
    if !tokens::is_valid(tx, link.token, link.purpose).await? {
        return invalid_link(themes, tx, view).await;
    }
    let page = NewPasswordPage {
        csrf: auth.csrf.value(),
        token: link.token,
        display_name: "",
        errors: Errors::default(),
    };
    render(themes, tx, view, link.template, StatusCode::OK, &page).await
}

pub async fn reset(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Path(token): Path<String>,
    mut tx: TenantTx,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    if !tokens::is_valid(&mut tx, &token, Purpose::Reset).await? {
        return invalid_link(&themes, &tx, &view).await;
    }
    let Some(redeemed) = tokens::redeem(&mut tx, &token, Purpose::Reset).await? else {
        return invalid_link(&themes, &tx, &view).await;
    };
    let account = store::find(&mut tx, redeemed.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Err(weakness) = password::check_strength(&form.password, &account.email) {
        let mut page = NewPasswordPage {
            csrf: auth.csrf.value(),
            token: &token,
            display_name: "",
            errors: Errors::default(),
        };
        page.errors.add("password", weakness.key());
        // Rolled back with the page's 422: the link stays usable.
        return render(
            &themes,
            &tx,
            &view,
            "accounts/reset.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        )
        .await;
    }
    let hash = auth.auth.passwords.hash(&form.password).await?;
    store::set_password(&mut tx, account.id, &hash).await?;
    // Following the link proved the address.
    store::mark_verified(&mut tx, account.id).await?;
    session::end_all(&mut tx, account.id, None).await?;
    refresh::revoke_all_for(&mut tx, account.id).await?;
    let entry = Entry::new("password.reset")
        .by(account.id)
        .on(account.id)
        .from(auth.client_ip);
    audit::record(&mut tx, entry).await?;
    mails::security_notice(&mut tx, &account, "password-changed").await?;
    Ok(redirect_with(
        "/accounts/login/",
        success("flash-password-reset"),
    ))
}

pub async fn invitation_form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Path(token): Path<String>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let link = Link::new(&token, Purpose::Invite, "accounts/invitation.html");
    new_password_form(&themes, &view, &auth, &mut tx, link).await
}

/// Sets the invited person's name and password, activates the account and
/// signs them in.
pub async fn accept_invitation(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Path(token): Path<String>,
    mut tx: TenantTx,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, AppError> {
    let Some(redeemed) = tokens::redeem(&mut tx, &token, Purpose::Invite).await? else {
        return invalid_link(&themes, &tx, &view).await;
    };
    let account = store::find(&mut tx, redeemed.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Errors::default();
    let name = form.display_name.trim();
    if name.chars().count() > 120 || name.chars().any(crate::model::is_hidden_or_control) {
        errors.add("display_name", "field-invalid-name");
    }
    if let Err(weakness) = password::check_strength(&form.password, &account.email) {
        errors.add("password", weakness.key());
    }
    if account.status != Status::Invited {
        return invalid_link(&themes, &tx, &view).await;
    }
    if !errors.is_empty() {
        let page = NewPasswordPage {
            csrf: auth.csrf.value(),
            token: &token,
            display_name: &form.display_name,
            errors,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(
            &themes,
            &tx,
            &view,
            "accounts/invitation.html",
            status,
            &page,
        )
        .await;
    }
    let hash = auth.auth.passwords.hash(&form.password).await?;
    store::set_password(&mut tx, account.id, &hash).await?;
    store::mark_verified(&mut tx, account.id).await?;
    store::set_status(&mut tx, account.id, Status::Active).await?;
    if !name.is_empty() {
        let mut profile = store::Profile::from(&account);
        profile.display_name = name.to_owned();
        store::update_profile(&mut tx, account.id, &profile).await?;
    }
    let entry = Entry::new("invitation.accepted")
        .by(account.id)
        .on(account.id)
        .from(auth.client_ip);
    audit::record(&mut tx, entry).await?;
    let cookie = open_session(&mut tx, &auth, &account, Stage::Full, false).await?;
    let response = redirect_with("/accounts/profile/", success("flash-welcome"));
    Ok(with_cookie(response, cookie))
}

/// Confirms a new address from the link mailed to it.
pub async fn confirm_email(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    Path(token): Path<String>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let Some(redeemed) = tokens::redeem(&mut tx, &token, Purpose::EmailChange).await? else {
        return invalid_link(&themes, &tx, &view).await;
    };
    let Some(new_email) = redeemed
        .new_email
        .as_deref()
        .and_then(|e| Email::parse(e).ok())
    else {
        return invalid_link(&themes, &tx, &view).await;
    };
    let account = store::find(&mut tx, redeemed.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match store::set_email(&mut tx, account.id, &new_email).await {
        Ok(()) => {}
        Err(CreateError::Taken) => return invalid_link(&themes, &tx, &view).await,
        Err(CreateError::Database(error)) => return Err(error.into()),
    }
    let entry = Entry::new("email.changed")
        .by(account.id)
        .on(account.id)
        .from(auth.client_ip)
        .with(json!({ "old": account.email, "new": new_email.as_str() }));
    audit::record(&mut tx, entry).await?;
    mails::security_notice(&mut tx, &account, "email-changed").await?;
    Ok(redirect_with(
        "/accounts/profile/",
        success("flash-email-changed"),
    ))
}
