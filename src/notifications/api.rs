//! `/api/v1/notifications`: the same as the pages, for the person whose
//! access token it is (API keys act for no one's inbox: 403). A member
//! reads and changes only their own notifications, preferences and
//! devices; another member's id is a 404. Errors are problems.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::service::Notifications;
use super::store::{self, Item, KindChoice, MAX_PAGE, Page, Preferences};
use super::subscriptions::{self, DeviceView, SubscriptionBody};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::scoped::Person;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// Ids below this one (`next_before_id` of the previous page).
    pub before_id: Option<i64>,
}

/// A page of one's notifications, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Item>,
    /// Unread notifications in all.
    pub unread: i64,
    /// Pass as `before_id` for the next page; absent on the last one.
    pub next_before_id: Option<i64>,
}

#[utoipa::path(operation_id = "notifications_list", get, path = "/api/v1/notifications",
    tag = "notifications", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = NotificationPage), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    Person(me): Person,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<NotificationPage>, AppError> {
    let limit = query.limit.unwrap_or(20);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::BadRequest(
            "limit must be between 1 and 100".into(),
        ));
    }
    let page = Page {
        unread_only: query.unread.unwrap_or(false),
        before_id: query.before_id,
        limit,
    };
    let items = store::list(&mut tx, me.account_id, page).await?;
    let next_before_id = (items.len() as i64 == limit)
        .then(|| items.last().map(|item| item.id))
        .flatten();
    Ok(Json(NotificationPage {
        unread: store::unread_count(&mut tx, me.account_id).await?,
        items,
        next_before_id,
    }))
}

#[utoipa::path(operation_id = "notifications_read", post, path = "/api/v1/notifications/{id}/read",
    tag = "notifications", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn read(
    Person(me): Person,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    store::mark_read(&mut tx, me.account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// How many were unread.
    pub marked: u64,
}

#[utoipa::path(operation_id = "notifications_read_all", post, path = "/api/v1/notifications/read-all",
    tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Marked), (status = 401), (status = 403)))]
pub async fn read_all(Person(me): Person, mut tx: TenantTx) -> Result<Json<Marked>, AppError> {
    let marked = store::mark_all_read(&mut tx, me.account_id).await?;
    Ok(Json(Marked { marked }))
}

#[utoipa::path(operation_id = "notifications_preferences", get,
    path = "/api/v1/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 401), (status = 403)))]
pub async fn preferences(
    Person(me): Person,
    mut tx: TenantTx,
) -> Result<Json<Preferences>, AppError> {
    Ok(Json(store::preferences(&mut tx, me.account_id).await?))
}

/// New choices: the kinds listed change, the others keep theirs; digest
/// mode changes if given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    #[serde(default)]
    pub kinds: Vec<KindChoice>,
    pub digest: Option<bool>,
}

#[utoipa::path(operation_id = "notifications_preferences_put", put,
    path = "/api/v1/notifications/preferences", tag = "notifications", request_body = PreferencesBody,
    security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 400), (status = 401), (status = 403),
              (status = 422)))]
pub async fn save_preferences(
    Person(me): Person,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<PreferencesBody>,
) -> Result<Json<Preferences>, AppError> {
    let current = store::preferences(&mut tx, me.account_id).await?;
    let digest = body.digest.unwrap_or(current.digest);
    store::save_preferences(&mut tx, me.account_id, &body.kinds, digest).await?;
    Ok(Json(store::preferences(&mut tx, me.account_id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VapidPublicKey {
    /// The `applicationServerKey` for `pushManager.subscribe`: the
    /// association's P-256 public key, base64url without padding.
    pub public_key: String,
}

#[utoipa::path(operation_id = "notifications_vapid_key", get,
    path = "/api/v1/notifications/vapid-public-key", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = VapidPublicKey), (status = 401), (status = 403)))]
pub async fn vapid_public_key(
    State(service): State<Notifications>,
    Person(_): Person,
    mut tx: TenantTx,
) -> Result<Json<VapidPublicKey>, AppError> {
    let key = service
        .vapid_key(&mut tx)
        .await
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(Json(VapidPublicKey {
        public_key: key.public_base64(),
    }))
}

#[utoipa::path(operation_id = "notifications_devices", get,
    path = "/api/v1/notifications/subscriptions", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Vec<DeviceView>), (status = 401), (status = 403)))]
pub async fn devices(
    Person(me): Person,
    mut tx: TenantTx,
) -> Result<Json<Vec<DeviceView>>, AppError> {
    Ok(Json(subscriptions::list(&mut tx, me.account_id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Subscribed {
    pub id: i64,
}

#[utoipa::path(operation_id = "notifications_subscribe", post,
    path = "/api/v1/notifications/subscriptions", tag = "notifications",
    request_body = SubscriptionBody, security(("bearer" = [])),
    responses((status = 201, body = Subscribed), (status = 400), (status = 401), (status = 403),
              (status = 422, description = "not an https push service on a public host, or bad keys")))]
pub async fn subscribe(
    State(service): State<Notifications>,
    Person(me): Person,
    mut tx: TenantTx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubscriptionBody>,
) -> Result<(StatusCode, Json<Subscribed>), AppError> {
    let new = body
        .check(service.pusher().allows_loopback())
        .map_err(|e| AppError::Unprocessable(e.to_string().into()))?;
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let id = subscriptions::add(&mut tx, me.account_id, &new, agent).await?;
    Ok((StatusCode::CREATED, Json(Subscribed { id })))
}

#[utoipa::path(operation_id = "notifications_unsubscribe", delete,
    path = "/api/v1/notifications/subscriptions/{id}", tag = "notifications",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn unsubscribe(
    Person(me): Person,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    match subscriptions::remove(&mut tx, me.account_id, id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(AppError::NotFound),
    }
}
