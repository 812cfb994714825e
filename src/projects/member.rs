//! What a signed-in member does on a project's page, by plain forms: write
//! a comment, delete their own, sign up as a volunteer (with a note) and
//! withdraw. Each form names the project by id; one the member may not
//! read is a 404. A refusal by the project's state (locked, full, closed)
//! comes back as a flash on its page; a bad text as the page again (422)
//! with the text kept and its error beside it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::actions::{self, Actor};
use super::error::Error;
use super::model::Project;
use super::pages::{SHOW, Typed, respond, show_page};
use super::read::{self, Key};
use super::view::page_url;
use super::{comments, volunteers};
use crate::announcements::Reach;
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

/// `POST /projects/{id}/comments`.
pub async fn comment(
    State(themes): State<Themes>,
    SignedIn(who): SignedIn,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let project = visible(&mut tx, id, &who).await?;
    let text = field(&fields, "body");
    match comments::post(&mut tx, id, who.account_id, text).await {
        Ok(cid) => {
            let to = format!("{}#comment-{cid}", page_url(&project.slug));
            Ok(flash(
                &to,
                FlashKind::Success,
                "projects-flash-comment-posted",
            ))
        }
        Err(Error::Invalid(invalid)) => {
            let typed = Typed {
                comment: text.to_owned(),
                errors: invalid.iter().map(|i| ("comment", i.key)).collect(),
                ..Typed::default()
            };
            let page = show_page(&mut tx, &view, &auth, Some(&who), &project, typed).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            respond(&themes, &tx, &view, Reach::Member, SHOW, status, &page).await
        }
        Err(error) => refused(&project, error),
    }
}

/// `POST /projects/{id}/comments/{comment}/delete`: the author's own, or
/// any for staff (audited).
pub async fn delete_comment(
    SignedIn(who): SignedIn,
    auth: RequestAuth,
    Path((id, comment_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let project = visible(&mut tx, id, &who).await?;
    let staff = who.role.is_staff();
    let found = comments::find(&mut tx, id, comment_id).await?;
    // Someone else's comment, or a hidden one, is not there for a member.
    let comment = found
        .filter(|c| staff || (c.author_id == who.account_id && !c.hidden))
        .ok_or(AppError::NotFound)?;
    comments::delete(&mut tx, id, comment_id).await?;
    if staff && comment.author_id != who.account_id {
        let actor = Actor {
            account_id: who.account_id,
            ip: auth.client_ip,
        };
        let detail = json!({ "comment": comment_id, "author": comment.author_id });
        actions::record(&mut tx, "project.comment_deleted", id, actor, detail).await?;
    }
    let to = format!("{}#comments", page_url(&project.slug));
    Ok(flash(
        &to,
        FlashKind::Success,
        "projects-flash-comment-deleted",
    ))
}

/// `POST /projects/{id}/volunteer`.
pub async fn volunteer(
    State(themes): State<Themes>,
    SignedIn(who): SignedIn,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(fields): Form<Fields>,
) -> Result<Response, AppError> {
    let project = visible(&mut tx, id, &who).await?;
    let note = field(&fields, "note");
    match volunteers::sign_up(&mut tx, id, who.account_id, note).await {
        Ok(()) => {
            let to = format!("{}#volunteers", page_url(&project.slug));
            Ok(flash(&to, FlashKind::Success, "projects-flash-signed-up"))
        }
        Err(Error::Invalid(invalid)) => {
            let typed = Typed {
                note: note.to_owned(),
                errors: invalid.iter().map(|i| (i.field, i.key)).collect(),
                ..Typed::default()
            };
            let page = show_page(&mut tx, &view, &auth, Some(&who), &project, typed).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            respond(&themes, &tx, &view, Reach::Member, SHOW, status, &page).await
        }
        Err(error) => refused(&project, error),
    }
}

/// `POST /projects/{id}/volunteer/withdraw`.
pub async fn withdraw(
    SignedIn(who): SignedIn,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let project = visible(&mut tx, id, &who).await?;
    match volunteers::withdraw(&mut tx, id, who.account_id).await {
        Ok(()) => {
            let to = format!("{}#volunteers", page_url(&project.slug));
            Ok(flash(&to, FlashKind::Success, "projects-flash-withdrawn"))
        }
        Err(error) => refused(&project, error),
    }
}

async fn visible(
    tx: &mut TenantTx,
    id: i64,
    who: &crate::auth::Principal,
) -> Result<Project, AppError> {
    let reach = Reach::of(Some(who.role));
    Ok(read::visible(tx, &Key::Id(id), reach).await?)
}

/// A refusal by the project's state as a flash on its page; anything else
/// is the error it is.
fn refused(project: &Project, error: Error) -> Result<Response, AppError> {
    match error {
        Error::Refused(refusal) => Ok(flash(
            &page_url(&project.slug),
            FlashKind::Error,
            refusal.key(),
        )),
        other => Err(other.into()),
    }
}

fn flash(to: &str, kind: FlashKind, key: &str) -> Response {
    redirect_with(to, Some(Flash::new(kind, key)))
}
