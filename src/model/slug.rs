//! `Slug`: a tenant's short, URL-safe, immutable identifier.

use std::fmt;

/// Lowercase `[a-z0-9-]`, 3–40 characters, no leading, trailing or doubled
/// hyphen, and not one of the names the platform keeps for itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("the slug must be 3 to 40 characters long")]
    Length,
    #[error("the slug may only hold lowercase letters, digits and single inner hyphens")]
    Characters,
    #[error("the slug \"{0}\" is reserved")]
    Reserved(String),
}

fn skeleton(slug: &str) -> String {
    slug.replace("rn", "m")
        .replace("vv", "w")
        .chars()
        .filter(|c| *c != '-')
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            other => other,
        })
        .collect()
}

/// Names that would collide with platform hosts, protocols or common mail
/// and infrastructure labels under the base domain.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "api",
    "app",
    "assets",
    "auth",
    "autoconfig",
    "autodiscover",
    "billing",
    "blog",
    "cdn",
    "console",
    "dashboard",
    "demo",
    "dev",
    "docs",
    "ftp",
    "help",
    "imap",
    "localhost",
    "login",
    "mail",
    "manage",
    "mx",
    "ns1",
    "ns2",
    "operator",
    "platform",
    "pop",
    "portal",
    "root",
    "smtp",
    "staging",
    "static",
    "status",
    "support",
    "system",
    "tessera",
    "test",
    "webmail",
    "www",
];

impl Slug {
    /// The slug with look-alike characters folded (`0` → `o`, `1` and `i`
    /// → `l`, `rn` → `m`, `vv` → `w`, hyphens dropped): two slugs with one
    /// skeleton read alike. `platform.slug_skeleton` folds the same way.
    pub fn skeleton(&self) -> String {
        skeleton(&self.0)
    }

    /// Whether the slug reads like a reserved name (`adrnin`, `c0nsole`).
    pub fn looks_reserved(&self) -> bool {
        let own = self.skeleton();
        RESERVED.iter().any(|name| skeleton(name) == own)
    }

    /// A new slug (creation, manifests, the command line): well formed and
    /// not reserved.
    pub fn parse(raw: &str) -> Result<Self, SlugError> {
        let slug = Self::from_db(raw)?;
        if RESERVED.contains(&raw) {
            return Err(SlugError::Reserved(raw.to_owned()));
        }
        Ok(slug)
    }

    /// A slug read back from the tenant row: only its syntax is checked (the
    /// table's CHECK says the same). The reserved list is a rule for new
    /// tenants; a word added to it later must not make an existing tenant
    /// unreadable.
    pub fn from_db(raw: &str) -> Result<Self, SlugError> {
        if !(3..=40).contains(&raw.len()) {
            return Err(SlugError::Length);
        }
        let well_formed = raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if !well_formed {
            return Err(SlugError::Characters);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_skeleton() {
        let slug = |raw: &str| Slug::from_db(raw).unwrap_or_else(|e| unreachable!("{raw}: {e}"));
        assert_eq!(slug("velo-club").skeleton(), slug("ve1o-c1ub").skeleton());
        assert_eq!(slug("modern").skeleton(), slug("rnodern").skeleton());
        assert!(slug("adrnin").looks_reserved());
        assert!(slug("c0nsole").looks_reserved());
        assert!(!slug("velo-club").looks_reserved());
    }

    #[test]
    fn accepts_plain_slugs() {
        for good in ["abc", "velo-club-lyon", "a1b2", &"x".repeat(40)] {
            assert!(Slug::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn refuses_bad_slugs() {
        use SlugError::*;
        let cases: &[(&str, SlugError)] = &[
            ("ab", Length),
            (&"x".repeat(41), Length),
            ("Velo", Characters),
            ("velo_club", Characters),
            ("-velo", Characters),
            ("velo-", Characters),
            ("velo--club", Characters),
            ("vélo", Characters),
            ("admin", Reserved("admin".into())),
            ("www", Reserved("www".into())),
            ("api", Reserved("api".into())),
        ];
        for (raw, expected) in cases {
            assert_eq!(Slug::parse(raw).as_ref(), Err(expected), "{raw:?}");
        }
    }

    #[test]
    fn stored_slugs_are_read_even_when_reserved_since() {
        assert_eq!(Slug::from_db("blog").map(|s| s.0), Ok("blog".to_owned()));
        assert_eq!(Slug::from_db("Blog"), Err(SlugError::Characters));
        assert_eq!(Slug::from_db("ab"), Err(SlugError::Length));
    }
}
