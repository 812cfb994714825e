//! What a document and a folder are, who may read which document
//! ([`Visibility`] against a [`Reader`]), and the names people give them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Principal, Role};

/// Who may read a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in members (any role).
    Members,
    /// Staff only (editors and above).
    Staff,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Self::Public, Self::Members, Self::Staff];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Members => "members",
            Self::Staff => "staff",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// A stored value; an unknown one (a later release's) is read as the
    /// most restrictive, so a mistake hides a document rather than shows it.
    pub fn from_column(text: &str) -> Self {
        Self::parse(text).unwrap_or(Self::Staff)
    }
}

/// The reader of a page or an API call, by what they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reader {
    Anyone,
    Member,
    Staff,
}

impl Reader {
    /// Staff are editors and above; API keys act as their admin (their
    /// scope is checked by the API's guard).
    pub fn of(principal: Option<&Principal>) -> Self {
        match principal.map(|p| p.role) {
            None => Self::Anyone,
            Some(role) if role >= Role::Editor => Self::Staff,
            Some(_) => Self::Member,
        }
    }

    pub fn may_read(self, visibility: Visibility) -> bool {
        match visibility {
            Visibility::Public => true,
            Visibility::Members => self >= Self::Member,
            Visibility::Staff => self == Self::Staff,
        }
    }

    /// The visibilities this reader sees, as stored (for `= ANY($n)`).
    pub fn visibilities(self) -> Vec<String> {
        Visibility::ALL
            .into_iter()
            .filter(|v| self.may_read(*v))
            .map(|v| v.as_str().to_owned())
            .collect()
    }

    pub fn is_staff(self) -> bool {
        self == Self::Staff
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub id: i64,
    pub folder_id: Option<i64>,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    #[serde(skip)]
    pub sha256: Vec<u8>,
    #[serde(skip)]
    pub storage_key: String,
    pub visibility: Visibility,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Folder {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Longest document name, in characters (the column's check).
pub const MAX_DOCUMENT_NAME: usize = 200;
/// Longest folder name, in characters.
pub const MAX_FOLDER_NAME: usize = 120;

/// Why a name was refused (each is a message key of the pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is too long")]
    TooLong,
    #[error("the name contains a slash, a backslash or a control character")]
    Character,
}

/// A name as typed, trimmed; refused when empty, too long, or holding a
/// character that would make it a path or break a header.
pub fn clean_name(raw: &str, max: usize) -> Result<String, NameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > max {
        return Err(NameError::TooLong);
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(NameError::Character);
    }
    Ok(name.to_owned())
}

/// The name a file is kept under: `name`, with the extension of what the
/// file really is (a photo sent as `IMG_1.HEIC.jpg` or renamed `scan`
/// ends in `.jpg`), shortened to fit.
pub fn with_extension(name: &str, extension: &str) -> String {
    let is_extension =
        |ext: &str| (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric());
    let stem = match name.rsplit_once('.') {
        Some((stem, ext)) if is_extension(ext) => stem,
        _ => name,
    };
    let room = MAX_DOCUMENT_NAME.saturating_sub(extension.len() + 1);
    let stem: String = stem.chars().take(room).collect();
    let stem = match stem.trim() {
        "" => "document",
        trimmed => trimmed,
    };
    format!("{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_what_their_role_allows() {
        assert_eq!(Reader::Anyone.visibilities(), ["public"]);
        assert_eq!(Reader::Member.visibilities(), ["public", "members"]);
        assert_eq!(Reader::Staff.visibilities(), ["public", "members", "staff"]);
        assert!(!Reader::Member.may_read(Visibility::Staff));
        assert_eq!(Visibility::from_column("secret"), Visibility::Staff);
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(
            clean_name("  Statuts 2026 ", 200),
            Ok("Statuts 2026".into())
        );
        assert_eq!(clean_name(" ", 200), Err(NameError::Empty));
        assert_eq!(clean_name("a/b", 200), Err(NameError::Character));
        assert_eq!(clean_name("a\u{7}b", 200), Err(NameError::Character));
        assert_eq!(clean_name(&"é".repeat(121), 120), Err(NameError::TooLong));
    }

    #[test]
    fn the_extension_follows_the_content() {
        assert_eq!(with_extension("IMG_0042.HEIC", "jpg"), "IMG_0042.jpg");
        assert_eq!(with_extension("scan", "pdf"), "scan.pdf");
        assert_eq!(
            with_extension("Compte rendu v1.2 final", "pdf"),
            "Compte rendu v1.2 final.pdf"
        );
        assert_eq!(with_extension(".pdf", "pdf"), "document.pdf");
        assert_eq!(with_extension(&"x".repeat(300), "pdf").chars().count(), 200);
    }
}
