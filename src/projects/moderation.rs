//! Staff at work on a project's conversation: its comments, hidden ones
//! included (`/staff/projects/{id}/comments`: hide, show again, delete),
//! and its updates (post one from the project's staff page, delete one).
//! Every change is audited; a member is never shown these pages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

use super::comments::{self, Comment};
use super::editor::{FORM, Shown, UpdateTyped, actor, done, find, form_page, private};
use super::editor_form::Values;
use super::view::page_url;
use super::{actions, updates};
use crate::auth::{Editor, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::form::Form;

#[derive(Serialize)]
struct CommentsPage {
    id: i64,
    title: String,
    url: String,
    comments_locked: bool,
    comments: Vec<Comment>,
    csrf_token: String,
}

/// `GET /staff/projects/{id}/comments`.
pub async fn comments(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let project = find(&mut tx, id).await?;
    let data = CommentsPage {
        id,
        url: page_url(&project.slug),
        title: project.title,
        comments_locked: project.comments_locked,
        comments: comments::list(&mut tx, id, true).await?,
        csrf_token: auth.csrf.value().to_owned(),
    };
    let template = "staff/project_comments.html";
    private(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

/// `POST /staff/projects/{id}/comments/{comment}/{hide|unhide|delete}`.
/// `from=page` in the form goes back to the project's page.
pub async fn moderate(
    guard: RequireRole<Editor>,
    auth: RequestAuth,
    Path((id, comment_id, action)): Path<(i64, i64, String)>,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let project = find(&mut tx, id).await?;
    let comment = comments::find(&mut tx, id, comment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let by = guard.principal().account_id;
    let (done_it, name) = match action.as_str() {
        "hide" => (
            comments::set_hidden(&mut tx, id, comment_id, true, by).await?,
            "project.comment_hidden",
        ),
        "unhide" => (
            comments::set_hidden(&mut tx, id, comment_id, false, by).await?,
            "project.comment_unhidden",
        ),
        "delete" => (
            comments::delete(&mut tx, id, comment_id).await?,
            "project.comment_deleted",
        ),
        _ => return Err(AppError::NotFound),
    };
    if done_it {
        let detail = json!({ "comment": comment_id, "author": comment.author_id });
        actions::record(&mut tx, name, id, actor(&guard, &auth), detail).await?;
    }
    let from_page = fields.iter().any(|(k, v)| k == "from" && v == "page");
    let back = match from_page {
        true => format!("{}#comments", page_url(&project.slug)),
        false => format!("/staff/projects/{id}/comments"),
    };
    Ok(done(&back, "projects-flash-moderated"))
}

/// `POST /staff/projects/{id}/updates`: posts an update now; a bad one
/// shows the project's staff page again with the text kept.
pub async fn post_update(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let project = find(&mut tx, id).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or(String::new(), |(_, v)| v.clone())
    };
    let (title, body) = (field("update_title"), field("update_body"));
    match updates::check(&title, &body) {
        Ok((title, body)) => {
            let by = Some(guard.principal().account_id);
            let update_id = updates::post(&mut tx, id, &title, &body, by).await?;
            let detail = json!({ "update": update_id });
            let actor = actor(&guard, &auth);
            actions::record(&mut tx, "project.update_posted", id, actor, detail).await?;
            let back = format!("/staff/projects/{id}#updates");
            Ok(done(&back, "projects-flash-update-posted"))
        }
        Err(invalid) => {
            let mut shown = Shown::new(Values::of(&project));
            shown.update = UpdateTyped {
                title,
                body,
                errors: invalid.iter().map(|i| (i.field, i.key)).collect(),
            };
            let data = form_page(&mut tx, &view, &auth, Some(&project), shown).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            private(&themes, &tx, &view, FORM, status, &data).await
        }
    }
}

/// `POST /staff/projects/{id}/updates/{update}/delete`.
pub async fn delete_update(
    guard: RequireRole<Editor>,
    auth: RequestAuth,
    Path((id, update_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    find(&mut tx, id).await?;
    if !updates::delete(&mut tx, id, update_id).await? {
        return Err(AppError::NotFound);
    }
    let detail = json!({ "update": update_id });
    actions::record(
        &mut tx,
        "project.update_deleted",
        id,
        actor(&guard, &auth),
        detail,
    )
    .await?;
    Ok(done(
        &format!("/staff/projects/{id}#updates"),
        "projects-flash-update-deleted",
    ))
}
