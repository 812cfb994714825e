//! Announcements a tenant publishes to its members and visitors. So far the
//! table (tenant migration 0001) and the reads the portal home page needs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;

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

/// How many announcements the front page lists (the `LIMIT` of `latest.sql`).
pub const FRONT_PAGE_SIZE: usize = 5;

/// The front page's two reads, sent together (see [`front_page`]). Each
/// file is also checked at compile time on its own.
const FRONT_PAGE_SQL: &str = concat!(
    include_str!("latest.sql"),
    ";\n",
    include_str!("next_due.sql")
);

#[derive(sqlx::FromRow)]
struct LatestRow {
    id: i64,
    title: String,
    body: String,
    published_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct NextDueRow {
    next_due: Option<DateTime<Utc>>,
}

/// The front page. Before the transaction is open, both reads travel in one
/// message with the role and `search_path`: one round trip (see
/// [`TenantTx::read_batch`]). Inside an open transaction, they run as
/// prepared statements.
pub async fn front_page(tx: &mut TenantTx) -> Result<FrontPage, sqlx::Error> {
    let (latest, next_due) = match tx.is_open() {
        true => {
            let latest = sqlx::query_file_as!(LatestRow, "src/announcements/latest.sql")
                .fetch_all(tx.conn().await?)
                .await?;
            let due = sqlx::query_file_as!(NextDueRow, "src/announcements/next_due.sql")
                .fetch_one(tx.conn().await?)
                .await?;
            (latest, due.next_due)
        }
        false => {
            let results = tx.read_batch(FRONT_PAGE_SQL).await?;
            let [latest, due] = results.as_slice() else {
                return Err(sqlx::Error::Protocol(
                    "the front page expects two results".into(),
                ));
            };
            let latest = latest
                .iter()
                .map(LatestRow::from_row)
                .collect::<Result<_, _>>()?;
            let due = due.first().map(NextDueRow::from_row).transpose()?;
            (latest, due.and_then(|due| due.next_due))
        }
    };
    let latest = latest
        .into_iter()
        .filter_map(|row: LatestRow| {
            Some(Announcement {
                id: row.id,
                title: row.title,
                body: row.body,
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
