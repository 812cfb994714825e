//! The demo's certificate authority: made with rcgen at first run in
//! `tls.local_ca_dir` (`certs/`), it issues a leaf for any host the demo
//! serves, in memory, at once. Browsers accept those once the CA is trusted
//! (the README says how); nothing it signs is ever stored or sent to a
//! public CA.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints,
    PKCS_ECDSA_P256_SHA256,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::TlsError;
use super::certs::{Served, Source};
use crate::crypto::write_private;

/// The CA's files in its folder.
pub const CA_CERT: &str = "tessera-local-ca.pem";
pub const CA_KEY: &str = "tessera-local-ca.key";

pub struct LocalCa {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalCa(..)")
    }
}

impl LocalCa {
    /// A fresh CA, in memory, that may sign only names under `zones` (no
    /// limit when empty): trusting it cannot let it vouch for a bank.
    pub fn generate(zones: &[String]) -> Result<Self, TlsError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = ca_params();
        if !zones.is_empty() {
            params.name_constraints = Some(NameConstraints {
                permitted_subtrees: zones.iter().cloned().map(GeneralSubtree::DnsName).collect(),
                excluded_subtrees: Vec::new(),
            });
        }
        params.not_before = day(-1);
        params.not_after = day(10 * 365);
        let cert_pem = params.self_signed(&key)?.pem();
        Ok(Self {
            issuer: Issuer::new(params, key),
            cert_pem,
        })
    }

    /// The CA in `dir`, made there first (for `zones`) if it is not.
    pub fn load_or_create(dir: &Path, zones: &[String]) -> Result<(Self, PathBuf), TlsError> {
        let (cert_path, key_path) = (dir.join(CA_CERT), dir.join(CA_KEY));
        if cert_path.exists() && key_path.exists() {
            let cert_pem = std::fs::read_to_string(&cert_path)?;
            let key = KeyPair::from_pem(&std::fs::read_to_string(&key_path)?)?;
            // The same name, usages and key give the same issuer.
            let issuer = Issuer::new(ca_params(), key);
            return Ok((Self { issuer, cert_pem }, cert_path));
        }
        let ca = Self::generate(zones)?;
        std::fs::create_dir_all(dir)?;
        write_private(&key_path, &ca.issuer.key().serialize_pem())?;
        std::fs::write(&cert_path, &ca.cert_pem)?;
        Ok((ca, cert_path))
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A P-256 leaf for `names`, valid 90 days from yesterday.
    pub fn issue(&self, provider: &CryptoProvider, names: &[String]) -> Result<Served, TlsError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = day(-1);
        params.not_after = day(90);
        let leaf = params.signed_by(&key, &self.issuer)?;
        let chain = vec![leaf.der().clone(), ca_der(&self.cert_pem)?];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Served::from_der(provider, chain, key, Source::Local)
    }
}

fn ca_der(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| TlsError::Certificate(format!("local CA: {e}")))
}

/// What the CA says of itself; rebuilt identically when it is loaded.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "Tessera local development CA");
    name.push(DnType::OrganizationName, "Tessera demo");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// Midnight UTC, `offset` days from today.
fn day(offset: i64) -> time::OffsetDateTime {
    use chrono::Datelike;
    let date = (chrono::Utc::now() + chrono::Duration::days(offset)).date_naive();
    let (month, day) = (date.month() as u8, date.day() as u8);
    rcgen::date_time_ymd(date.year(), month, day)
}

impl From<rcgen::Error> for TlsError {
    fn from(error: rcgen::Error) -> Self {
        TlsError::Certificate(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::RootCertStore;
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::{ServerName, UnixTime};

    use super::*;

    #[test]
    fn the_demo_ca_cannot_vouch_for_names_outside_its_zones() -> Result<(), TlsError> {
        let fail = |e: &dyn std::fmt::Display| TlsError::Certificate(e.to_string());
        let ca = LocalCa::generate(&["localhost".to_owned()])?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add(ca_der(ca.cert_pem())?).map_err(|e| fail(&e))?;
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| fail(&e))?;
        for (name, trusted) in [("club.localhost", true), ("bank.example", false)] {
            let served = ca.issue(&provider, &[name.to_owned()])?;
            let chain = &served.key.cert;
            let server = ServerName::try_from(name.to_owned()).map_err(|e| fail(&e))?;
            let verdict =
                verifier.verify_server_cert(&chain[0], &chain[1..], &server, &[], UnixTime::now());
            assert_eq!(verdict.is_ok(), trusted, "{name}: {verdict:?}");
        }
        Ok(())
    }
}
