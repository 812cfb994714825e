//! What an API key may do: `read` or `write` on one module (`members:read`,
//! `announcements:write`) or on all of them (`*:read`). Write includes read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The modules an API key can be scoped to.
pub const MODULES: &[&str] = &[
    "members",
    "announcements",
    "audit",
    "contributions",
    "domains",
    "projects",
    "documents",
    "affiliation",
    "webhooks",
    "reporting",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Scope {
    /// A name from [`MODULES`], or `*`.
    pub module: String,
    pub access: Access,
}

impl Scope {
    pub fn new(module: &str, access: Access) -> Self {
        Self {
            module: module.to_owned(),
            access,
        }
    }

    /// Whether holding `self` allows `wanted`.
    pub fn covers(&self, wanted: &Scope) -> bool {
        (self.module == "*" || self.module == wanted.module) && self.access >= wanted.access
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let access = match self.access {
            Access::Read => "read",
            Access::Write => "write",
        };
        write!(f, "{}:{access}", self.module)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope \"{0}\" (expected <module>:read or <module>:write)")]
pub struct UnknownScope(pub String);

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownScope(text.chars().take(60).collect());
        let (module, access) = text.split_once(':').ok_or_else(unknown)?;
        let access = match access {
            "read" => Access::Read,
            "write" => Access::Write,
            _ => return Err(unknown()),
        };
        if module != "*" && !MODULES.contains(&module) {
            return Err(unknown());
        }
        Ok(Self::new(module, access))
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> Self {
        scope.to_string()
    }
}

impl TryFrom<String> for Scope {
    type Error = UnknownScope;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn write_covers_read_and_star_covers_all() -> TestResult {
        let read: Scope = "members:read".parse()?;
        let write: Scope = "members:write".parse()?;
        let all: Scope = "*:read".parse()?;
        assert!(write.covers(&read) && !read.covers(&write));
        assert!(all.covers(&"announcements:read".parse()?));
        assert!(!all.covers(&write));
        assert!("members:delete".parse::<Scope>().is_err());
        assert!("secrets:read".parse::<Scope>().is_err());
        Ok(())
    }
}
