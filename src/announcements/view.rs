//! Announcements as pages, the feed and the API show them: a card (title,
//! text excerpt, date) in lists, the cleaned HTML of the body on its own
//! page. The Markdown is rendered here, on the way out, so a change of the
//! tenant's image policy applies to every announcement at once.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::markdown::{self, Images};
use super::model::{Announcement, Audience, State};

/// How long a list's excerpt may be, in characters.
pub const EXCERPT_CHARS: usize = 240;

/// One announcement in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Card {
    pub id: i64,
    pub title: String,
    /// Plain text, cut at a word.
    pub excerpt: String,
    /// The same excerpt: the name themes written before Markdown used.
    pub body: String,
    pub audience: Audience,
    pub pinned: bool,
    pub published_at: Option<DateTime<Utc>>,
    /// Its page on the portal.
    pub url: String,
    pub image_url: Option<String>,
    pub image_alt: String,
}

impl Card {
    pub fn of(announcement: &Announcement) -> Self {
        let excerpt = markdown::excerpt(&announcement.body, EXCERPT_CHARS);
        Self {
            id: announcement.id,
            title: announcement.title.clone(),
            body: excerpt.clone(),
            excerpt,
            audience: announcement.audience,
            pinned: announcement.pinned,
            published_at: announcement.published_at,
            url: page_url(announcement.id),
            image_url: announcement
                .image_key
                .as_ref()
                .map(|_| image_url(announcement.id, announcement.updated_at)),
            image_alt: announcement.image_alt.clone(),
        }
    }
}

/// One announcement on its own page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Full {
    #[serde(flatten)]
    pub card: Card,
    /// The body as cleaned HTML (see the module's rules).
    pub html: String,
    pub state: State,
    pub updated_at: DateTime<Utc>,
}

impl Full {
    pub fn of(announcement: &Announcement, images: Images) -> Self {
        Self {
            card: Card::of(announcement),
            html: markdown::render(&announcement.body, images),
            state: announcement.state(Utc::now()),
            updated_at: announcement.updated_at,
        }
    }
}

pub fn page_url(id: i64) -> String {
    format!("/announcements/{id}")
}

/// The image's address changes with the announcement, so browsers may keep
/// it for long.
fn image_url(id: i64, version: DateTime<Utc>) -> String {
    format!("/announcements/{id}/image?v={}", version.timestamp())
}

/// Page numbers of a list: where we are and whether there is more.
#[derive(Debug, Clone, Serialize)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub previous: Option<i64>,
    pub next: Option<i64>,
}

impl Pager {
    /// For `total` items, `per_page` a page, the wanted `page` (from 1,
    /// brought back into range).
    pub fn new(total: i64, per_page: i64, page: i64) -> Self {
        let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
        let page = page.clamp(1, pages);
        Self {
            page,
            pages,
            previous: (page > 1).then_some(page - 1),
            next: (page < pages).then_some(page + 1),
        }
    }

    pub fn offset(&self, per_page: i64) -> i64 {
        (self.page - 1) * per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_past_the_end_is_the_last() {
        let pager = Pager::new(25, 10, 9);
        assert_eq!((pager.page, pager.pages), (3, 3));
        assert_eq!((pager.previous, pager.next), (Some(2), None));
        assert_eq!(pager.offset(10), 20);
        assert_eq!(Pager::new(0, 10, 1).pages, 1);
    }
}
