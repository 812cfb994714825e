//! Announcements a tenant publishes to its members and visitors. So far the
//! table (tenant migration 0001) and the reads the portal home page needs.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::TenantTx;

#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
}

/// What the portal's front page shows: the latest published announcements
/// and when the next scheduled one will change that list.
#[derive(Debug, Default)]
pub struct FrontPage {
    pub latest: Vec<Announcement>,
    pub next_due: Option<DateTime<Utc>>,
}

/// How many announcements the front page lists (the `LIMIT` of its query).
pub const FRONT_PAGE_SIZE: usize = 5;

const FRONT_PAGE_SQL: &str = include_str!("front_page.sql");

/// Column names as the simple protocol returns them, with the nullability
/// markers of `front_page.sql`'s aliases.
#[derive(sqlx::FromRow)]
struct FrontPageRow {
    #[sqlx(rename = "id?")]
    id: Option<i64>,
    #[sqlx(rename = "title?")]
    title: Option<String>,
    #[sqlx(rename = "body?")]
    body: Option<String>,
    published_at: Option<DateTime<Utc>>,
    next_due: Option<DateTime<Utc>>,
}

/// The front page. Before the transaction is open, in one round trip of
/// its own (see [`TenantTx::read_once`]); inside an open transaction, as a
/// prepared statement. Both run the same file, checked at compile time.
pub async fn front_page(tx: &mut TenantTx) -> Result<FrontPage, sqlx::Error> {
    let rows = match tx.is_open() {
        true => {
            sqlx::query_file_as!(FrontPageRow, "src/announcements/front_page.sql")
                .fetch_all(tx.conn().await?)
                .await?
        }
        false => tx.read_once(FRONT_PAGE_SQL).await?,
    };
    let next_due = rows.first().and_then(|row| row.next_due);
    let latest = rows
        .into_iter()
        .filter_map(|row| {
            Some(Announcement {
                id: row.id?,
                title: row.title?,
                body: row.body?,
                published_at: row.published_at?,
            })
        })
        .collect();
    Ok(FrontPage { latest, next_due })
}

/// The `limit` most recent published announcements, newest first. Scheduled
/// ones (published in the future) stay hidden until their time.
pub async fn latest_published(
    tx: &mut TenantTx,
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
    .fetch_all(tx.conn().await?)
    .await
}

/// Inserts an announcement; `published_at = None` keeps it a draft.
pub async fn create(
    tx: &mut TenantTx,
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
    .fetch_one(tx.conn().await?)
    .await
}
