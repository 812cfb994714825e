//! Event types and the filters endpoints subscribe with.
//!
//! - A type is two or more dotted words of lowercase ASCII letters, digits
//!   and `_`, each starting with a letter, at most 100 bytes:
//!   `commission.created`, `payout.paid`. The first word names the
//!   producer's area; `webhook.` is this module's own (`webhook.test`).
//! - A filter is a list of 1 to 50 items: a type, a prefix ending in `.*`
//!   (`commission.*` is every type that starts with `commission.`) or `*`
//!   (every type). The same rule is written in SQL in `emit`.

use serde::Serialize;

/// Longest event type.
pub const MAX_TYPE: usize = 100;
/// Most items in a filter.
pub const MAX_FILTER: usize = 50;
/// The type of the event "send a test event" sends.
pub const TEST_TYPE: &str = "webhook.test";
/// The prefix reserved to this module: producers cannot emit it.
pub const OWN_PREFIX: &str = "webhook.";

/// The areas that emit events, offered as `<area>.*` boxes on the form.
/// A producer adds its area here when it starts emitting.
pub const AREAS: &[&str] = &["referral", "commission", "payout"];

/// Whether `text` is a well-formed event type.
pub fn is_type(text: &str) -> bool {
    text.len() <= MAX_TYPE && text.split('.').count() >= 2 && text.split('.').all(is_word)
}

fn is_word(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// One item of a filter, well-formed.
fn is_item(item: &str) -> bool {
    if item == "*" {
        return true;
    }
    match item.strip_suffix(".*") {
        Some(prefix) => prefix.len() < MAX_TYPE && prefix.split('.').all(is_word),
        None => is_type(item),
    }
}

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FilterError {
    Empty,
    TooMany,
    /// This item (cut to 100 characters).
    Bad(String),
}

/// A valid filter, its items trimmed, without duplicates, in the order
/// given; `*` alone when it was one of them (it covers the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Filter(Vec<String>);

impl Filter {
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, FilterError> {
        let mut kept: Vec<String> = Vec::new();
        for item in items
            .iter()
            .map(|i| i.as_ref().trim())
            .filter(|i| !i.is_empty())
        {
            if !is_item(item) {
                return Err(FilterError::Bad(item.chars().take(100).collect()));
            }
            if !kept.iter().any(|k| k == item) {
                kept.push(item.to_owned());
            }
        }
        if kept.iter().any(|k| k == "*") {
            return Ok(Self(vec!["*".to_owned()]));
        }
        match kept.len() {
            0 => Err(FilterError::Empty),
            n if n > MAX_FILTER => Err(FilterError::TooMany),
            _ => Ok(Self(kept)),
        }
    }

    /// A filter read back from the database (written by [`Filter::parse`]).
    pub fn from_db(items: Vec<String>) -> Self {
        Self(items)
    }

    pub fn items(&self) -> &[String] {
        &self.0
    }

    pub fn into_items(self) -> Vec<String> {
        self.0
    }

    /// Whether an event of `event_type` goes to this filter's endpoint.
    pub fn matches(&self, event_type: &str) -> bool {
        self.0.iter().any(|item| {
            item == "*"
                || item == event_type
                || item
                    .strip_suffix('*')
                    .is_some_and(|prefix| prefix.ends_with('.') && event_type.starts_with(prefix))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_dotted_lowercase_words() {
        for good in [
            "commission.created",
            "payout.paid",
            "a.b.c",
            "referral.v2_created",
        ] {
            assert!(is_type(good), "{good}");
        }
        let long = format!("a.{}", "b".repeat(MAX_TYPE));
        for bad in [
            "commission",
            "Commission.created",
            "commission..created",
            ".created",
            "commission.",
            "commission.2x",
            "commission created",
            "commission.*",
            "commission.créée",
            "",
            long.as_str(),
        ] {
            assert!(!is_type(bad), "{bad}");
        }
    }

    #[test]
    fn filters_are_checked_trimmed_and_deduplicated() {
        let filter = Filter::parse(&[" commission.* ", "payout.paid", "commission.*", ""]);
        assert_eq!(
            filter.map(Filter::into_items),
            Ok(vec!["commission.*".to_owned(), "payout.paid".to_owned()])
        );
        assert_eq!(
            Filter::parse(&["payout.paid", "*"]).map(Filter::into_items),
            Ok(vec!["*".to_owned()])
        );
        assert_eq!(Filter::parse::<&str>(&[]), Err(FilterError::Empty));
        assert_eq!(Filter::parse(&["  "]), Err(FilterError::Empty));
        for bad in [
            "commission",
            "commission*",
            "*.created",
            "Commission.*",
            "a.*.b",
        ] {
            assert_eq!(
                Filter::parse(&[bad]),
                Err(FilterError::Bad(bad.to_owned())),
                "{bad}"
            );
        }
        let many: Vec<String> = (0..=MAX_FILTER).map(|n| format!("a.e{n}")).collect();
        assert_eq!(Filter::parse(&many), Err(FilterError::TooMany));
    }

    #[test]
    fn prefixes_match_whole_words_only() {
        let filter = Filter::from_db(vec!["commission.*".into(), "payout.paid".into()]);
        assert!(filter.matches("commission.created"));
        assert!(filter.matches("commission.payout.sent"));
        assert!(filter.matches("payout.paid"));
        assert!(!filter.matches("payout.failed"));
        assert!(!filter.matches("commissions.created"));
        assert!(!filter.matches("referral.created"));
        assert!(Filter::from_db(vec!["*".into()]).matches("referral.created"));
    }
}
