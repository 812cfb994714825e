//! `/api/v1/announcements`: the same rules as the pages. Anyone reads the
//! public ones, members also the members-only ones, staff everything
//! (drafts and scheduled ones with `?state=`). Editors (or keys with
//! `announcements:write`) write, publish, schedule, pin, archive and
//! delete. A key without `announcements:read` reads nothing.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::actions::{self, Action, Actor};
use super::model::{Audience, Draft, Reach, State};
use super::pages::image_policy;
use super::store;
use super::view::{Card, Full, Pager};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::scope::{Access, Scope};
use crate::auth::scoped::{Allowed, AnnouncementsWrite};
use crate::auth::{Editor, RequestAuth, Viewer};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/api/v1/announcements", get(list).post(create))
        .route(
            "/api/v1/announcements/{id}",
            get(show).patch(update).delete(remove),
        )
        .route("/api/v1/announcements/{id}/{action}", post(act))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, show, create, update, act, remove),
    components(schemas(AnnouncementPage, Card, Full, AnnouncementBody, AnnouncementPatch,
                       PublishBody, Audience, State)),
    tags((name = "announcements", description = "News of the association: anyone reads the \
          public ones; editors (or keys with announcements:write) write and publish")),
)]
pub struct Doc;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// From 1.
    pub page: Option<i64>,
    /// 1 to 100 (default 20).
    pub per_page: Option<i64>,
    /// Staff only: every announcement in this state instead of the visible ones.
    pub state: Option<State>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnouncementPage {
    pub items: Vec<Card>,
    pub page: i64,
    pub pages: i64,
}

/// What the caller may read; a key without the scope is refused.
fn reach(viewer: Option<crate::auth::Principal>) -> Result<Reach, AppError> {
    let Some(principal) = viewer else {
        return Ok(Reach::Anonymous);
    };
    match principal.allows(&Scope::new("announcements", Access::Read)) {
        true => Ok(Reach::of(Some(principal.role))),
        false => Err(AppError::Forbidden(
            "this key lacks announcements:read".into(),
        )),
    }
}

#[utoipa::path(operation_id = "announcements_list", get, path = "/api/v1/announcements",
    tag = "announcements", params(ListQuery),
    security((), ("bearer" = []), ("api_key" = ["announcements:read"])),
    responses((status = 200, body = AnnouncementPage), (status = 400), (status = 403)))]
pub async fn list(
    Viewer(viewer): Viewer,
    ApiQuery(query): ApiQuery<ListQuery>,
    mut tx: TenantTx,
) -> Result<Json<AnnouncementPage>, AppError> {
    let reach = reach(viewer)?;
    let per_page = query.per_page.unwrap_or(20).clamp(1, 100);
    let wanted = query.page.unwrap_or(1);
    let (found, pager) = match (query.state, reach) {
        (Some(_), Reach::Anonymous | Reach::Member) => {
            return Err(AppError::Forbidden("state: staff only".into()));
        }
        (Some(state), Reach::Staff) => {
            let offset = (wanted.max(1) - 1) * per_page;
            let found = store::all(&mut tx, Some(state), offset, per_page + 1).await?;
            let pages = wanted.max(1) + i64::from(found.len() as i64 > per_page);
            (found, Pager::new(pages * per_page, per_page, wanted))
        }
        (None, reach) => {
            let total = store::visible_count(&mut tx, reach).await?;
            let pager = Pager::new(total, per_page, wanted);
            let offset = pager.offset(per_page);
            (
                store::visible(&mut tx, reach, offset, per_page).await?,
                pager,
            )
        }
    };
    let items = found.iter().take(per_page as usize).map(Card::of).collect();
    Ok(Json(AnnouncementPage {
        items,
        page: pager.page,
        pages: pager.pages,
    }))
}

#[utoipa::path(operation_id = "announcements_show", get, path = "/api/v1/announcements/{id}",
    tag = "announcements", params(("id" = i64, Path)),
    security((), ("bearer" = []), ("api_key" = ["announcements:read"])),
    responses((status = 200, body = Full), (status = 403), (status = 404)))]
pub async fn show(
    Viewer(viewer): Viewer,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Full>, AppError> {
    let reach = reach(viewer)?;
    let found = match reach {
        Reach::Staff => store::find(&mut tx, id).await?,
        _ => store::find_visible(&mut tx, id, reach).await?,
    };
    let announcement = found.ok_or(AppError::NotFound)?;
    let images = image_policy(&mut tx).await?;
    Ok(Json(Full::of(&announcement, images)))
}

/// A new announcement. Without `published_at` it is a draft; a time in the
/// future schedules it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementBody {
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub audience: Option<Audience>,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub image_alt: String,
    pub published_at: Option<DateTime<Utc>>,
}

#[utoipa::path(operation_id = "announcements_create", post, path = "/api/v1/announcements",
    tag = "announcements", request_body = AnnouncementBody,
    security(("bearer" = []), ("api_key" = ["announcements:write"])),
    responses((status = 201, body = Full), (status = 400), (status = 401), (status = 403),
              (status = 422)))]
pub async fn create(
    guard: Allowed<Editor, AnnouncementsWrite>,
    auth: RequestAuth,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<AnnouncementBody>,
) -> Result<(StatusCode, Json<Full>), AppError> {
    let draft = checked(Draft {
        title: body.title,
        body: body.body,
        audience: body.audience,
        pinned: body.pinned,
        image_alt: body.image_alt,
    })?;
    let actor = actor(&guard, &auth);
    let id = store::create(&mut tx, &draft, body.published_at, Some(actor.account_id)).await?;
    actions::record(&mut tx, "announcement.created", id, actor).await?;
    if let Some(at) = body.published_at {
        super::notice::schedule(&mut tx, id, at).await?;
    }
    Ok((StatusCode::CREATED, Json(full(&mut tx, id).await?)))
}

/// The fields to change; the others stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    pub audience: Option<Audience>,
    pub pinned: Option<bool>,
    pub image_alt: Option<String>,
}

#[utoipa::path(operation_id = "announcements_update", patch, path = "/api/v1/announcements/{id}",
    tag = "announcements", params(("id" = i64, Path)), request_body = AnnouncementPatch,
    security(("bearer" = []), ("api_key" = ["announcements:write"])),
    responses((status = 200, body = Full), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 422)))]
pub async fn update(
    guard: Allowed<Editor, AnnouncementsWrite>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(patch): ApiJson<AnnouncementPatch>,
) -> Result<Json<Full>, AppError> {
    let now = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let draft = checked(Draft {
        title: patch.title.unwrap_or(now.title),
        body: patch.body.unwrap_or(now.body),
        audience: Some(patch.audience.unwrap_or(now.audience)),
        pinned: patch.pinned.unwrap_or(now.pinned),
        image_alt: patch.image_alt.unwrap_or(now.image_alt),
    })?;
    store::update(&mut tx, id, &draft).await?;
    actions::record(&mut tx, "announcement.updated", id, actor(&guard, &auth)).await?;
    Ok(Json(full(&mut tx, id).await?))
}

/// `publish` takes an optional time: later schedules it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    pub at: Option<DateTime<Utc>>,
}

#[utoipa::path(operation_id = "announcements_act", post,
    path = "/api/v1/announcements/{id}/{action}", tag = "announcements",
    params(("id" = i64, Path),
           ("action" = String, Path, description = "publish, unpublish, pin, unpin, archive or restore")),
    request_body(content = Option<PublishBody>, description = "publish only: when"),
    security(("bearer" = []), ("api_key" = ["announcements:write"])),
    responses((status = 200, body = Full), (status = 400), (status = 401), (status = 403),
              (status = 404)))]
pub async fn act(
    guard: Allowed<Editor, AnnouncementsWrite>,
    auth: RequestAuth,
    Path((id, action)): Path<(i64, String)>,
    mut tx: TenantTx,
    body: Bytes,
) -> Result<Json<Full>, AppError> {
    let at = publish_time(&body)?;
    let action = match (Action::parse(&action), at) {
        (Some(Action::Publish), Some(at)) if at > Utc::now() => Action::Schedule(at),
        (Some(Action::Delete) | None, _) => return Err(AppError::NotFound),
        (Some(action), _) => action,
    };
    if !actions::apply(&mut tx, id, action, actor(&guard, &auth)).await? {
        return Err(AppError::NotFound);
    }
    Ok(Json(full(&mut tx, id).await?))
}

#[utoipa::path(operation_id = "announcements_delete", delete, path = "/api/v1/announcements/{id}",
    tag = "announcements", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["announcements:write"])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn remove(
    guard: Allowed<Editor, AnnouncementsWrite>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    match actions::apply(&mut tx, id, Action::Delete, actor(&guard, &auth)).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(AppError::NotFound),
    }
}

/// The optional body of `publish`: nothing, `null`, or `{"at": …}`.
fn publish_time(body: &[u8]) -> Result<Option<DateTime<Utc>>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let body: Option<PublishBody> = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("the body could not be read: {e}").into()))?;
    Ok(body.and_then(|b| b.at))
}

fn checked(draft: Draft) -> Result<Draft, AppError> {
    draft.check().map_err(|invalid| {
        let reasons: Vec<String> = invalid
            .iter()
            .map(|i| format!("{}: {}", i.field, i.reason()))
            .collect();
        AppError::Unprocessable(reasons.join("; ").into())
    })
}

async fn full(tx: &mut TenantTx, id: i64) -> Result<Full, AppError> {
    let announcement = store::find(tx, id).await?.ok_or(AppError::NotFound)?;
    let images = image_policy(tx).await?;
    Ok(Full::of(&announcement, images))
}

fn actor(guard: &Allowed<Editor, AnnouncementsWrite>, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: guard.0.account_id,
        ip: auth.client_ip,
    }
}
