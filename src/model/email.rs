//! `Email`: an address we can store and send to.

use std::fmt;

/// A trimmed e-mail address: one `@`, a non-empty local part, a domain with a
/// dot, no whitespace, at most 254 characters. The domain part is lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a valid e-mail address")]
pub struct EmailError(pub String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let bad = || EmailError(raw.to_owned());
        let raw = raw.trim();
        let (local, domain) = raw.split_once('@').ok_or_else(bad)?;
        let valid = !local.is_empty()
            && local.len() <= 64
            && raw.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !raw
                .chars()
                .any(|c| c.is_whitespace() || super::text::is_hidden_or_control(c));
        if !valid {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            Email::parse(" Anne.Martin@Velo-Lyon.FR ").map(|e| e.0),
            Ok("Anne.Martin@velo-lyon.fr".to_owned())
        );
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "anne",
            "anne@",
            "@velo.fr",
            "anne@velo",
            "a@b@c.fr",
            "an ne@velo.fr",
            "anne@.fr",
            "anne\u{202E}rf.olev@velo.fr",
            "an\u{200B}ne@velo.fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
