//! Members' comments on a project: plain text (shown escaped, never
//! rendered as Markdown), written while the project is open and its
//! comments are not locked. Staff hide (kept, shown to staff only), show
//! again or delete any; an author may delete their own. The caller checks
//! that the person may see the project; moderation is audited by `actions`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{Error, Refusal};
use super::model::Invalid;
use super::store;
use crate::db::TenantTx;

/// The longest comment, in characters.
pub const BODY_MAX: usize = 2000;
/// The comments a project's page shows at most (the newest ones).
pub const SHOWN_MAX: i64 = 500;

/// One comment as pages and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    /// Plain text, as written.
    pub body: String,
    /// Hidden by staff: only staff read it.
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
}

/// The text of a comment as typed, trimmed, or why it cannot be kept.
pub fn check_body(text: &str) -> Result<String, Invalid> {
    let body = text.replace("\r\n", "\n").trim().to_owned();
    let refuse = |key| Invalid { field: "body", key };
    match body.chars().count() {
        0 => Err(refuse("projects-error-comment-missing")),
        n if n > BODY_MAX => Err(refuse("projects-error-comment-long")),
        _ => Ok(body),
    }
}

/// The comments of `project_id`, oldest first; hidden ones only for staff.
pub async fn list(
    tx: &mut TenantTx,
    project_id: i64,
    with_hidden: bool,
) -> Result<Vec<Comment>, sqlx::Error> {
    let mut found = sqlx::query_as!(
        Comment,
        r#"SELECT c.id, c.author_id, a.display_name AS author_name, c.body,
                  c.hidden_at IS NOT NULL AS "hidden!", c.created_at
           FROM project_comments c JOIN accounts a ON a.id = c.author_id
           WHERE c.project_id = $1 AND ($2 OR c.hidden_at IS NULL)
           ORDER BY c.created_at DESC, c.id DESC LIMIT $3"#,
        project_id,
        with_hidden,
        SHOWN_MAX
    )
    .fetch_all(tx.conn().await?)
    .await?;
    found.reverse();
    Ok(found)
}

/// Keeps `author_id`'s comment on `project_id` if the project takes
/// comments now (its row locked, so a lock by staff is not raced).
pub async fn post(
    tx: &mut TenantTx,
    project_id: i64,
    author_id: i64,
    text: &str,
) -> Result<i64, Error> {
    let body = check_body(text).map_err(|invalid| vec![invalid])?;
    let project = store::lock(tx, project_id).await?.ok_or(Error::NotFound)?;
    if project.comments_locked {
        return Err(Refusal::Locked.into());
    }
    if !project.takes_comments() {
        return Err(Refusal::NotOpen.into());
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO project_comments (project_id, author_id, body) VALUES ($1, $2, $3) RETURNING id",
        project_id,
        author_id,
        body
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(id)
}

/// One comment of `project_id`, hidden or not.
pub async fn find(
    tx: &mut TenantTx,
    project_id: i64,
    comment_id: i64,
) -> Result<Option<Comment>, sqlx::Error> {
    sqlx::query_as!(
        Comment,
        r#"SELECT c.id, c.author_id, a.display_name AS author_name, c.body,
                  c.hidden_at IS NOT NULL AS "hidden!", c.created_at
           FROM project_comments c JOIN accounts a ON a.id = c.author_id
           WHERE c.project_id = $1 AND c.id = $2"#,
        project_id,
        comment_id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Hides (or shows again) a comment; false when nothing changed.
pub async fn set_hidden(
    tx: &mut TenantTx,
    project_id: i64,
    comment_id: i64,
    hidden: bool,
    by: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE project_comments
         SET hidden_at = CASE WHEN $3 THEN now() END, hidden_by = CASE WHEN $3 THEN $4::bigint END
         WHERE project_id = $1 AND id = $2 AND (hidden_at IS NOT NULL) <> $3",
        project_id,
        comment_id,
        hidden,
        by
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a comment for good; false when there is none.
pub async fn delete(
    tx: &mut TenantTx,
    project_id: i64,
    comment_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM project_comments WHERE project_id = $1 AND id = $2",
        project_id,
        comment_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_trimmed_and_bounded() {
        assert_eq!(
            check_body("  Bravo !\r\n ").ok().as_deref(),
            Some("Bravo !")
        );
        assert_eq!(
            check_body(" \n ").err().map(|i| i.key),
            Some("projects-error-comment-missing")
        );
        let long = "é".repeat(BODY_MAX + 1);
        assert_eq!(
            check_body(&long).err().map(|i| i.key),
            Some("projects-error-comment-long")
        );
        assert!(check_body(&"é".repeat(BODY_MAX)).is_ok());
    }
}
