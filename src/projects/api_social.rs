//! `/api/v1/projects/{id}/…`: updates (anyone who may read the project
//! reads them; editors post and delete), comments (members post as
//! themselves — people, never API keys —, staff also read hidden ones and
//! hide, unhide or delete; an author deletes their own) and volunteers (a
//! member signs up or withdraws; staff list them). A project the caller
//! may not read is a 404.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::actions::{self, Actor};
use super::api::reach;
use super::comments::{self, Comment};
use super::model::{Invalid, Project};
use super::read::{self, Key};
use super::view::UpdateView;
use super::volunteers::{self, Volunteer};
use crate::announcements::Reach;
use crate::announcements::pages::image_policy;
use crate::api::json::ApiJson;
use crate::auth::scope::{Access, Scope};
use crate::auth::scoped::{Allowed, Person, ProjectsRead, ProjectsWrite};
use crate::auth::{Editor, Principal, RequestAuth, SignedIn, Via, Viewer};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

/// The project `id` if the caller may read it.
async fn visible(tx: &mut TenantTx, id: i64, who: Option<&Principal>) -> Result<Project, AppError> {
    let reach = reach(who)?;
    Ok(read::visible(tx, &Key::Id(id), reach).await?)
}

fn actor(who: &Principal, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: who.account_id,
        ip: auth.client_ip,
    }
}

#[utoipa::path(operation_id = "projects_updates", get, path = "/api/v1/projects/{id}/updates",
    tag = "projects", params(("id" = i64, Path)),
    security((), ("bearer" = []), ("api_key" = ["projects:read"])),
    responses((status = 200, body = Vec<UpdateView>), (status = 403), (status = 404)))]
pub async fn updates(
    Viewer(viewer): Viewer,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<UpdateView>>, AppError> {
    let project = visible(&mut tx, id, viewer.as_ref()).await?;
    let images = image_policy(&mut tx).await?;
    let found = super::updates::list(&mut tx, project.id).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|u| UpdateView::of(u, images))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
}

#[utoipa::path(operation_id = "projects_post_update", post,
    path = "/api/v1/projects/{id}/updates", tag = "projects", params(("id" = i64, Path)),
    request_body = UpdateBody, security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 201, body = UpdateView), (status = 401), (status = 403), (status = 404),
              (status = 422)))]
pub async fn post_update(
    guard: Allowed<Editor, ProjectsWrite>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<UpdateBody>,
) -> Result<(StatusCode, Json<UpdateView>), AppError> {
    let project = visible(&mut tx, id, Some(&guard.0)).await?;
    let (title, text) = super::updates::check(&body.title, &body.body)
        .map_err(|invalid| AppError::Unprocessable(Invalid::summary(&invalid).into()))?;
    let by = Some(guard.0.account_id);
    let update_id = super::updates::post(&mut tx, project.id, &title, &text, by).await?;
    let detail = json!({ "update": update_id });
    let who = actor(&guard.0, &auth);
    actions::record(&mut tx, "project.update_posted", id, who, detail).await?;
    let images = image_policy(&mut tx).await?;
    let posted = super::updates::list(&mut tx, id).await?;
    let update = posted
        .into_iter()
        .find(|u| u.id == update_id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(UpdateView::of(update, images))))
}

#[utoipa::path(operation_id = "projects_delete_update", delete,
    path = "/api/v1/projects/{id}/updates/{update}", tag = "projects",
    params(("id" = i64, Path), ("update" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn delete_update(
    guard: Allowed<Editor, ProjectsWrite>,
    auth: RequestAuth,
    Path((id, update_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    if !super::updates::delete(&mut tx, id, update_id).await? {
        return Err(AppError::NotFound);
    }
    let detail = json!({ "update": update_id });
    let who = actor(&guard.0, &auth);
    actions::record(&mut tx, "project.update_deleted", id, who, detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "projects_comments", get, path = "/api/v1/projects/{id}/comments",
    tag = "projects", params(("id" = i64, Path)),
    security((), ("bearer" = []), ("api_key" = ["projects:read"])),
    responses((status = 200, body = Vec<Comment>, description = "Oldest first; hidden ones \
               for staff only"), (status = 403), (status = 404)))]
pub async fn comments(
    Viewer(viewer): Viewer,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Comment>>, AppError> {
    let project = visible(&mut tx, id, viewer.as_ref()).await?;
    let staff = reach(viewer.as_ref())? == Reach::Staff;
    Ok(Json(comments::list(&mut tx, project.id, staff).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// Plain text, 1 to 2,000 characters.
    pub body: String,
}

#[utoipa::path(operation_id = "projects_post_comment", post,
    path = "/api/v1/projects/{id}/comments", tag = "projects", params(("id" = i64, Path)),
    request_body = CommentBody, security(("bearer" = [])),
    responses((status = 201, body = Comment), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "Not open, or comments locked"), (status = 422)))]
pub async fn post_comment(
    Person(who): Person,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<(StatusCode, Json<Comment>), AppError> {
    let project = visible(&mut tx, id, Some(&who)).await?;
    let comment_id = comments::post(&mut tx, project.id, who.account_id, &body.body).await?;
    let comment = comments::find(&mut tx, id, comment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(comment)))
}

#[utoipa::path(operation_id = "projects_delete_comment", delete,
    path = "/api/v1/projects/{id}/comments/{comment}", tag = "projects",
    params(("id" = i64, Path), ("comment" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 204, description = "Deleted by its author or by staff"), (status = 401),
              (status = 403), (status = 404)))]
pub async fn delete_comment(
    SignedIn(who): SignedIn,
    auth: RequestAuth,
    Path((id, comment_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    visible(&mut tx, id, Some(&who)).await?;
    let moderator = who.role.is_staff() && who.allows(&Scope::new("projects", Access::Write));
    let person = !matches!(who.via, Via::ApiKey { .. });
    let found = comments::find(&mut tx, id, comment_id).await?;
    // Someone else's comment, or a hidden one, is not there for a member.
    let comment = found
        .filter(|c| moderator || (person && c.author_id == who.account_id && !c.hidden))
        .ok_or(AppError::NotFound)?;
    comments::delete(&mut tx, id, comment_id).await?;
    if comment.author_id != who.account_id {
        let detail = json!({ "comment": comment_id, "author": comment.author_id });
        let actor = actor(&who, &auth);
        actions::record(&mut tx, "project.comment_deleted", id, actor, detail).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "projects_moderate_comment", post,
    path = "/api/v1/projects/{id}/comments/{comment}/{action}", tag = "projects",
    params(("id" = i64, Path), ("comment" = i64, Path),
           ("action" = String, Path, description = "hide or unhide")),
    security(("bearer" = []), ("api_key" = ["projects:write"])),
    responses((status = 200, body = Comment), (status = 401), (status = 403), (status = 404)))]
pub async fn moderate(
    guard: Allowed<Editor, ProjectsWrite>,
    auth: RequestAuth,
    Path((id, comment_id, action)): Path<(i64, i64, String)>,
    mut tx: TenantTx,
) -> Result<Json<Comment>, AppError> {
    let (hidden, name) = match action.as_str() {
        "hide" => (true, "project.comment_hidden"),
        "unhide" => (false, "project.comment_unhidden"),
        _ => return Err(AppError::NotFound),
    };
    let by = guard.0.account_id;
    comments::find(&mut tx, id, comment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if comments::set_hidden(&mut tx, id, comment_id, hidden, by).await? {
        let detail = json!({ "comment": comment_id });
        actions::record(&mut tx, name, id, actor(&guard.0, &auth), detail).await?;
    }
    let comment = comments::find(&mut tx, id, comment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(comment))
}

#[utoipa::path(operation_id = "projects_volunteers", get,
    path = "/api/v1/projects/{id}/volunteers", tag = "projects", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["projects:read"])),
    responses((status = 200, body = Vec<Volunteer>), (status = 401), (status = 403),
              (status = 404)))]
pub async fn volunteers(
    guard: Allowed<Editor, ProjectsRead>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Volunteer>>, AppError> {
    let project = visible(&mut tx, id, Some(&guard.0)).await?;
    Ok(Json(volunteers::list(&mut tx, project.id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// When one is free, what one can do: at most 500 characters.
    #[serde(default)]
    pub note: String,
}

/// Where the caller stands after signing up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Signed {
    pub signed_up: bool,
    pub volunteers: i64,
    pub full: bool,
}

#[utoipa::path(operation_id = "projects_sign_up", post,
    path = "/api/v1/projects/{id}/volunteers", tag = "projects", params(("id" = i64, Path)),
    request_body = NoteBody, security(("bearer" = [])),
    responses((status = 201, body = Signed), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "Not open, full, or signed up already"),
              (status = 422)))]
pub async fn sign_up(
    Person(who): Person,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<(StatusCode, Json<Signed>), AppError> {
    let project = visible(&mut tx, id, Some(&who)).await?;
    volunteers::sign_up(&mut tx, project.id, who.account_id, &body.note).await?;
    let count = volunteers::count(&mut tx, project.id).await?;
    let signed = Signed {
        signed_up: true,
        volunteers: count,
        full: project.is_full(count),
    };
    Ok((StatusCode::CREATED, Json(signed)))
}

#[utoipa::path(operation_id = "projects_withdraw", delete,
    path = "/api/v1/projects/{id}/volunteers/me", tag = "projects", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "Not open, or not signed up")))]
pub async fn withdraw(
    Person(who): Person,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    let project = visible(&mut tx, id, Some(&who)).await?;
    volunteers::withdraw(&mut tx, project.id, who.account_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
