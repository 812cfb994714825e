//! Announcements: what an association tells its members and visitors.
//! Editors write them in Markdown, preview, publish now or at a time, pin,
//! archive, choose who may read each one (`model::Audience`) and add an
//! image (read and made fit by `documents`); readers get the list, each one's page and an Atom feed of the
//! public ones. Owns the `announcements` and `content_settings` tables.
//!
//! `store` is the SQL, `markdown` the safe renderer, `view` what pages and
//! the API show, `pages` the readers' side, `editor` the editors' pages,
//! `feed` the Atom feed and `api` `/api/v1/announcements`.

mod actions;
pub mod api;
mod editor;
mod editor_form;
pub mod feed;
mod image;
pub mod markdown;
pub mod model;
pub mod notice;
pub mod pages;
pub mod settings;
pub mod store;
pub mod view;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use sqlx::FromRow;

pub use model::{Announcement, Audience, Draft, Reach, State};
pub use view::Card;

use crate::db::TenantTx;
use crate::documents::Documents;
use crate::storage::Storage;
use crate::themes::Themes;
use crate::web::page_cache::PageCache;

/// Readers' pages, the feed and the editors' pages.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    PageCache: FromRef<S>,
    Storage: FromRef<S>,
    Documents: FromRef<S>,
{
    Router::new()
        .route("/announcements", get(pages::list))
        .route("/announcements/", get(pages::list))
        .route("/announcements.atom", get(feed::atom))
        .route("/announcements/{id}", get(pages::show))
        .route("/announcements/{id}/image", get(pages::image))
        .route("/staff/announcements", get(editor::list))
        .route(
            "/staff/announcements/new",
            get(editor::new_form).post(editor::create),
        )
        .route(
            "/staff/announcements/settings",
            get(editor::settings_form).post(editor::save_settings),
        )
        .route(
            "/staff/announcements/{id}",
            get(editor::edit_form).post(editor::update),
        )
        .route("/staff/announcements/{id}/image", post(image::upload))
        .route(
            "/staff/announcements/{id}/image/remove",
            post(image::remove),
        )
        .route("/staff/announcements/{id}/{action}", post(editor::act))
}

/// What the portal's front page shows: the latest public announcements
/// (pinned first) and when the next scheduled one will change that list.
#[derive(Debug, Default)]
pub struct FrontPage {
    pub latest: Vec<Card>,
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
    pinned: bool,
    image_key: Option<String>,
    image_alt: String,
}

impl LatestRow {
    fn card(self) -> Card {
        let now = Utc::now();
        Card::of(&Announcement {
            id: self.id,
            title: self.title,
            body: self.body,
            audience: Audience::Public,
            pinned: self.pinned,
            published_at: self.published_at,
            archived_at: None,
            image_key: self.image_key,
            image_alt: self.image_alt,
            author_id: None,
            created_at: now,
            updated_at: now,
        })
    }
}

#[derive(sqlx::FromRow)]
struct NextDueRow {
    next_due: Option<DateTime<Utc>>,
}

/// The anonymous front page. Before the transaction is open, both reads
/// travel in one message with the role and `search_path`: one round trip
/// (see [`TenantTx::read_batch`]). Inside an open transaction, they run as
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
    let latest = latest.into_iter().map(LatestRow::card).collect();
    Ok(FrontPage { latest, next_due })
}

/// The front page of a signed-in reader, who may also see members-only or
/// staff announcements (never cached, so no need for one round trip).
pub async fn front_page_for(tx: &mut TenantTx, reach: Reach) -> Result<Vec<Card>, sqlx::Error> {
    let shown = store::visible(tx, reach, 0, FRONT_PAGE_SIZE as i64).await?;
    Ok(shown.iter().map(Card::of).collect())
}

/// Keeps a public announcement without an author (the demo, tests);
/// `published_at = None` keeps it a draft.
pub async fn create(
    tx: &mut TenantTx,
    title: &str,
    body: &str,
    published_at: Option<DateTime<Utc>>,
) -> Result<i64, sqlx::Error> {
    let draft = Draft {
        title: title.to_owned(),
        body: body.to_owned(),
        ..Draft::default()
    };
    store::create(tx, &draft, published_at, None).await
}
