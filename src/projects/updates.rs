//! A project's updates: dated news posted by staff (a title and Markdown,
//! rendered on the way out like the description), shown newest first.

use chrono::{DateTime, Utc};

use super::model::{Invalid, TITLE_MAX};
use crate::db::TenantTx;
use crate::notifications::{self, Audience, Kind, Notice, NotifyError};

/// How much of an update a notification carries.
const NOTICE_CHARS: usize = 240;

/// The longest update text, in characters.
pub const BODY_MAX: usize = 20_000;
/// The updates a page lists at most.
pub const SHOWN_MAX: i64 = 100;

/// One update as stored (its body is Markdown).
#[derive(Debug, Clone)]
pub struct Update {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub author_name: Option<String>,
    pub posted_at: DateTime<Utc>,
}

/// What staff write, checked: a title, and a text that may be empty.
pub fn check(title: &str, body: &str) -> Result<(String, String), Vec<Invalid>> {
    let title = title.trim().to_owned();
    let body = body.replace("\r\n", "\n");
    let mut invalid = Vec::new();
    if title.is_empty() {
        invalid.push(Invalid {
            field: "update_title",
            key: "projects-error-title-missing",
        });
    } else if title.chars().count() > TITLE_MAX {
        invalid.push(Invalid {
            field: "update_title",
            key: "projects-error-title-long",
        });
    }
    if body.chars().count() > BODY_MAX {
        invalid.push(Invalid {
            field: "update_body",
            key: "projects-error-update-long",
        });
    }
    match invalid.is_empty() {
        true => Ok((title, body)),
        false => Err(invalid),
    }
}

/// The updates of `project_id`, newest first.
pub async fn list(tx: &mut TenantTx, project_id: i64) -> Result<Vec<Update>, sqlx::Error> {
    sqlx::query_as!(
        Update,
        r#"SELECT u.id, u.title, u.body, a.display_name AS "author_name?", u.posted_at
           FROM project_updates u LEFT JOIN accounts a ON a.id = u.author_id
           WHERE u.project_id = $1
           ORDER BY u.posted_at DESC, u.id DESC LIMIT $2"#,
        project_id,
        SHOWN_MAX
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Posts a checked update now.
pub async fn post(
    tx: &mut TenantTx,
    project_id: i64,
    title: &str,
    body: &str,
    author: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "INSERT INTO project_updates (project_id, title, body, author_id)
         VALUES ($1, $2, $3, $4) RETURNING id",
        project_id,
        title,
        body,
        author
    )
    .fetch_one(tx.conn().await?)
    .await?;
    tell_members(tx, project_id, title, body).await?;
    Ok(id)
}

/// People hear of an update of a project that is out (open or closed),
/// as their notification preferences for projects say.
async fn tell_members(
    tx: &mut TenantTx,
    project_id: i64,
    title: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    let project = sqlx::query!(
        "SELECT title, slug FROM projects WHERE id = $1 AND status IN ('open', 'closed')",
        project_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(project) = project else {
        return Ok(());
    };
    let notice = Notice {
        kind: Kind::Projects,
        audience: Audience::Everyone,
        title: format!("{} — {title}", project.title),
        body: crate::announcements::markdown::excerpt(body, NOTICE_CHARS),
        url: super::view::page_url(&project.slug),
    };
    match notifications::notify(tx, notice).await {
        Ok(_) => Ok(()),
        Err(NotifyError::Database(error)) => Err(error),
        // A title the notice cannot carry is not worth refusing the update.
        Err(refused) => {
            tracing::warn!(%refused, project_id, "no notice for a project update");
            Ok(())
        }
    }
}

/// Deletes an update of `project_id`; false when there is none.
pub async fn delete(
    tx: &mut TenantTx,
    project_id: i64,
    update_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM project_updates WHERE project_id = $1 AND id = $2",
        project_id,
        update_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}
