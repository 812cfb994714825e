//! `Hostname`: the one place where a raw `Host` value becomes a name we route on.

use std::fmt;

/// A normalised DNS hostname: lowercase ASCII (IDNA), no port, no trailing dot,
/// labels of 1–63 letters, digits or inner hyphens, 253 characters at most.
/// IP literals are refused: a tenant is always reached by name.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct Hostname(String);

/// Why a host value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostnameError {
    #[error("the host is empty")]
    Empty,
    #[error("the host is too long")]
    TooLong,
    #[error("an IP address is not a site name")]
    IpLiteral,
    #[error("the port is not a number")]
    BadPort,
    #[error("the host is not a valid domain name")]
    Invalid,
}

const MAX_RAW_LEN: usize = 1024;
const MAX_NAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

impl Hostname {
    /// Normalises a `Host` header value (or a configured domain): strips an
    /// optional `:port` and one trailing dot, maps Unicode through IDNA
    /// (UTS #46, which also lowercases), then checks DNS syntax.
    pub fn parse(raw: &str) -> Result<Self, HostnameError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(HostnameError::Empty);
        }
        if raw.len() > MAX_RAW_LEN {
            return Err(HostnameError::TooLong);
        }
        if raw.starts_with('[') {
            return Err(HostnameError::IpLiteral);
        }
        let name = strip_port(raw)?;
        let name = name.strip_suffix('.').unwrap_or(name);
        if name.is_empty() {
            return Err(HostnameError::Empty);
        }
        let ascii = idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::STD3)
            .map_err(|_| HostnameError::Invalid)?;
        check_syntax(&ascii)?;
        Ok(Self(ascii.into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `self` is `parent` or one of its subdomains.
    pub fn is_within(&self, parent: &Hostname) -> bool {
        self.0 == parent.0
            || (self.0.len() > parent.0.len()
                && self.0.ends_with(parent.as_str())
                && self.0.as_bytes()[self.0.len() - parent.0.len() - 1] == b'.')
    }
}

fn strip_port(raw: &str) -> Result<&str, HostnameError> {
    match raw.rsplit_once(':') {
        None => Ok(raw),
        Some((name, port)) => {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5 {
                return Err(HostnameError::BadPort);
            }
            if name.contains(':') {
                // A bare IPv6 address without brackets.
                return Err(HostnameError::IpLiteral);
            }
            Ok(name)
        }
    }
}

fn check_syntax(name: &str) -> Result<(), HostnameError> {
    if name.is_empty() {
        return Err(HostnameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(HostnameError::TooLong);
    }
    let labels: Vec<&str> = name.split('.').collect();
    for label in &labels {
        let valid = !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            return Err(HostnameError::Invalid);
        }
    }
    let last = labels.last().copied().unwrap_or_default();
    if last.bytes().all(|b| b.is_ascii_digit()) {
        // A numeric top label only occurs in IPv4 literals such as 127.0.0.1.
        return Err(HostnameError::IpLiteral);
    }
    Ok(())
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Hostname {
    type Error = HostnameError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Hostname> for String {
    fn from(host: Hostname) -> Self {
        host.0
    }
}

impl AsRef<str> for Hostname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        match Hostname::parse(raw) {
            Ok(h) => h.0,
            Err(e) => format!("error: {e}"),
        }
    }

    fn host(raw: &str) -> Hostname {
        Hostname(ok(raw))
    }

    #[test]
    fn normalises_case_port_and_trailing_dot() {
        assert_eq!(ok("Velo.Example.ORG"), "velo.example.org");
        assert_eq!(ok("velo.localhost:8080"), "velo.localhost");
        assert_eq!(ok("velo.example.org."), "velo.example.org");
        assert_eq!(ok("velo.example.org.:443"), "velo.example.org");
        assert_eq!(ok("  localhost "), "localhost");
    }

    #[test]
    fn maps_unicode_through_idna() {
        assert_eq!(ok("Chorale-Été.fr"), "xn--chorale-t-i4ab.fr");
        assert_eq!(ok("ÉCOLE.example"), "xn--cole-9oa.example");
    }

    #[test]
    fn refuses_what_is_not_a_hostname() {
        use HostnameError::*;
        let cases: &[(&str, HostnameError)] = &[
            ("", Empty),
            ("   ", Empty),
            (".", Empty),
            ("127.0.0.1", IpLiteral),
            ("127.0.0.1:8080", IpLiteral),
            ("[::1]:8080", IpLiteral),
            ("::1", IpLiteral),
            ("a..b", Invalid),
            ("-a.example", Invalid),
            ("a-.example", Invalid),
            ("a_b.example", Invalid),
            ("a b.example", Invalid),
            ("host:", BadPort),
            ("host:http", BadPort),
            ("host:123456", BadPort),
        ];
        for (raw, expected) in cases {
            assert_eq!(Hostname::parse(raw).as_ref(), Err(expected), "{raw:?}");
        }
        let long = format!("{}.example", "a".repeat(300));
        assert!(Hostname::parse(&long).is_err());
        let many = vec!["abcdefghij"; 30].join(".");
        assert_eq!(Hostname::parse(&many), Err(TooLong));
    }

    #[test]
    fn knows_its_parents() {
        let base = host("localhost");
        assert!(host("a.localhost").is_within(&base));
        assert!(base.is_within(&base));
        assert!(!host("alocalhost").is_within(&base));
    }
}
