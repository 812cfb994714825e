//! `[storage]`: where tenants' files are kept. A folder on this machine by
//! default (`dir`), or an S3-compatible bucket (`backend = "s3"` and
//! `[storage.s3]`), which every instance shares. The secret key is a
//! `SecretString`: it never prints, not even in `Debug`.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Immutable files of tenants (receipt PDFs, documents; see `storage`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StorageConfig {
    #[serde(default)]
    pub backend: StorageBackend,
    /// The local folder (one subfolder per tenant); default
    /// `<data_dir>/storage`.
    pub dir: Option<PathBuf>,
    /// The bucket, when `backend = "s3"`.
    pub s3: Option<S3Config>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    #[default]
    Local,
    S3,
}

/// An S3-compatible bucket. Objects are named `<tenant id>/<key>`.
#[derive(Debug, Clone, Deserialize)]
pub struct S3Config {
    /// `https://s3.eu-west-3.amazonaws.com`, `http://127.0.0.1:9000`, …;
    /// unset: AWS's endpoint for `region`.
    pub endpoint: Option<String>,
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// Part of every presigned URL: an identifier, not a secret.
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    /// `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>`:
    /// what most self-hosted stores (and tests) need.
    #[serde(default = "default_path_style")]
    pub force_path_style: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

fn default_path_style() -> bool {
    true
}

impl StorageConfig {
    /// Refuses an S3 backend without its bucket settings.
    pub fn validate(&self) -> Result<(), &'static str> {
        match (&self.backend, &self.s3) {
            (StorageBackend::S3, None) => Err("storage.backend = \"s3\" needs [storage.s3]"),
            (StorageBackend::S3, Some(s3)) if s3.bucket.is_empty() => {
                Err("storage.s3.bucket must not be empty")
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_key_never_prints() -> Result<(), Box<dyn std::error::Error>> {
        let config: StorageConfig = toml::from_str(
            r#"backend = "s3"
               [s3]
               bucket = "files"
               access_key_id = "AKIDEXAMPLE"
               secret_access_key = "wJalrXUtnFEMI-very-secret""#,
        )?;
        assert_eq!(config.validate(), Ok(()));
        let printed = format!("{config:?}");
        assert!(printed.contains("AKIDEXAMPLE") && !printed.contains("very-secret"));
        let missing: StorageConfig = toml::from_str(r#"backend = "s3""#)?;
        assert!(missing.validate().is_err());
        Ok(())
    }
}
