//! What an announcement is: its audience, its state (derived from its
//! dates, never stored apart from them), and what an editor may write.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;

/// Who may read an announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// Anyone, signed in or not; the only ones the page cache and the feed hold.
    Public,
    /// Signed-in people of the association.
    Members,
    /// Editors, treasurers and admins.
    Staff,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Public, Audience::Members, Audience::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Members => "members",
            Audience::Staff => "staff",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// What a reader may see: the audiences their role opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Anonymous,
    Member,
    Staff,
}

impl Reach {
    /// Of a viewer: nobody signed in, a member, or staff.
    pub fn of(role: Option<Role>) -> Self {
        match role {
            None => Reach::Anonymous,
            Some(role) if role.is_staff() => Reach::Staff,
            Some(_) => Reach::Member,
        }
    }

    /// The audiences this reach may read, as the SQL compares them.
    pub fn audiences(self) -> Vec<String> {
        let open: &[Audience] = match self {
            Reach::Anonymous => &[Audience::Public],
            Reach::Member => &[Audience::Public, Audience::Members],
            Reach::Staff => &Audience::ALL,
        };
        open.iter().map(|a| a.as_str().to_owned()).collect()
    }
}

/// Where an announcement stands, from its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Draft,
    Scheduled,
    Published,
    Archived,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Draft,
        State::Scheduled,
        State::Published,
        State::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Scheduled => "scheduled",
            State::Published => "published",
            State::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One announcement as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Announcement {
    pub id: i64,
    pub title: String,
    /// Markdown, as the editor wrote it.
    pub body: String,
    pub audience: Audience,
    pub pinned: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// The image in the tenant's storage, if any.
    pub image_key: Option<String>,
    pub image_alt: String,
    pub author_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Announcement {
    pub fn state(&self, now: DateTime<Utc>) -> State {
        match (self.archived_at, self.published_at) {
            (Some(_), _) => State::Archived,
            (None, None) => State::Draft,
            (None, Some(at)) if at > now => State::Scheduled,
            (None, Some(_)) => State::Published,
        }
    }
}

/// What an editor writes; [`Draft::check`] makes it one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Draft {
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub audience: Option<Audience>,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub image_alt: String,
}

/// The longest title and body the table accepts.
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 50_000;
pub const ALT_MAX: usize = 300;

/// Why a draft cannot be kept: the field and a translation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub key: &'static str,
}

impl Invalid {
    /// The reason in English, for API clients.
    pub fn reason(&self) -> &'static str {
        match self.key {
            "announcements-error-title-missing" => "required",
            "announcements-error-title-long" => "at most 200 characters",
            "announcements-error-body-long" => "at most 50,000 characters",
            "announcements-error-alt-long" => "at most 300 characters",
            _ => "invalid",
        }
    }
}

impl Draft {
    /// Trims the title and refuses what the table would: an empty or long
    /// title, a long body or image description.
    pub fn check(mut self) -> Result<Self, Vec<Invalid>> {
        self.title = self.title.trim().to_owned();
        let mut invalid = Vec::new();
        let mut refuse = |field, key| invalid.push(Invalid { field, key });
        if self.title.is_empty() {
            refuse("title", "announcements-error-title-missing");
        } else if self.title.chars().count() > TITLE_MAX {
            refuse("title", "announcements-error-title-long");
        }
        if self.body.chars().count() > BODY_MAX {
            refuse("body", "announcements-error-body-long");
        }
        if self.image_alt.chars().count() > ALT_MAX {
            refuse("image_alt", "announcements-error-alt-long");
        }
        match invalid.is_empty() {
            true => Ok(self),
            false => Err(invalid),
        }
    }

    pub fn audience(&self) -> Audience {
        self.audience.unwrap_or(Audience::Public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_reads_public_and_members_only_announcements() {
        assert_eq!(Reach::of(None).audiences(), vec!["public"]);
        assert_eq!(
            Reach::of(Some(Role::Member)).audiences(),
            vec!["public", "members"]
        );
        assert_eq!(Reach::of(Some(Role::Editor)).audiences().len(), 3);
    }

    #[test]
    fn a_title_of_blanks_is_refused() {
        let draft = Draft {
            title: "   ".into(),
            ..Draft::default()
        };
        let refused = draft.check().err().unwrap_or_default();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused.first().map(|i| i.field), Some("title"));
    }
}
