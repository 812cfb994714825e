//! The announcements table: what readers see (by reach, paged), what
//! editors list and write, and the tenant's content settings. Every write
//! touches `updated_at`; the table's trigger tells every instance's page
//! cache that the tenant's public pages changed.

use chrono::{DateTime, Utc};

use super::model::{Announcement, Audience, Draft, Reach, State};
use crate::db::TenantTx;

struct Row {
    id: i64,
    title: String,
    body: String,
    audience: String,
    pinned: bool,
    published_at: Option<DateTime<Utc>>,
    archived_at: Option<DateTime<Utc>>,
    image_key: Option<String>,
    image_alt: String,
    author_id: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Announcement {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            title: row.title,
            body: row.body,
            // The table's CHECK admits only the three; staff is the safe reading.
            audience: Audience::parse(&row.audience).unwrap_or(Audience::Staff),
            pinned: row.pinned,
            published_at: row.published_at,
            archived_at: row.archived_at,
            image_key: row.image_key,
            image_alt: row.image_alt,
            author_id: row.author_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A page of the visible announcements for `reach`: published, not
/// archived, of an audience it may read; pinned first, then newest.
pub async fn visible(
    tx: &mut TenantTx,
    reach: Reach,
    offset: i64,
    limit: i64,
) -> Result<Vec<Announcement>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, title, body, audience, pinned, published_at, archived_at, image_key,
                image_alt, author_id, created_at, updated_at
         FROM announcements
         WHERE audience = ANY($1) AND archived_at IS NULL AND published_at <= now()
         ORDER BY pinned DESC, published_at DESC, id DESC
         OFFSET $2 LIMIT $3",
        &reach.audiences(),
        offset,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// How many announcements `reach` sees (for the pager).
pub async fn visible_count(tx: &mut TenantTx, reach: Reach) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM announcements
           WHERE audience = ANY($1) AND archived_at IS NULL AND published_at <= now()"#,
        &reach.audiences()
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// One announcement if `reach` may read it: published (archived ones stay
/// readable at their address, out of every list) and of an open audience.
pub async fn find_visible(
    tx: &mut TenantTx,
    id: i64,
    reach: Reach,
) -> Result<Option<Announcement>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, title, body, audience, pinned, published_at, archived_at, image_key,
                image_alt, author_id, created_at, updated_at
         FROM announcements
         WHERE id = $1 AND audience = ANY($2) AND published_at <= now()",
        id,
        &reach.audiences()
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// One announcement whatever its state (for editors).
pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Announcement>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, title, body, audience, pinned, published_at, archived_at, image_key,
                image_alt, author_id, created_at, updated_at
         FROM announcements WHERE id = $1",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// Every announcement in `state` (all of them with `None`), for editors:
/// drafts and scheduled ones first, then by date.
pub async fn all(
    tx: &mut TenantTx,
    state: Option<State>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Announcement>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, title, body, audience, pinned, published_at, archived_at, image_key,
                image_alt, author_id, created_at, updated_at
         FROM announcements
         WHERE CASE $1::text
                 WHEN 'draft' THEN archived_at IS NULL AND published_at IS NULL
                 WHEN 'scheduled' THEN archived_at IS NULL AND published_at > now()
                 WHEN 'published' THEN archived_at IS NULL AND published_at <= now()
                 WHEN 'archived' THEN archived_at IS NOT NULL
                 ELSE true
               END
         ORDER BY archived_at IS NOT NULL, published_at IS NOT NULL,
                  coalesce(published_at, updated_at) DESC, id DESC
         OFFSET $2 LIMIT $3",
        state.map(State::as_str),
        offset,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Keeps a new announcement; `published_at = None` keeps it a draft.
pub async fn create(
    tx: &mut TenantTx,
    draft: &Draft,
    published_at: Option<DateTime<Utc>>,
    author: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO announcements (title, body, audience, pinned, image_alt, published_at, author_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        draft.title,
        draft.body,
        draft.audience().as_str(),
        draft.pinned,
        draft.image_alt,
        published_at,
        author
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Replaces the text, audience and pin of `id`; false when there is none.
pub async fn update(tx: &mut TenantTx, id: i64, draft: &Draft) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE announcements
         SET title = $2, body = $3, audience = $4, pinned = $5, image_alt = $6, updated_at = now()
         WHERE id = $1",
        id,
        draft.title,
        draft.body,
        draft.audience().as_str(),
        draft.pinned,
        draft.image_alt
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Publishes `id` at `at` (now, or later: scheduled), or takes it back to
/// a draft with `None`. Archiving is undone by publishing again.
pub async fn set_publication(
    tx: &mut TenantTx,
    id: i64,
    at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE announcements SET published_at = $2, archived_at = NULL, updated_at = now()
         WHERE id = $1",
        id,
        at
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_pinned(tx: &mut TenantTx, id: i64, pinned: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE announcements SET pinned = $2, updated_at = now() WHERE id = $1",
        id,
        pinned
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Archives `id` (out of every list) or brings it back with `false`.
pub async fn set_archived(tx: &mut TenantTx, id: i64, archived: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE announcements
         SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END, updated_at = now()
         WHERE id = $1",
        id,
        archived
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets or clears the image key of `id`, returning the one it replaces.
pub async fn set_image(
    tx: &mut TenantTx,
    id: i64,
    key: Option<&str>,
) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE announcements a SET image_key = $2, updated_at = now()
         FROM (SELECT image_key FROM announcements WHERE id = $1 FOR UPDATE) old
         WHERE a.id = $1 RETURNING old.image_key",
        id,
        key
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Deletes `id` for good; false when there is none.
pub async fn delete(tx: &mut TenantTx, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("DELETE FROM announcements WHERE id = $1", id)
        .execute(tx.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// When the next scheduled public announcement shows, if one is waiting.
pub async fn next_public_due(tx: &mut TenantTx) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_file_scalar!("src/announcements/next_due.sql")
        .fetch_one(tx.conn().await?)
        .await
}
