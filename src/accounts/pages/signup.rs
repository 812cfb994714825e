//! Joining the association (`/accounts/signup/`), as its sign-up policy
//! allows: open (the account works once the address is confirmed), with
//! staff approval (it then waits for staff), or by invitation only (the
//! page says so and takes nothing).
//!
//! The answer never tells whether the address already has an account: in
//! that case its owner is told by mail instead, and the visitor sees the
//! same « check your mail » page as a new member.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Errors, mail_link, render};
use crate::accounts::model::{SignupPolicy, Status};
use crate::accounts::store::{self, CreateError, NewAccount};
use crate::accounts::{mails, tokens};
use crate::audit::{self, Entry};
use crate::auth::password;
use crate::auth::{RequestAuth, Role};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Email;
use crate::themes::{PageView, Themes};
use crate::web::form::Form;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignupForm {
    display_name: String,
    email: String,
    password: String,
    /// A referral or coupon code (optional).
    referral_code: String,
}

#[derive(Serialize)]
struct SignupPage<'a> {
    csrf: &'a str,
    policy: SignupPolicy,
    display_name: &'a str,
    email: &'a str,
    referral_code: &'a str,
    errors: Errors,
    /// The form was accepted: « check your mail ».
    sent: bool,
}

const TEMPLATE: &str = "accounts/signup.html";

pub async fn form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    headers: HeaderMap,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let policy = store::signup_policy(&mut tx).await?;
    // The code of the link that brought the visitor, shown (and editable).
    let visit = crate::affiliation::capture::visit_of(&auth, &headers, tx.tenant().id);
    let code = visit.map(|visit| visit.code).unwrap_or_default();
    let page = SignupPage {
        csrf: auth.csrf.value(),
        policy,
        display_name: "",
        email: "",
        referral_code: &code,
        errors: Errors::default(),
        sent: false,
    };
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

pub async fn submit(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    headers: HeaderMap,
    mut tx: TenantTx,
    Form(form): Form<SignupForm>,
) -> Result<Response, AppError> {
    let policy = store::signup_policy_apart(&tx).await?;
    if policy == SignupPolicy::Invitation {
        return Err(AppError::Forbidden(
            "this association admits members by invitation only".into(),
        ));
    }
    let (email, mut errors) = validate(&form);
    let typed_code = form.referral_code.trim();
    if !typed_code.is_empty()
        && !crate::affiliation::tenant::known_code(&mut tx, typed_code).await?
    {
        errors.add("referral_code", "field-unknown-referral-code");
    }
    let mut page = SignupPage {
        csrf: auth.csrf.value(),
        policy,
        display_name: &form.display_name,
        email: &form.email,
        referral_code: &form.referral_code,
        errors,
        sent: false,
    };
    let Some(email) = email.filter(|_| page.errors.is_empty()) else {
        return render(
            &themes,
            &tx,
            &view,
            TEMPLATE,
            StatusCode::UNPROCESSABLE_ENTITY,
            &page,
        )
        .await;
    };
    let hash = auth.auth.passwords.hash(&form.password).await?;
    let status = match policy {
        SignupPolicy::Approval => Status::Pending,
        _ => Status::Active,
    };
    let new = NewAccount {
        email: &email,
        display_name: form.display_name.trim(),
        role: Role::Member,
        status,
        password_hash: Some(&hash),
        locale: Some(view.locale),
        email_verified: false,
    };
    match store::create(&mut tx, new).await {
        Ok(id) => {
            welcome(&mut tx, &auth, id, policy).await?;
            let sign_up = crate::affiliation::tenant::SignUp {
                account_id: id,
                name: form.display_name.trim(),
                email: email.as_str(),
                typed_code: Some(typed_code),
                auth: &auth,
                headers: &headers,
            };
            crate::affiliation::tenant::signed_up(&mut tx, sign_up).await?;
            crate::live::publish(
                &mut tx,
                &crate::live::LiveEvent::signup(id, form.display_name.trim()),
            )
            .await?;
        }
        Err(CreateError::Taken) => warn_owner(&mut tx, &email).await?,
        Err(CreateError::Database(error)) => return Err(error.into()),
    }
    page.sent = true;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

fn validate(form: &SignupForm) -> (Option<Email>, Errors) {
    let mut errors = Errors::default();
    let name = form.display_name.trim();
    if name.is_empty() {
        errors.add("display_name", "field-required");
    } else if name.chars().count() > 120 || name.chars().any(crate::model::is_hidden_or_control) {
        errors.add("display_name", "field-invalid-name");
    }
    let email = match Email::parse(&form.email) {
        Ok(email) => Some(email),
        Err(_) if form.email.trim().is_empty() => {
            errors.add("email", "field-required");
            None
        }
        Err(_) => {
            errors.add("email", "field-invalid-email");
            None
        }
    };
    if let Err(weakness) = password::check_strength(&form.password, &form.email) {
        errors.add("password", weakness.key());
    }
    (email, errors)
}

async fn welcome(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    id: i64,
    policy: SignupPolicy,
) -> Result<(), AppError> {
    let account = store::find(tx, id).await?.ok_or(AppError::NotFound)?;
    let entry = Entry::new("signup")
        .by(id)
        .on(id)
        .from(auth.client_ip)
        .with(json!({ "policy": policy.as_str() }));
    audit::record(tx, entry).await?;
    let token = tokens::issue(tx, id, tokens::Purpose::Verify, None).await?;
    let link = mail_link(auth, &format!("/accounts/verify/{token}"));
    mails::verify_email(tx, &account, &link).await?;
    Ok(())
}

/// Someone signed up with an address that has an account: its owner hears
/// of it (and how to reset the password); the visitor learns nothing.
async fn warn_owner(tx: &mut TenantTx, email: &Email) -> Result<(), AppError> {
    if let Some(account) = store::find_by_email(tx, email).await? {
        mails::security_notice(tx, &account, "signup-existing").await?;
    }
    Ok(())
}
