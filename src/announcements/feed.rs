//! `GET /announcements.atom`: the tenant's public announcements as an
//! Atom feed (RFC 4287), newest first, each with its cleaned HTML. Only
//! public ones, whoever asks: a feed reader shares its URL with nobody's
//! cookies. Links are absolute, on the host the reader asked for.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::markdown;
use super::model::{Announcement, Reach};
use super::pages::image_policy;
use super::store;
use super::view::{EXCERPT_CHARS, page_url};
use crate::auth::RequestAuth;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::PageView;

/// How many entries the feed carries.
const ENTRIES: i64 = 30;

/// `GET /announcements.atom`.
pub async fn atom(
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let origin = origin(&auth);
    let images = image_policy(&mut tx).await?;
    let shown = store::visible(&mut tx, Reach::Anonymous, 0, ENTRIES).await?;
    let mut entries: Vec<Entry> = shown.iter().map(|a| entry(a, &origin, images)).collect();
    // Pinned ones lead the pages; a feed is in date order.
    entries.sort_by(|a, b| b.published().cmp(&a.published()));
    let mut feed = Feed::default();
    feed.set_title(Text::plain(view.tenant.name.clone()));
    feed.set_id(format!("{origin}/announcements"));
    feed.set_updated(latest(&shown).fixed_offset());
    feed.set_links(vec![
        link(&format!("{origin}/announcements.atom"), "self"),
        link(&format!("{origin}/announcements"), "alternate"),
    ]);
    feed.set_lang(Some(view.tenant.locale.clone()));
    feed.set_entries(entries);
    let headers = [
        (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=300"),
    ];
    Ok((headers, feed.to_string()).into_response())
}

fn entry(announcement: &Announcement, origin: &str, images: markdown::Images) -> Entry {
    let url = format!("{origin}{}", page_url(announcement.id));
    let published = announcement.published_at.unwrap_or(announcement.created_at);
    let mut entry = Entry::default();
    entry.set_title(Text::plain(announcement.title.clone()));
    entry.set_id(url.clone());
    entry.set_links(vec![link(&url, "alternate")]);
    entry.set_published(Some(published.fixed_offset()));
    entry.set_updated(announcement.updated_at.max(published).fixed_offset());
    entry.set_summary(Some(Text::plain(markdown::excerpt(
        &announcement.body,
        EXCERPT_CHARS,
    ))));
    let mut content = Content::default();
    content.set_content_type(Some("html".to_owned()));
    content.set_value(Some(absolute_paths(
        &markdown::render(&announcement.body, images),
        origin,
    )));
    entry.set_content(Some(content));
    entry.set_authors(Vec::<Person>::new());
    entry
}

/// Feed readers resolve nothing against the portal: this site's paths in
/// `src` and `href` become absolute.
fn absolute_paths(html: &str, origin: &str) -> String {
    html.replace("src=\"/", &format!("src=\"{origin}/"))
        .replace("href=\"/", &format!("href=\"{origin}/"))
}

fn link(href: &str, rel: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link
}

fn latest(shown: &[Announcement]) -> DateTime<Utc> {
    shown
        .iter()
        .map(|a| a.updated_at.max(a.published_at.unwrap_or(a.updated_at)))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// `scheme://host` as the reader asked for it.
fn origin(auth: &RequestAuth) -> String {
    let scheme = match auth.links_over_tls() {
        true => "https",
        false => "http",
    };
    format!("{scheme}://{}", auth.host)
}
