//! Announcements a tenant publishes to its members and visitors. So far the
//! table (tenant migration 0001) and the reads the portal home page needs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
}

/// The `limit` most recent published announcements, newest first. Scheduled
/// ones (published in the future) stay hidden until their time.
pub async fn latest_published(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<Announcement>, sqlx::Error> {
    sqlx::query_as!(
        Announcement,
        r#"SELECT id, title, body, published_at AS "published_at!"
           FROM announcements
           WHERE published_at IS NOT NULL AND published_at <= now()
           ORDER BY published_at DESC
           LIMIT $1"#,
        limit
    )
    .fetch_all(conn)
    .await
}

/// When the next scheduled announcement becomes visible, if any: a cached
/// page listing announcements is only valid until then.
pub async fn next_scheduled(conn: &mut PgConnection) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!("SELECT min(published_at) FROM announcements WHERE published_at > now()")
        .fetch_one(conn)
        .await
}

/// Inserts an announcement; `published_at = None` keeps it a draft.
pub async fn create(
    conn: &mut PgConnection,
    title: &str,
    body: &str,
    published_at: Option<DateTime<Utc>>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO announcements (title, body, published_at) VALUES ($1, $2, $3) RETURNING id",
        title,
        body,
        published_at
    )
    .fetch_one(conn)
    .await
}
