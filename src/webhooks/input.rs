//! What an administrator types for an endpoint (URL, description, event
//! filter), checked whole before anything is written: every refusal names
//! its field, with a message for API clients and a translation key for the
//! form.

use serde::Serialize;

use super::address::{self, UrlError};
use super::event::{Filter, FilterError};

/// Longest description.
pub const MAX_DESCRIPTION: usize = 500;

/// A field and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    Url(UrlError),
    /// Too long, or holds control characters.
    Description,
    Events(FilterError),
}

impl Invalid {
    pub fn field(&self) -> &'static str {
        match self {
            Invalid::Url(_) => "url",
            Invalid::Description => "description",
            Invalid::Events(_) => "events",
        }
    }

    /// For API clients: `field: reason`.
    pub fn message(&self) -> String {
        let why = match self {
            Invalid::Url(error) => error.to_string(),
            Invalid::Description => {
                format!("at most {MAX_DESCRIPTION} printable characters")
            }
            Invalid::Events(FilterError::Empty) => "give at least one event type".into(),
            Invalid::Events(FilterError::TooMany) => "at most 50 event types".into(),
            Invalid::Events(FilterError::Bad(item)) => format!(
                "\"{item}\" is not an event type (dotted lowercase words, \
                 e.g. commission.created), a prefix (commission.*) or *"
            ),
        };
        format!("{}: {why}", self.field())
    }

    /// The translation key of the form's message.
    pub fn key(&self) -> &'static str {
        match self {
            Invalid::Url(UrlError::Invalid) => "webhooks-error-url-invalid",
            Invalid::Url(UrlError::NotHttps) => "webhooks-error-url-https",
            Invalid::Url(UrlError::NotPublic) => "webhooks-error-url-public",
            Invalid::Url(UrlError::Unresolvable) => "webhooks-error-url-unresolvable",
            Invalid::Description => "webhooks-error-description",
            Invalid::Events(FilterError::Empty) => "webhooks-error-events-empty",
            Invalid::Events(FilterError::TooMany) => "webhooks-error-events-many",
            Invalid::Events(FilterError::Bad(_)) => "webhooks-error-events-bad",
        }
    }

    /// Every refusal, for a 422 problem's detail.
    pub fn summary(all: &[Invalid]) -> String {
        all.iter()
            .map(Invalid::message)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The form's message per field (translation keys), for templates.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Errors {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<&'static str>,
}

impl Errors {
    pub fn any(&self) -> bool {
        self.url.is_some() || self.description.is_some() || self.events.is_some()
    }
}

impl Errors {
    pub fn of(all: &[Invalid]) -> Self {
        let mut errors = Self::default();
        for invalid in all {
            let slot = match invalid {
                Invalid::Url(_) => &mut errors.url,
                Invalid::Description => &mut errors.description,
                Invalid::Events(_) => &mut errors.events,
            };
            slot.get_or_insert(invalid.key());
        }
        errors
    }
}

/// A whole, valid endpoint: what the store writes.
#[derive(Debug, Clone)]
pub struct Draft {
    pub url: String,
    pub description: String,
    pub events: Filter,
}

impl Draft {
    /// Checks every field (the URL's host is resolved: rule 2 of
    /// [`address`]); all refusals at once.
    pub async fn check(
        url: &str,
        description: &str,
        events: &[String],
        allow_loopback: bool,
    ) -> Result<Self, Vec<Invalid>> {
        let mut refused = Vec::new();
        let description = description.trim();
        let description_ok = description.chars().count() <= MAX_DESCRIPTION
            && !description.chars().any(crate::model::is_hidden_or_control);
        if !description_ok {
            refused.push(Invalid::Description);
        }
        let events = Filter::parse(events).map_err(|e| refused.push(Invalid::Events(e)));
        // Resolving costs a DNS question: only once the rest is fine.
        let url = match refused.is_empty() {
            true => address::check_and_resolve(url, allow_loopback).await,
            false => address::check(url, allow_loopback),
        }
        .map_err(|e| refused.push(Invalid::Url(e)));
        match (url, events) {
            (Ok(url), Ok(events)) if refused.is_empty() => Ok(Self {
                url: url.to_string(),
                description: description.to_owned(),
                events,
            }),
            _ => Err(refused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_field_is_checked_and_named() {
        let events = vec!["commission.*".to_owned()];
        let good = Draft::check("http://127.0.0.1:9/hook", " Books ", &events, true).await;
        assert!(good.is_ok_and(|d| d.description == "Books" && d.url == "http://127.0.0.1:9/hook"));
        let long = "x".repeat(MAX_DESCRIPTION + 1);
        let bad = vec!["Commission Created".to_owned()];
        let refused = Draft::check("http://10.0.0.1/x", &long, &bad, false)
            .await
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = refused.iter().map(Invalid::field).collect();
        assert_eq!(fields, ["description", "events", "url"]);
        let summary = Invalid::summary(&refused);
        assert!(summary.starts_with("description: "), "{summary}");
        assert!(summary.contains("url: the URL must use https"), "{summary}");
        let errors = Errors::of(&refused);
        assert_eq!(errors.url, Some("webhooks-error-url-https"));
        assert_eq!(errors.events, Some("webhooks-error-events-bad"));
    }
}
