//! The sign-up policy (admins): open, open with staff approval, or by
//! invitation only.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{done, page};
use crate::accounts::model::SignupPolicy;
use crate::accounts::store;
use crate::audit::{self, Entry};
use crate::auth::{Admin, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::flash::FlashKind;

const POLICIES: [SignupPolicy; 3] = [
    SignupPolicy::Open,
    SignupPolicy::Approval,
    SignupPolicy::Invitation,
];

#[derive(Serialize)]
struct SettingsPage {
    current: &'static str,
    policies: Vec<&'static str>,
    csrf_token: String,
}

/// `GET /staff/settings/signup/`.
pub async fn form(
    State(themes): State<Themes>,
    _: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = SettingsPage {
        current: store::signup_policy(&mut tx).await?.as_str(),
        policies: POLICIES.iter().map(|p| p.as_str()).collect(),
        csrf_token: auth.csrf.value().to_owned(),
    };
    let template = "staff/signup_policy.html";
    page(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

#[derive(Debug, Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    policy: String,
}

/// `POST /staff/settings/signup/` (`settings.signup_policy`).
pub async fn submit(
    guard: RequireRole<Admin>,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<PolicyForm>,
) -> Result<Response, AppError> {
    let policy = SignupPolicy::parse(&form.policy).ok_or(AppError::Unprocessable(
        "the policy is open, approval or invitation".into(),
    ))?;
    let old = store::signup_policy(&mut tx).await?;
    if old != policy {
        store::set_signup_policy(&mut tx, policy).await?;
        let entry = Entry::new("settings.signup_policy")
            .by(guard.principal().account_id)
            .from(auth.client_ip)
            .with(json!({ "old": old, "new": policy }));
        audit::record(&mut tx, entry).await?;
    }
    Ok(done(
        "/staff/settings/signup/",
        FlashKind::Success,
        "flash-saved",
    ))
}
