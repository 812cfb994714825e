//! Markdown as editors write it, made safe to show: pulldown-cmark turns
//! it into HTML, then ammonia keeps only an allow-list of tags and
//! attributes. No script, no style, no event handler, no `javascript:` or
//! `data:` URL survives, whatever HTML the source holds. Images come only
//! from this site unless the tenant allows others; their size attributes
//! are dropped (the stylesheet fits them to the column). Headings start at
//! level 2: the page's title is the only `h1`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Whether images may come from other sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Images {
    OwnSiteOnly,
    AnyHttps,
}

/// The HTML of `source`, cleaned.
pub fn render(source: &str, images: Images) -> String {
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parse(source).map(demote_h1));
    let cleaner = match images {
        Images::OwnSiteOnly => &*OWN_IMAGES,
        Images::AnyHttps => &*ANY_HTTPS_IMAGES,
    };
    cleaner.clean(&html).to_string()
}

/// The first `max` characters of the text of `source` (no markup), cut at
/// a word, with an ellipsis when cut: list pages and the feed's summaries.
pub fn excerpt(source: &str, max: usize) -> String {
    let mut text = String::new();
    // Text between raw `<script>`/`<style>` tags is code, not words: the
    // cleaner drops it from the page, and so does the excerpt.
    let mut in_code = false;
    for event in parse(source) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => in_code = opens_code(&html, in_code),
            Event::Text(_) | Event::Code(_) if in_code => {}
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => push_space(&mut text),
            _ => {}
        }
        if text.chars().count() > max {
            break;
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if at > max / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_ascii_punctuation())
    )
}

/// Whether raw HTML `html` leaves us inside a script or style element.
fn opens_code(html: &str, inside: bool) -> bool {
    let html = html.to_ascii_lowercase();
    let opens = html.rfind("<script").max(html.rfind("<style"));
    let closes = html.rfind("</script").max(html.rfind("</style"));
    match (opens, closes) {
        (Some(open), Some(close)) => open > close,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => inside,
    }
}

fn push_space(text: &mut String) {
    if !text.ends_with(' ') {
        text.push(' ');
    }
}

fn parse(source: &str) -> Parser<'_> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION;
    Parser::new_ext(source, options)
}

fn demote_h1(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: HeadingLevel::H2,
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
            Event::End(TagEnd::Heading(HeadingLevel::H2))
        }
        other => other,
    }
}

static OWN_IMAGES: LazyLock<Builder<'static>> = LazyLock::new(|| cleaner(Images::OwnSiteOnly));
static ANY_HTTPS_IMAGES: LazyLock<Builder<'static>> = LazyLock::new(|| cleaner(Images::AnyHttps));

fn cleaner(images: Images) -> Builder<'static> {
    let mut builder = Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer nofollow ugc"))
        .rm_tag_attributes("img", &["width", "height"])
        .attribute_filter(move |element, attribute, value| {
            match (element, attribute) {
                ("img", "src") => image_source(value, images).map(Cow::Borrowed),
                _ => Some(Cow::Borrowed(value)),
            }
            .map(|value| Cow::Owned(value.into_owned()))
        });
    builder
}

/// An image's address if it may be shown: a path of this site, or an
/// `https` URL when the tenant allows other sites. `//host/…` is another
/// site, not a path.
fn image_source(value: &str, images: Images) -> Option<&str> {
    let own_path = value.starts_with('/') && !value.starts_with("//") && !value.contains('\\');
    let other_site = value.starts_with("https://");
    match (own_path, other_site, images) {
        (true, _, _) => Some(value),
        (_, true, Images::AnyHttps) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(source: &str) -> String {
        render(source, Images::OwnSiteOnly)
    }

    #[test]
    fn scripts_and_handlers_do_not_survive() {
        let html = own("Hello <script>alert(1)</script><b onclick=\"x()\">bold</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(html.contains("<b>bold</b>"), "{html}");
    }

    #[test]
    fn javascript_and_data_links_lose_their_target() {
        let html = own("[a](javascript:alert(1)) [b](data:text/html,x) [c](https://ok.example/)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("href=\"https://ok.example/\""), "{html}");
        assert!(html.contains("noopener"), "{html}");
    }

    #[test]
    fn images_from_other_sites_need_the_tenants_leave() {
        let source = "![a](https://tracker.example/p.png) ![b](/announcements/1/image) ![c](//evil.example/x.png)";
        let html = own(source);
        assert!(!html.contains("tracker.example"), "{html}");
        assert!(!html.contains("evil.example"), "{html}");
        assert!(html.contains("src=\"/announcements/1/image\""), "{html}");
        let allowed = render(source, Images::AnyHttps);
        assert!(
            allowed.contains("src=\"https://tracker.example/p.png\""),
            "{allowed}"
        );
        assert!(!allowed.contains("evil.example"), "{allowed}");
    }

    #[test]
    fn size_attributes_are_dropped() {
        let html = own("<img src=\"/a.png\" width=\"90000\" height=\"90000\" alt=\"x\">");
        assert!(!html.contains("width"), "{html}");
        assert!(!html.contains("height"), "{html}");
    }

    #[test]
    fn the_first_heading_level_is_two() {
        assert!(own("# Title").contains("<h2>Title</h2>"));
    }

    #[test]
    fn an_excerpt_is_text_cut_at_a_word() {
        let text = excerpt("**Assemblée générale** le 12 mars à la salle des fêtes", 30);
        assert_eq!(text, "Assemblée générale le 12 mars…");
        assert_eq!(excerpt("Short", 30), "Short");
        assert_eq!(excerpt("Hi <script>alert(1)</script>there", 30), "Hi there");
    }
}
