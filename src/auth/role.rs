//! Roles, ordered: `member < editor < treasurer < admin`. A role includes
//! the rights of those below it. Guards name the least role a route needs
//! with a marker type: `RequireRole<Treasurer>`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Editor,
    Treasurer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Member, Role::Editor, Role::Treasurer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Editor => "editor",
            Role::Treasurer => "treasurer",
            Role::Admin => "admin",
        }
    }

    /// Staff run the portal; members only use it.
    pub fn is_staff(self) -> bool {
        self >= Role::Editor
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role \"{0}\" (member, editor, treasurer or admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| UnknownRole(text.chars().take(40).collect()))
    }
}

/// The least role a guarded route accepts.
pub trait MinRole: Send + Sync + 'static {
    const ROLE: Role;
}

/// Markers for [`MinRole`].
pub struct Member;
pub struct Editor;
pub struct Treasurer;
pub struct Admin;

impl MinRole for Member {
    const ROLE: Role = Role::Member;
}
impl MinRole for Editor {
    const ROLE: Role = Role::Editor;
}
impl MinRole for Treasurer {
    const ROLE: Role = Role::Treasurer;
}
impl MinRole for Admin {
    const ROLE: Role = Role::Admin;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_parse_back() {
        assert!(Role::Member < Role::Editor && Role::Editor < Role::Treasurer);
        assert!(Role::Treasurer < Role::Admin);
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
        assert!(!Role::Member.is_staff() && Role::Editor.is_staff());
    }
}
