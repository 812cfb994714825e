//! `/notifications/preferences`: a member's channels per kind (a grid of
//! checkboxes), immediate mail or a daily digest, and their devices with
//! "remove" buttons — plain forms. The "enable push on this device" button
//! (`static/js/push.js`) is the only JavaScript: it reads the VAPID key at
//! `/notifications/push/key` and posts the browser's subscription to
//! `/notifications/push/subscriptions` with the page's CSRF token.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::model::{Channels, Kind};
use super::service::Notifications;
use super::store::{self, KindChoice};
use super::subscriptions::{self, DeviceView, SubscriptionBody};
use crate::accounts::pages::current_account;
use crate::api::json::ApiJson;
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

pub const PREFERENCES: &str = "/notifications/preferences";

#[derive(Serialize)]
struct PreferencesPage<'a> {
    kinds: Vec<KindChoice>,
    digest: bool,
    devices: Vec<DeviceView>,
    csrf: &'a str,
}

/// `GET /notifications/preferences`.
pub async fn form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(me): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    let preferences = store::preferences(&mut tx, account).await?;
    let page = PreferencesPage {
        kinds: preferences.kinds,
        digest: preferences.digest,
        devices: subscriptions::list(&mut tx, account).await?,
        csrf: auth.csrf.value(),
    };
    let template = "notifications/preferences.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &page)
        .await?)
}

/// `POST /notifications/preferences`: a checkbox `<kind>-<channel>` per
/// channel wanted, `mode` = `immediate` or `digest`. Anything else in the
/// form is refused (400) and nothing is saved.
pub async fn save(
    SignedIn(me): SignedIn,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    let (kinds, digest) = parse(&fields)
        .map_err(|field| AppError::BadRequest(format!("unknown preference \"{field}\"").into()))?;
    store::save_preferences(&mut tx, account, &kinds, digest).await?;
    Ok(redirect_with(
        PREFERENCES,
        Some(Flash::new(FlashKind::Success, "flash-saved")),
    ))
}

/// The kinds' channels and digest mode of a submitted form; `Err` names an
/// unknown field.
fn parse(fields: &[(String, String)]) -> Result<(Vec<KindChoice>, bool), String> {
    let mut kinds: Vec<KindChoice> = Kind::ALL
        .into_iter()
        .map(|kind| KindChoice {
            kind,
            channels: Channels {
                in_app: false,
                email: false,
                push: false,
            },
        })
        .collect();
    let mut digest = false;
    for (name, value) in fields {
        match name.as_str() {
            "csrf_token" => {}
            "mode" if value == "digest" || value == "immediate" => digest = value == "digest",
            _ => {
                let (kind, channel) = name.split_once('-').ok_or_else(|| short(name))?;
                let choice = Kind::parse(kind)
                    .and_then(|kind| kinds.iter_mut().find(|c| c.kind == kind))
                    .ok_or_else(|| short(name))?;
                match channel {
                    "in_app" => choice.channels.in_app = true,
                    "email" => choice.channels.email = true,
                    "push" => choice.channels.push = true,
                    _ => return Err(short(name)),
                }
            }
        }
    }
    Ok((kinds, digest))
}

/// A field name fit to quote back.
fn short(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// `POST /notifications/devices/{id}/delete`.
pub async fn remove_device(
    SignedIn(me): SignedIn,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    if !subscriptions::remove(&mut tx, account, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with(
        PREFERENCES,
        Some(Flash::new(FlashKind::Success, "notif-flash-device-removed")),
    ))
}

/// `GET /notifications/push/key`: the association's VAPID public key.
pub async fn push_key(
    State(service): State<Notifications>,
    SignedIn(_): SignedIn,
    mut tx: TenantTx,
) -> Result<Json<serde_json::Value>, AppError> {
    let key = service
        .vapid_key(&mut tx)
        .await
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(Json(json!({ "public_key": key.public_base64() })))
}

/// `POST /notifications/push/subscriptions` (JSON, `X-CSRF-Token`).
pub async fn push_subscribe(
    State(service): State<Notifications>,
    SignedIn(me): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<SubscriptionBody>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    let new = body
        .check(service.pusher().allows_loopback())
        .map_err(|e| AppError::Unprocessable(e.to_string().into()))?;
    let id = subscriptions::add(&mut tx, account, &new, auth.user_agent.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Debug, Deserialize)]
pub struct EndpointBody {
    endpoint: String,
}

/// `POST /notifications/push/subscriptions/delete` (JSON): the browser
/// turned push off on this device.
pub async fn push_unsubscribe(
    SignedIn(me): SignedIn,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<EndpointBody>,
) -> Result<StatusCode, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    subscriptions::remove_endpoint(&mut tx, account, &body.endpoint).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn checkboxes_become_channels_and_unknown_fields_are_refused() {
        let parsed = parse(&fields(&[
            ("csrf_token", "x"),
            ("payments-email", "1"),
            ("announcements-push", "1"),
            ("mode", "digest"),
        ]));
        let Ok((kinds, digest)) = parsed else {
            return assert!(parsed.is_ok());
        };
        assert!(digest);
        let payments = kinds.iter().find(|k| k.kind == Kind::Payments);
        assert_eq!(
            payments.map(|k| k.channels),
            Some(Channels {
                in_app: false,
                email: true,
                push: false
            })
        );
        for bad in ["payments-fax", "bills-email", "nonsense", "mode"] {
            assert!(parse(&fields(&[(bad, "weekly")])).is_err(), "{bad}");
        }
    }
}
