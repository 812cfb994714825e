//! What a notification is: its kind, who it is for, its text, and the
//! channels a member may choose for each kind (with their defaults).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::model::{is_hidden_or_control, is_local_path};

/// What a notification is about; members choose channels per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Announcements,
    Renewals,
    Payments,
    Projects,
    /// Staff: scheduled reports ready, and the alerts they subscribed to.
    Reports,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Announcements,
        Kind::Renewals,
        Kind::Payments,
        Kind::Projects,
        Kind::Reports,
    ];

    /// As stored (`notices.kind`, `notification_preferences.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Announcements => "announcements",
            Kind::Renewals => "renewals",
            Kind::Payments => "payments",
            Kind::Projects => "projects",
            Kind::Reports => "reports",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// What a member who never changed anything gets: news (announcements,
    /// projects) in the list and on their devices, money matters
    /// (renewals, payments) in the list and by mail, where they are kept.
    pub fn defaults(self) -> Channels {
        match self {
            Kind::Announcements | Kind::Projects => Channels {
                in_app: true,
                email: false,
                push: true,
            },
            Kind::Renewals | Kind::Payments | Kind::Reports => Channels {
                in_app: true,
                email: true,
                push: false,
            },
        }
    }
}

/// Where one kind of notification goes for one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Channels {
    /// The list on the portal (`/notifications/`).
    pub in_app: bool,
    /// A mail (at once, or in the daily digest).
    pub email: bool,
    /// Web Push to the member's subscribed devices.
    pub push: bool,
}

/// Who a notice is for. Only active accounts ever receive anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// One account (nothing happens if it is not active).
    Account(i64),
    /// People with the member role (not staff).
    Members,
    /// Staff with at least this role: `Staff(Role::Editor)` is every staff
    /// member, `Staff(Role::Treasurer)` treasurers and admins.
    Staff(Role),
    /// Every active account, members and staff.
    Everyone,
}

impl Audience {
    /// The filter of the fan-out query: one account or all, and the roles.
    pub(super) fn filter(self) -> (Option<i64>, Vec<String>) {
        let roles = |keep: &dyn Fn(Role) -> bool| {
            Role::ALL
                .into_iter()
                .filter(|role| keep(*role))
                .map(|role| role.as_str().to_owned())
                .collect()
        };
        match self {
            Audience::Account(id) => (Some(id), roles(&|_| true)),
            Audience::Members => (None, roles(&|role| role == Role::Member)),
            Audience::Staff(least) => (None, roles(&|role| role.is_staff() && role >= least)),
            Audience::Everyone => (None, roles(&|_| true)),
        }
    }
}

/// Longest title kept (characters); longer ones are cut with an ellipsis.
pub const TITLE_MAX: usize = 200;
/// Longest body kept (characters).
pub const BODY_MAX: usize = 2000;

/// A notification as a producer describes it. Text is plain (never HTML):
/// pages escape it, mails and pushes carry it as text.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: Kind,
    pub audience: Audience,
    pub title: String,
    pub body: String,
    /// A path on the portal (`/announcements/12`), opened from the list,
    /// the mail and the push.
    pub url: String,
}

/// Why a notice was refused (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("a notification needs a title")]
    EmptyTitle,
    #[error("a notification's link must be a path on the portal")]
    BadUrl,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<NotifyError> for crate::error::AppError {
    fn from(error: NotifyError) -> Self {
        match error {
            NotifyError::Database(e) => Self::Database(e),
            other => Self::Unprocessable(other.to_string().into()),
        }
    }
}

impl Notice {
    /// The notice as stored: text trimmed, cut to its maximum, control
    /// characters (but line breaks) removed; refused if it has no title or
    /// its link leaves the portal.
    pub(super) fn cleaned(&self) -> Result<(String, String, String), NotifyError> {
        let title = clean(&self.title, TITLE_MAX, false);
        if title.is_empty() {
            return Err(NotifyError::EmptyTitle);
        }
        if !is_local_path(&self.url) || self.url.len() > 500 {
            return Err(NotifyError::BadUrl);
        }
        Ok((title, clean(&self.body, BODY_MAX, true), self.url.clone()))
    }
}

/// `text` without control characters (line breaks kept if `lines`),
/// trimmed, at most `max` characters (the last one an ellipsis when cut).
pub(super) fn clean(text: &str, max: usize, lines: bool) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c == '\t' || (!lines && c == '\n') {
                ' '
            } else {
                c
            }
        })
        .filter(|c| (lines && *c == '\n') || !is_hidden_or_control(*c))
        .collect();
    let kept = kept.trim();
    if kept.chars().count() <= max {
        return kept.to_owned();
    }
    let mut cut: String = kept.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_pick_their_roles() {
        let (one, all) = Audience::Account(7).filter();
        assert_eq!((one, all.len()), (Some(7), 4));
        assert_eq!(Audience::Members.filter().1, vec!["member"]);
        assert_eq!(
            Audience::Staff(Role::Treasurer).filter().1,
            vec!["treasurer", "admin"]
        );
        assert_eq!(Audience::Staff(Role::Member).filter().1.len(), 3);
    }

    #[test]
    fn text_is_cleaned_and_cut() {
        assert_eq!(clean("  a\u{7}b\nc ", 10, false), "ab c");
        assert_eq!(clean("a\nb", 10, true), "a\nb");
        assert_eq!(clean("abcdef", 4, false), "abc…");
        let notice = Notice {
            kind: Kind::Payments,
            audience: Audience::Everyone,
            title: " ".into(),
            body: String::new(),
            url: "/".into(),
        };
        assert!(matches!(notice.cleaned(), Err(NotifyError::EmptyTitle)));
        for url in ["https://evil.example/", "//evil.example", "x"] {
            let notice = Notice {
                title: "t".into(),
                url: url.into(),
                ..notice.clone()
            };
            assert!(
                matches!(notice.cleaned(), Err(NotifyError::BadUrl)),
                "{url}"
            );
        }
    }

    #[test]
    fn kinds_round_trip_and_money_goes_by_mail() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert!(Kind::Payments.defaults().email && !Kind::Payments.defaults().push);
        assert!(Kind::Announcements.defaults().push && !Kind::Announcements.defaults().email);
    }
}
