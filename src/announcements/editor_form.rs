//! The editor's form as typed: its fields back as they were sent, the
//! button pressed, and the publication time read in the tenant's time
//! zone. Nothing here writes; `editor` does, once the form is valid.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::model::{Announcement, Audience, Draft};

/// What the editor asked for with the button they pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Show the rendered text under the form; keep nothing.
    Preview,
    /// Keep it; a published one stays published.
    Save,
    /// Keep it and publish it now.
    Publish,
    /// Keep it and publish it at `publish_at`.
    Schedule,
}

impl Intent {
    fn parse(text: &str) -> Self {
        match text {
            "preview" => Intent::Preview,
            "publish" => Intent::Publish,
            "schedule" => Intent::Schedule,
            _ => Intent::Save,
        }
    }
}

/// The form's fields, as they are shown back.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Values {
    pub title: String,
    pub body: String,
    pub audience: String,
    pub pinned: bool,
    pub image_alt: String,
    /// `YYYY-MM-DDTHH:MM` in the tenant's zone (a `datetime-local` input).
    pub publish_at: String,
}

/// Field name → translation key.
pub type Errors = BTreeMap<&'static str, &'static str>;

impl Values {
    pub fn blank() -> Self {
        Self {
            audience: Audience::Public.as_str().to_owned(),
            ..Self::default()
        }
    }

    pub fn of(announcement: &Announcement, zone: Tz) -> Self {
        Self {
            title: announcement.title.clone(),
            body: announcement.body.clone(),
            audience: announcement.audience.as_str().to_owned(),
            pinned: announcement.pinned,
            image_alt: announcement.image_alt.clone(),
            publish_at: announcement
                .published_at
                .map(|at| local_input(at, zone))
                .unwrap_or_default(),
        }
    }

    /// The fields and the button of a posted form.
    pub fn from_fields(fields: &[(String, String)]) -> (Self, Intent) {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        let values = Self {
            title: field("title"),
            body: field("body").replace("\r\n", "\n"),
            audience: field("audience"),
            pinned: fields.iter().any(|(key, _)| key == "pinned"),
            image_alt: field("image_alt"),
            publish_at: field("publish_at"),
        };
        (values, Intent::parse(&field("action")))
    }

    /// The draft to keep, or the errors to show beside the fields.
    pub fn draft(&self) -> Result<Draft, Errors> {
        let mut errors = Errors::new();
        let audience = Audience::parse(&self.audience);
        if audience.is_none() {
            errors.insert("audience", "announcements-error-audience");
        }
        let draft = Draft {
            title: self.title.clone(),
            body: self.body.clone(),
            audience,
            pinned: self.pinned,
            image_alt: self.image_alt.trim().to_owned(),
        };
        match draft.check() {
            Ok(draft) if errors.is_empty() => Ok(draft),
            Ok(_) => Err(errors),
            Err(invalid) => {
                for i in invalid {
                    errors.entry(i.field).or_insert(i.key);
                }
                Err(errors)
            }
        }
    }

    /// The publication time typed in `zone`, for a schedule: it must be
    /// read and in the future.
    pub fn schedule(&self, zone: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, Errors> {
        let refuse = |key| Err(Errors::from([("publish_at", key)]));
        let Some(at) = parse_local(&self.publish_at, zone) else {
            return refuse("announcements-error-publish-at");
        };
        match at > now {
            true => Ok(at),
            false => refuse("announcements-error-publish-at-past"),
        }
    }
}

/// `at` as a `datetime-local` input shows it in `zone`.
pub fn local_input(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value (with or without seconds) in `zone`. A time
/// skipped by a change to summer time does not exist; one repeated in
/// autumn is taken at its first occurrence.
pub fn parse_local(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paris_time_in_winter_is_one_hour_ahead_of_utc() {
        let at = parse_local("2027-01-15T18:30", chrono_tz::Europe::Paris);
        assert_eq!(
            at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2027-01-15T17:30:00+00:00")
        );
        assert_eq!(parse_local("tomorrow", chrono_tz::Europe::Paris), None);
    }

    #[test]
    fn a_time_in_the_past_cannot_be_scheduled() {
        let values = Values {
            publish_at: "2020-01-01T10:00".into(),
            ..Values::blank()
        };
        let refused = values.schedule(chrono_tz::Europe::Paris, Utc::now());
        assert_eq!(
            refused.err().and_then(|e| e.get("publish_at").copied()),
            Some("announcements-error-publish-at-past")
        );
    }

    #[test]
    fn an_unknown_audience_is_an_error_on_its_field() {
        let values = Values {
            title: "AG".into(),
            audience: "everyone".into(),
            ..Values::blank()
        };
        let errors = values.draft().err().unwrap_or_default();
        assert_eq!(
            errors.get("audience"),
            Some(&"announcements-error-audience")
        );
    }
}
