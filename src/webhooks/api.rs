//! `/api/v1/webhook-endpoints`: the association's webhook endpoints for
//! programs. Administrators' access tokens, or API keys acting for their
//! administrator with `webhooks:read` / `webhooks:write`. The secret is in the answers to creation and rotation only. Bad input is a
//! 422 problem naming the field, and writes nothing.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::actions::{self, Actor};
use super::deliveries::{self, Delivery};
use super::input::Draft;
use super::service::Webhooks;
use super::store::{self, Endpoint};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::scope::Access;
use crate::auth::scoped::{Allowed, NeedsScope};
use crate::auth::{Admin, RequestAuth};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

/// `webhooks:read`: held by no key today, so only `*:read` covers it.
pub struct WebhooksRead;
/// `webhooks:write`: likewise, only `*:write` covers it.
pub struct WebhooksWrite;

impl NeedsScope for WebhooksRead {
    const MODULE: &'static str = "webhooks";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for WebhooksWrite {
    const MODULE: &'static str = "webhooks";
    const ACCESS: Access = Access::Write;
}

type Reader = Allowed<Admin, WebhooksRead>;
type Writer = Allowed<Admin, WebhooksWrite>;

#[derive(OpenApi)]
#[openapi(
    paths(list, create, show, update, remove, rotate, list_deliveries),
    components(schemas(Endpoint, NewEndpoint, Created, EndpointPatch, Rotated, Delivery,
                       DeliveryPage)),
    tags((name = "webhooks", description = "Signed outgoing webhooks (Standard Webhooks: \
          webhook-id, webhook-timestamp, webhook-signature v1 = base64 HMAC-SHA256 of \
          \"{id}.{timestamp}.{body}\" under the whsec_ secret). Administrators, or keys with \
          *:read / *:write.")),
)]
pub struct Doc;

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `https`, to a host whose every address is public.
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event types (`commission.created`), prefixes (`commission.*`) or `*`.
    pub events: Vec<String>,
}

/// The endpoint, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// `whsec_…`: verify `webhook-signature` with it. Not shown again.
    pub secret: String,
}

/// The fields to change; the others stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    /// False disables it (nothing is sent); true enables it again.
    pub active: Option<bool>,
}

/// A rotation's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rotated {
    /// The new secret: not shown again.
    pub secret: String,
    /// Until then, deliveries carry a signature by the old secret too.
    pub previous_valid_until: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliveryQuery {
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
    /// The `next_before` of the previous page.
    pub before: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<Delivery>,
    /// Pass as `before` for older ones; null on the last page.
    pub next_before: Option<i64>,
}

fn actor(guard: &Writer, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: guard.principal().account_id,
        ip: auth.client_ip,
    }
}

async fn found(tx: &mut TenantTx, id: i64) -> Result<Endpoint, AppError> {
    store::find(tx, id).await?.ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "webhooks_list", get, path = "/api/v1/webhook-endpoints",
    tag = "webhooks", security(("bearer" = []), ("api_key" = ["*:read"])),
    responses((status = 200, body = Vec<Endpoint>), (status = 401), (status = 403)))]
pub async fn list(_: Reader, mut tx: TenantTx) -> Result<Json<Vec<Endpoint>>, AppError> {
    Ok(Json(store::list(&mut tx).await?))
}

#[utoipa::path(operation_id = "webhooks_create", post, path = "/api/v1/webhook-endpoints",
    tag = "webhooks", request_body = NewEndpoint,
    security(("bearer" = []), ("api_key" = ["*:write"])),
    responses((status = 201, body = Created), (status = 400), (status = 401), (status = 403),
              (status = 409, description = "The association has its 20 endpoints"),
              (status = 422, description = "A field is invalid; nothing was written")))]
pub async fn create(
    guard: Writer,
    auth: RequestAuth,
    State(webhooks): State<Webhooks>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<NewEndpoint>,
) -> Result<(StatusCode, Json<Created>), AppError> {
    let loopback = webhooks.allow_loopback();
    let draft = Draft::check(&body.url, &body.description, &body.events, loopback)
        .await
        .map_err(actions::Error::Invalid)?;
    let (id, secret) = actions::create(&mut tx, &webhooks, &draft, actor(&guard, &auth)).await?;
    let endpoint = found(&mut tx, id).await?;
    let secret = secret.reveal().to_owned();
    Ok((StatusCode::CREATED, Json(Created { endpoint, secret })))
}

#[utoipa::path(operation_id = "webhooks_show", get, path = "/api/v1/webhook-endpoints/{id}",
    tag = "webhooks", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["*:read"])),
    responses((status = 200, body = Endpoint), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Endpoint>, AppError> {
    Ok(Json(found(&mut tx, id).await?))
}

#[utoipa::path(operation_id = "webhooks_update", patch, path = "/api/v1/webhook-endpoints/{id}",
    tag = "webhooks", params(("id" = i64, Path)), request_body = EndpointPatch,
    security(("bearer" = []), ("api_key" = ["*:write"])),
    responses((status = 200, body = Endpoint), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 422, description = "A field is invalid; nothing changed")))]
pub async fn update(
    guard: Writer,
    auth: RequestAuth,
    State(webhooks): State<Webhooks>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(patch): ApiJson<EndpointPatch>,
) -> Result<Json<Endpoint>, AppError> {
    let now = found(&mut tx, id).await?;
    let actor = actor(&guard, &auth);
    if patch.url.is_some() || patch.description.is_some() || patch.events.is_some() {
        let url = patch.url.unwrap_or(now.url);
        let description = patch.description.unwrap_or(now.description);
        let events = patch.events.unwrap_or(now.events);
        let draft = Draft::check(&url, &description, &events, webhooks.allow_loopback())
            .await
            .map_err(actions::Error::Invalid)?;
        actions::update(&mut tx, id, &draft, actor).await?;
    }
    if let Some(active) = patch.active {
        actions::set_active(&mut tx, id, active, actor).await?;
    }
    Ok(Json(found(&mut tx, id).await?))
}

#[utoipa::path(operation_id = "webhooks_delete", delete, path = "/api/v1/webhook-endpoints/{id}",
    tag = "webhooks", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["*:write"])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn remove(
    guard: Writer,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    actions::delete(&mut tx, id, actor(&guard, &auth)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "webhooks_rotate", post,
    path = "/api/v1/webhook-endpoints/{id}/rotate", tag = "webhooks", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["*:write"])),
    responses((status = 200, body = Rotated), (status = 401), (status = 403), (status = 404)))]
pub async fn rotate(
    guard: Writer,
    auth: RequestAuth,
    State(webhooks): State<Webhooks>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Rotated>, AppError> {
    let (secret, until) = actions::rotate(&mut tx, &webhooks, id, actor(&guard, &auth)).await?;
    Ok(Json(Rotated {
        secret: secret.reveal().to_owned(),
        previous_valid_until: until,
    }))
}

#[utoipa::path(operation_id = "webhooks_deliveries", get,
    path = "/api/v1/webhook-endpoints/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path), DeliveryQuery),
    security(("bearer" = []), ("api_key" = ["*:read"])),
    responses((status = 200, body = DeliveryPage), (status = 400), (status = 401),
              (status = 403), (status = 404)))]
pub async fn list_deliveries(
    _: Reader,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<DeliveryQuery>,
    mut tx: TenantTx,
) -> Result<Json<DeliveryPage>, AppError> {
    found(&mut tx, id).await?;
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
    let items = deliveries::recent(&mut tx, id, query.before, limit).await?;
    let full = items.len() as i64 == limit;
    let next_before = items.last().filter(|_| full).map(|d| d.id);
    Ok(Json(DeliveryPage { items, next_before }))
}
