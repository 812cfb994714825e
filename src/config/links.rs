//! How the links we mail reach us: the scheme and port browsers use, from
//! `[http] public_scheme` and `public_port`.

use serde::{Deserialize, Serialize};

use super::HttpConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicScheme {
    Http,
    Https,
}

impl HttpConfig {
    /// An absolute link to `path` on a tenant's `host` (a bare name), for
    /// mails sent without a request.
    pub fn tenant_link(&self, host: &str, path: &str) -> String {
        let scheme = match self.public_scheme {
            Some(PublicScheme::Http) => "http",
            _ => "https",
        };
        match self.public_port {
            Some(port) => format!("{scheme}://{host}:{port}{path}"),
            None => format!("{scheme}://{host}{path}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::config::{Config, HttpConfig, Overrides};

    fn http(scheme: Option<PublicScheme>, port: Option<u16>) -> HttpConfig {
        HttpConfig {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            request_timeout_secs: 30,
            body_limit_bytes: 1024,
            secure_cookies: false,
            trust_forwarded_for: false,
            public_scheme: scheme,
            public_port: port,
            drain_secs: 0,
            proxy_protocol: false,
        }
    }

    #[test]
    fn mailed_links_follow_the_configured_scheme_and_port() {
        let link = |c: HttpConfig| c.tenant_link("club.example.org", "/x");
        assert_eq!(link(http(None, None)), "https://club.example.org/x");
        assert_eq!(
            link(http(Some(PublicScheme::Http), Some(8080))),
            "http://club.example.org:8080/x"
        );
        assert_eq!(
            link(http(Some(PublicScheme::Https), Some(8443))),
            "https://club.example.org:8443/x"
        );
    }

    #[test]
    fn a_zero_port_or_an_unknown_scheme_is_refused_by_name()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("tessera.toml");
        for (toml, setting) in [
            ("[http]\npublic_port = 0\n", "public_port"),
            ("[http]\npublic_scheme = \"ftp\"\n", "public_scheme"),
        ] {
            std::fs::write(&file, toml)?;
            let refused = Config::load(&file, &Overrides::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(refused.contains(setting), "{toml}: {refused:?}");
        }
        std::fs::write(
            &file,
            "[http]\npublic_scheme = \"http\"\npublic_port = 8080\n",
        )?;
        let config = Config::load(&file, &Overrides::default())?;
        assert_eq!(
            config.http.tenant_link("a.example", "/"),
            "http://a.example:8080/"
        );
        Ok(())
    }
}
