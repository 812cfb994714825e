//! Storage keys: relative paths of lowercase ASCII letters, digits and
//! `/_.-`, checked before any backend sees them.

use std::fmt;

/// Longest accepted key, in bytes.
const MAX_LEN: usize = 512;

/// A checked key: it names a file inside a tenant's space, never outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a storage key must not be empty or longer than {MAX_LEN} bytes")]
    Length,
    #[error("a storage key may only contain a-z, 0-9, '/', '_', '.' and '-'")]
    Character,
    /// Absolute, `.`, `..`, an empty segment or a trailing `/`.
    #[error("a storage key must be a relative path without '.', '..' or empty segments")]
    Segment,
}

impl Key {
    pub fn parse(raw: &str) -> Result<Self, KeyError> {
        if raw.is_empty() || raw.len() > MAX_LEN {
            return Err(KeyError::Length);
        }
        let allowed = |c: char| matches!(c, 'a'..='z' | '0'..='9' | '/' | '_' | '.' | '-');
        if !raw.chars().all(allowed) {
            return Err(KeyError::Character);
        }
        // `split` yields an empty segment for a leading, trailing or
        // doubled `/`: all refused, so the path is relative and canonical.
        let bad = |s: &str| s.is_empty() || s == "." || s == "..";
        if raw.split('/').any(bad) {
            return Err(KeyError::Segment);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The segments, for backends that join them onto a root.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_relative_lowercase_paths() {
        for ok in [
            "a",
            "receipts/2026/000042-0123456789abcdef.pdf",
            "x_y-z.1/..a/b..",
            ".hidden",
        ] {
            assert_eq!(Key::parse(ok).map(|k| k.to_string()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn refuses_escapes_and_odd_characters() {
        let cases = [
            ("", KeyError::Length),
            ("/etc/passwd", KeyError::Segment),
            ("..", KeyError::Segment),
            ("a/../b", KeyError::Segment),
            ("../1/receipts/x.pdf", KeyError::Segment),
            ("a/./b", KeyError::Segment),
            ("a//b", KeyError::Segment),
            ("a/", KeyError::Segment),
            ("A.pdf", KeyError::Character),
            ("a\\..\\b", KeyError::Character),
            ("a b", KeyError::Character),
            ("a\0b", KeyError::Character),
            ("é", KeyError::Character),
            ("a%2f..", KeyError::Character),
        ];
        for (raw, error) in cases {
            assert_eq!(Key::parse(raw), Err(error), "{raw:?}");
        }
        assert_eq!(Key::parse(&"a".repeat(513)), Err(KeyError::Length));
        assert!(Key::parse(&"a".repeat(512)).is_ok());
    }
}
