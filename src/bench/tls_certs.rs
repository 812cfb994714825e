//! W7's certificates: a bench CA and one ECDSA P-256 leaf per hostname
//! (`site-0042.bench.test`), made with rcgen. They reach each server the
//! way that server takes certificates: PEM files for Caddy and the floor
//! server, and for Tessera rows of `platform.certificates` exactly as the
//! ACME issuer leaves them (status `valid`, private key sealed under the
//! storage key with the hostname as context).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};

use crate::db::Platform;
use crate::tls::Sealer;

/// Every bench name ends with this: what the bench stores, it removes.
pub const DOMAIN: &str = "bench.test";

/// The `i`-th bench hostname (0-based).
pub fn site_name(i: usize) -> String {
    format!("site-{i:04}.{DOMAIN}")
}

/// One hostname's certificate as the servers and the client see it.
pub struct BenchCert {
    pub name: String,
    /// Leaf then the bench CA: what a server sends.
    pub chain_pem: String,
    pub key_pem: String,
    /// What the client expects to be served for `name`.
    pub leaf_der: Vec<u8>,
}

pub struct BenchCerts {
    pub certs: Vec<BenchCert>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub issuer: String,
}

/// A fresh CA and `count` leaves, valid from yesterday for 90 days.
pub fn generate(count: usize) -> anyhow::Result<BenchCerts> {
    let now = time::OffsetDateTime::now_utc();
    let (not_before, not_after) = (
        now - time::Duration::days(1),
        now + time::Duration::days(90),
    );
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let mut ca = CertificateParams::default();
    let issuer_name = "Tessera W7 bench CA";
    ca.distinguished_name.push(DnType::CommonName, issuer_name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = not_before;
    ca.not_after = now + time::Duration::days(365);
    let ca_pem = ca.self_signed(&ca_key)?.pem();
    let issuer = Issuer::new(ca, ca_key);
    let mut certs = Vec::with_capacity(count);
    for i in 0..count {
        let name = site_name(i);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec![name.clone()])?;
        params.distinguished_name.push(DnType::CommonName, &name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = not_before;
        params.not_after = not_after;
        let leaf = params.signed_by(&key, &issuer)?;
        certs.push(BenchCert {
            chain_pem: format!("{}{ca_pem}", leaf.pem()),
            key_pem: key.serialize_pem(),
            leaf_der: leaf.der().to_vec(),
            name,
        });
    }
    let instant = |t: time::OffsetDateTime| {
        DateTime::from_timestamp(t.unix_timestamp(), 0)
            .ok_or_else(|| anyhow::anyhow!("validity out of range"))
    };
    Ok(BenchCerts {
        certs,
        not_before: instant(not_before)?,
        not_after: instant(not_after)?,
        issuer: format!("CN={issuer_name}"),
    })
}

/// A certificate's two PEM files.
#[derive(Debug, Clone)]
pub struct PemFiles {
    pub name: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Writes `<name>.crt` and `<name>.key` for every certificate into `dir`.
pub fn write_files(certs: &BenchCerts, dir: &Path) -> anyhow::Result<Vec<PemFiles>> {
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::with_capacity(certs.certs.len());
    for cert in &certs.certs {
        let (crt, key) = (
            dir.join(format!("{}.crt", cert.name)),
            dir.join(format!("{}.key", cert.name)),
        );
        std::fs::write(&crt, &cert.chain_pem)?;
        std::fs::write(&key, &cert.key_pem)?;
        files.push(PemFiles {
            name: cert.name.clone(),
            cert: crt,
            key,
        });
    }
    Ok(files)
}

/// The file list the floor server reads: `name<TAB>cert<TAB>key` per line.
pub fn files_table(files: &[PemFiles]) -> String {
    files
        .iter()
        .map(|f| format!("{}\t{}\t{}\n", f.name, f.cert.display(), f.key.display()))
        .collect()
}

/// Parses [`files_table`]'s output.
pub fn parse_files_table(text: &str) -> Vec<PemFiles> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            Some(PemFiles {
                name: fields.next()?.to_owned(),
                cert: PathBuf::from(fields.next()?),
                key: PathBuf::from(fields.next()?),
            })
        })
        .collect()
}

/// Replaces the bench rows of `platform.certificates` with `certs`, keys
/// sealed by `sealer` as the issuer seals them. One statement: the rows
/// appear together, before the server that loads them starts.
pub async fn store(pool: &Platform, certs: &BenchCerts, sealer: &Sealer) -> anyhow::Result<()> {
    remove(pool).await?;
    let mut names = Vec::with_capacity(certs.certs.len());
    let mut chains = Vec::with_capacity(certs.certs.len());
    let mut keys = Vec::with_capacity(certs.certs.len());
    for cert in &certs.certs {
        keys.push(sealer.seal(cert.key_pem.as_bytes(), &cert.name)?);
        names.push(cert.name.clone());
        chains.push(cert.chain_pem.clone());
    }
    // Renewal two thirds into the life, as `store::Issued::renew_at` says.
    let renew_at = certs.not_before + (certs.not_after - certs.not_before) * 2 / 3;
    sqlx::query(
        "INSERT INTO platform.certificates
             (hostname, status, chain_pem, key_sealed, not_before, not_after, issuer,
              renew_at, issued_at, next_attempt_at)
         SELECT h, 'valid', c, k, $4, $5, $6, $7, now(), $7
         FROM unnest($1::text[], $2::text[], $3::bytea[]) AS t(h, c, k)",
    )
    .bind(&names)
    .bind(&chains)
    .bind(&keys)
    .bind(certs.not_before)
    .bind(certs.not_after)
    .bind(&certs.issuer)
    .bind(renew_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes every bench row (names under [`DOMAIN`]); returns how many.
pub async fn remove(pool: &Platform) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM platform.certificates WHERE hostname LIKE $1")
        .bind(format!("%.{DOMAIN}"))
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_servers_file_list_reads_back() {
        let files = vec![PemFiles {
            name: site_name(42),
            cert: PathBuf::from("/tmp/a.crt"),
            key: PathBuf::from("/tmp/a.key"),
        }];
        let back = parse_files_table(&files_table(&files));
        assert_eq!(back.len(), 1);
        assert_eq!(
            back.first().map(|f| f.name.as_str()),
            Some("site-0042.bench.test")
        );
        assert_eq!(
            back.first().map(|f| f.key.clone()),
            Some(PathBuf::from("/tmp/a.key"))
        );
        assert!(parse_files_table("no tabs here\n").is_empty());
    }
}
