//! The platform's signing key (`platform.signing_key`, shared by every
//! instance) and the keys derived from it: one per purpose and tenant, so a
//! value signed for one association is worthless on another's host.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::db::Platform;
use crate::model::TenantId;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Keys {
    root: Arc<[u8; 32]>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys(…)")
    }
}

impl Keys {
    /// Reads the key the platform migrations generated.
    pub async fn load(platform: &Platform) -> Result<Self, sqlx::Error> {
        let key = sqlx::query_scalar!("SELECT key FROM platform.signing_key")
            .fetch_one(platform)
            .await?;
        let root: [u8; 32] = key
            .try_into()
            .map_err(|_| sqlx::Error::Protocol("platform.signing_key is not 32 bytes".into()))?;
        Ok(Self::from_bytes(root))
    }

    pub fn from_bytes(root: [u8; 32]) -> Self {
        Self {
            root: Arc::new(root),
        }
    }

    /// The key of `purpose` for `tenant`.
    pub fn derive(&self, purpose: &str, tenant: TenantId) -> [u8; 32] {
        self.mac(&[purpose.as_bytes(), &tenant.get().to_be_bytes()])
    }

    /// HMAC-SHA256 of `parts` under the root key; each part is length-prefixed
    /// so that no two different lists sign the same bytes.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        sign(self.root.as_slice(), parts)
    }
}

/// HMAC-SHA256 of length-prefixed `parts` under `key`.
pub fn sign(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_by_tenant_and_purpose() {
        let keys = Keys::from_bytes([7; 32]);
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        assert_ne!(keys.derive("jwt", a), keys.derive("jwt", b));
        assert_ne!(keys.derive("jwt", a), keys.derive("csrf", a));
        assert_eq!(keys.derive("jwt", a), keys.derive("jwt", a));
        assert_ne!(keys.mac(&[b"ab", b"c"]), keys.mac(&[b"a", b"bc"]));
    }
}
