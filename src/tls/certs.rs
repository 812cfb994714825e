//! The certificates this instance serves, by name: kept in memory, read by
//! every handshake (rustls' `ResolvesServerCert`), swapped one name at a
//! time without a restart. A wildcard (`*.example.org`) answers for one
//! label under its parent when no exact name does.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::TlsError;

/// Where a certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Issued over ACME, kept in `platform.certificates`.
    Acme,
    /// Given as files (`tls.certificates`).
    File,
    /// Made by the demo's local CA, in memory only.
    Local,
}

/// A certificate ready for handshakes, and what we know of it.
#[derive(Clone)]
pub struct Served {
    pub key: Arc<CertifiedKey>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub issuer: String,
    /// The names it holds (SANs).
    pub names: Vec<String>,
    pub source: Source,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("names", &self.names)
            .field("not_after", &self.not_after)
            .field("issuer", &self.issuer)
            .field("source", &self.source)
            .finish()
    }
}

impl Served {
    /// Parses a PEM chain (leaf first) and its PEM private key.
    pub fn from_pem(
        provider: &CryptoProvider,
        chain_pem: &[u8],
        key_pem: &[u8],
        source: Source,
    ) -> Result<Self, TlsError> {
        let chain = CertificateDer::pem_slice_iter(chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Certificate(format!("chain: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| TlsError::Certificate(format!("private key: {e}")))?;
        Self::from_der(provider, chain, key, source)
    }

    pub fn from_der(
        provider: &CryptoProvider,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        source: Source,
    ) -> Result<Self, TlsError> {
        let leaf = chain
            .first()
            .ok_or_else(|| TlsError::Certificate("empty chain".into()))?;
        let facts = LeafFacts::read(leaf)?;
        let signing = provider
            .key_provider
            .load_private_key(key)
            .map_err(|e| TlsError::Certificate(format!("private key: {e}")))?;
        let key = CertifiedKey::new(chain, signing);
        key.keys_match()
            .map_err(|e| TlsError::Certificate(format!("key does not match: {e}")))?;
        Ok(Self {
            key: Arc::new(key),
            not_before: facts.not_before,
            not_after: facts.not_after,
            issuer: facts.issuer,
            names: facts.names,
            source,
        })
    }

    /// Still within its validity period.
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        self.not_before <= now && now < self.not_after
    }
}

/// What the leaf says about itself.
pub struct LeafFacts {
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub issuer: String,
    pub names: Vec<String>,
}

impl LeafFacts {
    pub fn read(leaf: &CertificateDer<'_>) -> Result<Self, TlsError> {
        use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
        let (_, cert) = X509Certificate::from_der(leaf.as_ref())
            .map_err(|e| TlsError::Certificate(format!("leaf: {e}")))?;
        let time = |t: x509_parser::time::ASN1Time| {
            DateTime::from_timestamp(t.timestamp(), 0)
                .ok_or_else(|| TlsError::Certificate("validity out of range".into()))
        };
        let names = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|san| {
                san.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        GeneralName::DNSName(dns) => Some(dns.to_ascii_lowercase()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            not_before: time(cert.validity().not_before)?,
            not_after: time(cert.validity().not_after)?,
            issuer: cert.issuer().to_string(),
            names,
        })
    }
}

/// The name → certificate map every handshake reads; cheap to clone.
#[derive(Clone, Default)]
pub struct Certificates {
    by_name: Arc<RwLock<HashMap<String, Served>>>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates")
            .field("names", &self.len())
            .finish()
    }
}

impl Certificates {
    /// Serves `served` for each of its names (replacing what they had).
    pub fn insert(&self, served: Served) {
        let mut map = self.by_name.write().unwrap_or_else(PoisonError::into_inner);
        for name in &served.names {
            map.insert(name.clone(), served.clone());
        }
    }

    /// Serves `served` for `name` only.
    pub fn insert_as(&self, name: &str, served: Served) {
        let mut map = self.by_name.write().unwrap_or_else(PoisonError::into_inner);
        map.insert(name.to_owned(), served);
    }

    /// Stops serving `name` (exactly that entry).
    pub fn remove(&self, name: &str) {
        let mut map = self.by_name.write().unwrap_or_else(PoisonError::into_inner);
        map.remove(name);
    }

    /// The entry for `name`, or the wildcard one label up.
    pub fn find(&self, name: &str) -> Option<Served> {
        let map = self.by_name.read().unwrap_or_else(PoisonError::into_inner);
        lookup(&map, name).cloned()
    }

    /// Whether `name` exactly has an entry of its own (not a wildcard's).
    pub fn has_own(&self, name: &str) -> bool {
        let map = self.by_name.read().unwrap_or_else(PoisonError::into_inner);
        map.contains_key(name)
    }

    /// The key a handshake for `name` gets (no copy of the entry: this is
    /// every handshake's path).
    pub fn key_for(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let map = self.by_name.read().unwrap_or_else(PoisonError::into_inner);
        lookup(&map, name).map(|served| served.key.clone())
    }

    /// Stops serving `name` if its own entry came from ACME (a file's or
    /// the local CA's stays).
    pub fn remove_acme(&self, name: &str) {
        let mut map = self.by_name.write().unwrap_or_else(PoisonError::into_inner);
        if map.get(name).is_some_and(|s| s.source == Source::Acme) {
            map.remove(name);
        }
    }

    /// Whether browsers may be told to come back over HTTPS only: a
    /// certificate a public CA (or the operator) gave, currently valid.
    pub fn is_trusted_now(&self, name: &str) -> bool {
        self.find(name)
            .is_some_and(|s| s.source != Source::Local && s.is_current(Utc::now()))
    }

    pub fn len(&self) -> usize {
        self.by_name
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The exact entry, else the wildcard one label up.
fn lookup<'m>(map: &'m HashMap<String, Served>, name: &str) -> Option<&'m Served> {
    if let Some(served) = map.get(name) {
        return Some(served);
    }
    let (_, parent) = name.split_once('.')?;
    map.get(&format!("*.{parent}"))
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.key_for(hello.server_name()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::local_ca::LocalCa;

    fn provider() -> CryptoProvider {
        rustls::crypto::aws_lc_rs::default_provider()
    }

    #[test]
    fn exact_names_win_over_wildcards_one_label_deep() -> Result<(), TlsError> {
        let ca = LocalCa::generate(&[])?;
        let certs = Certificates::default();
        certs.insert(ca.issue(&provider(), &["*.example.org".into()])?);
        certs.insert(ca.issue(&provider(), &["club.example.org".into()])?);
        let names = |n: &str| certs.find(n).map(|s| s.names.clone());
        assert_eq!(
            names("club.example.org"),
            Some(vec!["club.example.org".into()])
        );
        assert_eq!(
            names("other.example.org"),
            Some(vec!["*.example.org".into()])
        );
        assert_eq!(names("a.b.example.org"), None);
        assert_eq!(names("example.org"), None);
        assert!(certs.has_own("club.example.org") && !certs.has_own("other.example.org"));
        certs.remove("club.example.org");
        assert_eq!(
            names("club.example.org"),
            Some(vec!["*.example.org".into()])
        );
        Ok(())
    }

    #[test]
    fn local_certificates_never_earn_hsts() -> Result<(), TlsError> {
        let ca = LocalCa::generate(&[])?;
        let certs = Certificates::default();
        certs.insert(ca.issue(&provider(), &["club.localhost".into()])?);
        assert!(certs.find("club.localhost").is_some());
        assert!(!certs.is_trusted_now("club.localhost"));
        Ok(())
    }
}
