//! The sign-up pages: `GET /signup` (the form), `POST /signup` (check the
//! slug, or send the request), `GET /signup/slug?slug=` (the check as JSON,
//! for the form's script), `GET|POST /signup/confirm/{token}` (a button, so
//! that a mail scanner following the link creates nothing).

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Availability, Live, Refusals, SignupForm, Signups, availability_key};
use crate::auth::RequestAuth;
use crate::error::AppError;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::extract::{Path, Query};
use crate::web::form::Form;

#[derive(Serialize)]
struct FormPage<'a> {
    form: &'a SignupForm,
    themes: Vec<String>,
    errors: HashMap<&'static str, &'static str>,
    /// The slug check's answer, when the visitor asked for it.
    slug_status: Option<&'static str>,
    slug_host: Option<String>,
}

fn render_form(
    themes: &Themes,
    signups: &Signups,
    view: &ConsoleView,
    form: &SignupForm,
    errors: Refusals,
    checked: Option<Availability>,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let slug_host = match &checked {
        Some(Availability::Available { host }) => Some(host.clone()),
        _ => None,
    };
    let page = FormPage {
        form,
        themes: signups.theme_names(),
        errors: errors.into_iter().collect(),
        slug_status: checked.as_ref().map(availability_key),
        slug_host,
    };
    themes.console_page(view, "platform/signup.html", status, &page)
}

/// `GET /signup`.
pub async fn form(
    State(themes): State<Themes>,
    State(signups): State<Signups>,
    view: ConsoleView,
) -> Result<Response, AppError> {
    let form = SignupForm {
        theme: "default".into(),
        ..Default::default()
    };
    render_form(&themes, &signups, &view, &form, Vec::new(), None)
}

#[derive(Debug, Default, Deserialize)]
pub struct Submitted {
    #[serde(flatten)]
    form: SignupForm,
    /// `check` (the availability button) or `create`.
    #[serde(default)]
    action: String,
}

/// `POST /signup`.
pub async fn submit(
    State(themes): State<Themes>,
    State(signups): State<Signups>,
    view: ConsoleView,
    auth: RequestAuth,
    headers: axum::http::HeaderMap,
    Form(submitted): Form<Submitted>,
) -> Result<Response, AppError> {
    let form = &submitted.form;
    if submitted.action == "check" {
        let checked = signups.availability(&form.slug).await?;
        return render_form(&themes, &signups, &view, form, Vec::new(), Some(checked));
    }
    let referral = referral_of(&auth, &headers, &form.referral_code);
    match signups
        .submit(form, auth.client_ip, view.locale, referral)
        .await?
    {
        Ok(()) => {
            let page = serde_json::json!({ "email": form.email.trim() });
            themes.console_page(&view, "platform/signup_sent.html", StatusCode::OK, &page)
        }
        Err(refusals) => render_form(&themes, &signups, &view, form, refusals, None),
    }
}

#[derive(Debug, Deserialize)]
pub struct SlugQuery {
    #[serde(default)]
    slug: String,
}

/// `GET /signup/slug?slug=…`: `{"status": "available", "host": …}` or
/// `{"status": "taken" | "reserved" | "look_alike" | "invalid"}`.
pub async fn slug(
    State(signups): State<Signups>,
    Query(query): Query<SlugQuery>,
) -> Result<Json<Availability>, AppError> {
    Ok(Json(signups.availability(&query.slug).await?))
}

#[derive(Serialize)]
struct ConfirmPage {
    name: String,
    host: String,
    token: String,
}

/// `GET /signup/confirm/{token}`.
pub async fn confirm_page(
    State(themes): State<Themes>,
    State(signups): State<Signups>,
    view: ConsoleView,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match signups.pending(&token).await? {
        Some((name, host)) => {
            let page = ConfirmPage { name, host, token };
            themes.console_page(&view, "platform/signup_confirm.html", StatusCode::OK, &page)
        }
        None => gone(&themes, &view),
    }
}

/// `POST /signup/confirm/{token}`: the portal goes live.
pub async fn confirm(
    State(themes): State<Themes>,
    State(signups): State<Signups>,
    view: ConsoleView,
    auth: RequestAuth,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match signups.confirm(&token, auth.client_ip).await? {
        Some(live) => live_page(&themes, &view, &live),
        None => gone(&themes, &view),
    }
}

fn live_page(themes: &Themes, view: &ConsoleView, live: &Live) -> Result<Response, AppError> {
    themes.console_page(view, "platform/signup_live.html", StatusCode::OK, live)
}

fn gone(themes: &Themes, view: &ConsoleView) -> Result<Response, AppError> {
    let page = serde_json::json!({});
    themes.console_page(view, "platform/signup_gone.html", StatusCode::GONE, &page)
}

/// What brought this sign-up: a typed partner code, or the referral cookie
/// of a partner's link (`/r/<code>` on this host).
fn referral_of(
    auth: &RequestAuth,
    headers: &axum::http::HeaderMap,
    typed: &str,
) -> Option<serde_json::Value> {
    use crate::affiliation::{capture, cookie::Visit, platform};
    let visit = auth
        .policy
        .read(headers, crate::auth::cookies::Kind::Referral)
        .and_then(|value| Visit::decode(&auth.auth.keys, platform::OWNER, &value));
    platform::Brought::of(visit, Some(typed), capture::device_of(headers)).map(|b| b.to_json())
}
