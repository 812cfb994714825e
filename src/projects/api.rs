//! `/api/v1/projects`: the same rules as the pages. Anyone reads the
//! public projects, members also the members-only ones, staff every one
//! (drafts and archived ones with `?status=`). Editors (or keys with
//! `projects:write`) create, change, move and delete them. A key without
//! `projects:read` reads nothing. Updates, comments and volunteers are in
//! `api_social`.

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::actions::{self, Action, Actor};
use super::api_social as social;
use super::model::{Draft, Invalid, Project, Status, Visibility};
use super::read::{self, Key};
use super::view::{Card, Full};
use super::{store, write};
use crate::announcements::Reach;
use crate::announcements::pages::image_policy;
use crate::announcements::view::Pager;
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::scope::{Access, Scope};
use crate::auth::scoped::{Allowed, ProjectsWrite};
use crate::auth::{Editor, Principal, RequestAuth, Viewer};
use crate::contributions::api::money::MoneyInput;
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let one = "/api/v1/projects/{id}";
    Router::new()
        .route("/api/v1/projects", get(list).post(create))
        .route(one, get(show).patch(update).delete(remove))
        .route("/api/v1/projects/{id}/status", post(status))
        .route(
            "/api/v1/projects/{id}/updates",
            get(social::updates).post(social::post_update),
        )
        .route(
            "/api/v1/projects/{id}/updates/{update}",
            delete(social::delete_update),
        )
        .route(
            "/api/v1/projects/{id}/comments",
            get(social::comments).post(social::post_comment),
        )
        .route(
            "/api/v1/projects/{id}/comments/{comment}",
            delete(social::delete_comment),
        )
        .route(
            "/api/v1/projects/{id}/comments/{comment}/{action}",
            post(social::moderate),
        )
        .route(
            "/api/v1/projects/{id}/volunteers",
            get(social::volunteers).post(social::sign_up),
        )
        .route(
            "/api/v1/projects/{id}/volunteers/me",
            delete(social::withdraw),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(list, show, create, update, status, remove, social::updates, social::post_update,
          social::delete_update, social::comments, social::post_comment, social::delete_comment,
          social::moderate, social::volunteers, social::sign_up, social::withdraw),
    components(schemas(ProjectPage, Card, Full, ProjectBody, ProjectPatch, StatusBody, Status,
                       Visibility, social::UpdateBody, social::CommentBody, social::NoteBody,
                       social::Signed, super::view::UpdateView, super::comments::Comment,
                       super::volunteers::Volunteer)),
    tags((name = "projects", description = "What the association raises money or volunteers \
          for: anyone reads the public ones; members comment and volunteer; editors (or keys \
          with projects:write) write and moderate. Money comes from payments earmarked with \
          project_id (POST /api/v1/payments).")),
)]
pub struct Doc;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// From 1.
    pub page: Option<i64>,
    /// 1 to 100 (default 20).
    pub per_page: Option<i64>,
    /// Staff only: every project in this status instead of the listed ones.
    pub status: Option<Status>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<Card>,
    pub page: i64,
    pub pages: i64,
}

/// What the caller may read; a key without the scope is refused.
pub(super) fn reach(viewer: Option<&Principal>) -> Result<Reach, AppError> {
    let Some(principal) = viewer else {
        return Ok(Reach::Anonymous);
    };
    match principal.allows(&Scope::new("projects", Access::Read)) {
        true => Ok(Reach::of(Some(principal.role))),
        false => Err(AppError::Forbidden("this key lacks projects:read".into())),
    }
}

#[utoipa::path(operation_id = "projects_list", get, path = "/api/v1/projects", tag = "projects",
    params(ListQuery), security((), ("bearer" = []), ("api_key" = ["projects:read"])),
    responses((status = 200, body = ProjectPage), (status = 400), (status = 403)))]
pub async fn list(
    Viewer(viewer): Viewer,
    ApiQuery(query): ApiQuery<ListQuery>,
    mut tx: TenantTx,
) -> Result<Json<ProjectPage>, AppError> {
    let reach = reach(viewer.as_ref())?;
    let per_page = query.per_page.unwrap_or(20).clamp(1, 100);
    let wanted = query.page.unwrap_or(1).max(1);
    let (found, pager) = match (query.status, reach) {
        (Some(_), Reach::Anonymous | Reach::Member) => {
            return Err(AppError::Forbidden("status: staff only".into()));
        }
        (Some(status), Reach::Staff) => {
            let offset = (wanted - 1) * per_page;
            let mut found = store::all(&mut tx, Some(status), offset, per_page + 1).await?;
            let pages = wanted + i64::from(found.len() as i64 > per_page);
            found.truncate(per_page as usize);
            (found, Pager::new(pages * per_page, per_page, wanted))
        }
        (None, reach) => {
            let open = Visibility::open_to(reach);
            let total = store::listed_count(&mut tx, &open).await?;
            let pager = Pager::new(total, per_page, wanted);
            let offset = pager.offset(per_page);
            (
                store::listed(&mut tx, &open, offset, per_page).await?,
                pager,
            )
        }
    };
    let figures = read::figures(&mut tx, &found).await?;
    let items = found
        .iter()
        .zip(figures)
        .map(|(p, (raised, count))| Card::of(p, raised, count))
        .collect();
    Ok(Json(ProjectPage {
        items,
        page: pager.page,
        pages: pager.pages,
    }))
}

#[utoipa::path(operation_id = "projects_show", get, path = "/api/v1/projects/{id}",
    tag = "projects", params(("id" = String, Path, description = "The id or the slug")),
    security((), ("bearer" = []), ("api_key" = ["projects:read"])),
    responses((status = 200, body = Full), (status = 403), (status = 404)))]
pub async fn show(
    Viewer(viewer): Viewer,
    Path(key): Path<String>,
    mut tx: TenantTx,
) -> Result<Json<Full>, AppError> {
    let reach = reach(viewer.as_ref())?;
    let project = read::visible(&mut tx, &Key::parse(&key), reach).await?;
    Ok(Json(full(&mut tx, &project).await?))
}

/// A new project, a draft until its status is moved.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    pub title: String,
    /// Made from the title when absent.
    pub slug: Option<String>,
    #[serde(default)]
    pub summary: String,
    /// Markdown.
    #[serde(default)]
    pub description: String,
    /// In the association's currency.
    pub goal: Option<MoneyInput>,
    pub deadline: Option<NaiveDate>,
    pub visibility: Option<Visibility>,
    #[serde(default)]
    pub volunteering: bool,
    pub volunteers_wanted: Option<i32>,
    #[serde(default)]
    pub volunteer_roles: String,
}

#[utoipa::path(operation_id = "projects_create", post, path = "/api/v1/projects",
    tag = "projects", request_body = ProjectBody,
    security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 201, body = Full), (status = 400), (status = 401), (status = 403),
              (status = 422)))]
pub async fn create(
    guard: Allowed<Editor, ProjectsWrite>,
    auth: RequestAuth,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<ProjectBody>,
) -> Result<(StatusCode, Json<Full>), AppError> {
    let goal = goal_minor(&mut tx, body.goal.as_ref()).await?;
    let draft = checked(Draft {
        title: body.title,
        slug: body.slug.unwrap_or_default(),
        summary: body.summary,
        description: body.description,
        goal_minor: goal,
        deadline: body.deadline,
        visibility: body.visibility.unwrap_or_default(),
        volunteering: body.volunteering,
        volunteers_wanted: body.volunteers_wanted,
        volunteer_roles: body.volunteer_roles,
    })?;
    let id = write::create(&mut tx, &draft, actor(&guard, &auth)).await?;
    let project = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(full(&mut tx, &project).await?)))
}

/// The fields to change; the others stay. `null` clears the goal, the
/// deadline or the number of places.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<MoneyInput>)]
    pub goal: Option<Option<MoneyInput>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub deadline: Option<Option<NaiveDate>>,
    pub visibility: Option<Visibility>,
    pub volunteering: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub volunteers_wanted: Option<Option<i32>>,
    pub volunteer_roles: Option<String>,
    pub comments_locked: Option<bool>,
}

/// A field that is there (even `null`) is `Some`; an absent one `None`.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

#[utoipa::path(operation_id = "projects_update", patch, path = "/api/v1/projects/{id}",
    tag = "projects", params(("id" = i64, Path)), request_body = ProjectPatch,
    security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 200, body = Full), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 422)))]
pub async fn update(
    guard: Allowed<Editor, ProjectsWrite>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(patch): ApiJson<ProjectPatch>,
) -> Result<Json<Full>, AppError> {
    let now = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let goal = match &patch.goal {
        Some(goal) => goal_minor(&mut tx, goal.as_ref()).await?,
        None => now.goal.map(|g| g.minor()),
    };
    let draft = checked(Draft {
        title: patch.title.unwrap_or(now.title),
        slug: patch.slug.unwrap_or(now.slug),
        summary: patch.summary.unwrap_or(now.summary),
        description: patch.description.unwrap_or(now.description),
        goal_minor: goal,
        deadline: patch.deadline.unwrap_or(now.deadline),
        visibility: patch.visibility.unwrap_or(now.visibility),
        volunteering: patch.volunteering.unwrap_or(now.volunteering),
        volunteers_wanted: patch.volunteers_wanted.unwrap_or(now.volunteers_wanted),
        volunteer_roles: patch.volunteer_roles.unwrap_or(now.volunteer_roles),
    })?;
    let actor = actor(&guard, &auth);
    write::update(&mut tx, id, &draft, actor).await?;
    if let Some(locked) = patch.comments_locked {
        let action = match locked {
            true => Action::LockComments,
            false => Action::UnlockComments,
        };
        actions::apply(&mut tx, id, action, actor).await?;
    }
    let project = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(full(&mut tx, &project).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub status: Status,
}

#[utoipa::path(operation_id = "projects_status", post, path = "/api/v1/projects/{id}/status",
    tag = "projects", params(("id" = i64, Path)), request_body = StatusBody,
    security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 200, body = Full), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 422)))]
pub async fn status(
    guard: Allowed<Editor, ProjectsWrite>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<Full>, AppError> {
    store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let action = Action::Move(body.status);
    actions::apply(&mut tx, id, action, actor(&guard, &auth)).await?;
    let project = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(full(&mut tx, &project).await?))
}

#[utoipa::path(operation_id = "projects_delete", delete, path = "/api/v1/projects/{id}",
    tag = "projects", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 204), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "Money was earmarked for it: archive it")))]
pub async fn remove(
    guard: Allowed<Editor, ProjectsWrite>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    actions::apply(&mut tx, id, Action::Delete, actor(&guard, &auth)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The goal in minor units, in the association's currency only.
async fn goal_minor(tx: &mut TenantTx, goal: Option<&MoneyInput>) -> Result<Option<i64>, AppError> {
    let Some(goal) = goal else {
        return Ok(None);
    };
    let amount = goal.amount("goal")?;
    let currency = settings::get(tx).await?.currency;
    if amount.currency() != currency {
        let why = format!("goal: in the association's currency, {}", currency.code());
        return Err(AppError::Unprocessable(why.into()));
    }
    Ok(Some(amount.minor()))
}

fn checked(draft: Draft) -> Result<Draft, AppError> {
    draft
        .check()
        .map_err(|invalid| AppError::Unprocessable(Invalid::summary(&invalid).into()))
}

pub(super) async fn full(tx: &mut TenantTx, project: &Project) -> Result<Full, AppError> {
    let (raised, count) = read::figures_of(tx, project).await?;
    let images = image_policy(tx).await?;
    Ok(Full::of(project, raised, count, images))
}

fn actor(guard: &Allowed<Editor, ProjectsWrite>, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: guard.0.account_id,
        ip: auth.client_ip,
    }
}
