//! The association's VAPID key pair (RFC 8292), one per tenant, made on
//! first use. Browsers bind a subscription to the public key; push
//! services check that each request is signed by its private key.
//!
//! The private key (PKCS#8) is stored sealed under the keyring of
//! `[crypto]` (earlier releases sealed it under a key derived for the
//! tenant from the platform's signing key; those still open), so a dump of
//! the schema cannot sign a push; it is never logged (no `Debug` shows it)
//! nor sent anywhere. A key that no longer opens (its key left the ring) is
//! replaced, and the subscriptions made for the old one are dropped: push
//! services would refuse them anyway.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::auth::Keys;
use crate::db::TenantTx;

const PURPOSE: &str = "notifications.vapid";
const CONTEXT: &str = "vapid";
/// How long a signature is good for (RFC 8292 allows at most 24 hours).
const LIFETIME_SECS: i64 = 12 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the VAPID key could not be made or used")]
    Crypto,
}

/// A tenant's key pair, ready to sign.
#[derive(Clone)]
pub struct VapidKey {
    /// The uncompressed P-256 point (65 bytes).
    public: Vec<u8>,
    signing: EncodingKey,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public_base64())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: i64,
    sub: &'a str,
}

impl VapidKey {
    /// The public key as browsers want it (`applicationServerKey`):
    /// base64url without padding.
    pub fn public_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.public)
    }

    /// The `Authorization` header of a push to `origin` (the endpoint's
    /// scheme, host and port): `vapid t=<ES256 JWT>, k=<public key>`.
    pub fn authorization(&self, origin: &str, contact: &str) -> Result<String, VapidError> {
        let claims = Claims {
            aud: origin,
            exp: chrono::Utc::now().timestamp() + LIFETIME_SECS,
            sub: contact,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)
            .map_err(|_| VapidError::Crypto)?;
        Ok(format!("vapid t={token}, k={}", self.public_base64()))
    }
}

/// Opens a private key sealed under the keyring, or by an earlier release
/// under the key derived for `tenant`.
fn open(tx: &TenantTx, keys: &Keys, sealed: &[u8]) -> Option<Vec<u8>> {
    let legacy = keys.derive(PURPOSE, tx.tenant().id);
    tx.keyring()
        .open_or_legacy(sealed, &context(tx), (&legacy, CONTEXT))
        .ok()
}

/// What the key is sealed for: the column and the tenant, so that a key
/// copied into another association's schema does not open there.
fn context(tx: &TenantTx) -> String {
    format!("{CONTEXT}/{}", tx.tenant().id.get())
}

/// What the table holds.
enum Stored {
    Missing,
    /// A pair whose private key does not open here (its public key).
    Unusable(Vec<u8>),
    Usable(VapidKey),
}

/// The tenant's key pair, made (and stored) now if it has none.
pub async fn key(tx: &mut TenantTx, keys: &Keys) -> Result<VapidKey, VapidError> {
    let old = match stored(tx, keys).await? {
        Stored::Usable(key) => return Ok(key),
        Stored::Missing => None,
        Stored::Unusable(public) => Some(public),
    };
    let (public, pkcs8) = generate()?;
    let sealed = tx
        .keyring()
        .seal(&pkcs8, &context(tx))
        .map_err(|_| VapidError::Crypto)?;
    match old {
        // Two first uses at once: one insert wins, both read the winner.
        None => {
            sqlx::query!(
                "INSERT INTO push_vapid_keys (public_key, private_key_sealed) VALUES ($1, $2)
                 ON CONFLICT (singleton) DO NOTHING",
                public,
                sealed
            )
            .execute(tx.conn().await?)
            .await?;
        }
        Some(old) => replace(tx, &old, &public, &sealed).await?,
    }
    match stored(tx, keys).await? {
        Stored::Usable(key) => Ok(key),
        _ => Err(VapidError::Crypto),
    }
}

/// Replaces the pair whose public key is `old` (unless another run did
/// already) and drops the devices subscribed with it.
async fn replace(
    tx: &mut TenantTx,
    old: &[u8],
    public: &[u8],
    sealed: &[u8],
) -> Result<(), VapidError> {
    tracing::warn!("the stored VAPID key does not open here; a new one replaces it");
    let replaced = sqlx::query!(
        "UPDATE push_vapid_keys SET public_key = $2, private_key_sealed = $3, created_at = now()
         WHERE public_key = $1",
        old,
        public,
        sealed
    )
    .execute(tx.conn().await?)
    .await?;
    if replaced.rows_affected() == 1 {
        sqlx::query!("DELETE FROM push_subscriptions")
            .execute(tx.conn().await?)
            .await?;
    }
    Ok(())
}

async fn stored(tx: &mut TenantTx, keys: &Keys) -> Result<Stored, VapidError> {
    let Some(row) = sqlx::query!("SELECT public_key, private_key_sealed FROM push_vapid_keys")
        .fetch_optional(tx.conn().await?)
        .await?
    else {
        return Ok(Stored::Missing);
    };
    match open(tx, keys, &row.private_key_sealed) {
        Some(pkcs8) => Ok(Stored::Usable(VapidKey {
            public: row.public_key,
            signing: EncodingKey::from_ec_der(&pkcs8),
        })),
        None => Ok(Stored::Unusable(row.public_key)),
    }
}

/// A fresh P-256 pair: (public point, private key as PKCS#8).
fn generate() -> Result<(Vec<u8>, Vec<u8>), VapidError> {
    let document =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map_err(|_| VapidError::Crypto)?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, document.as_ref())
        .map_err(|_| VapidError::Crypto)?;
    Ok((
        pair.public_key().as_ref().to_vec(),
        document.as_ref().to_vec(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    #[test]
    fn the_header_carries_a_token_the_public_key_verifies() -> Result<(), Box<dyn std::error::Error>>
    {
        let (public, pkcs8) = generate()?;
        let key = VapidKey {
            public: public.clone(),
            signing: EncodingKey::from_ec_der(&pkcs8),
        };
        let header = key.authorization("https://push.example.org", "mailto:ops@example.org")?;
        let rest = header.strip_prefix("vapid t=").ok_or("no token")?;
        let (token, k) = rest.split_once(", k=").ok_or("no key")?;
        assert_eq!(URL_SAFE_NO_PAD.decode(k)?, public);
        let (signed, signature) = token.rsplit_once('.').ok_or("no signature")?;
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature)?)
            .map_err(|_| "bad signature")?;
        assert!(!format!("{key:?}").contains(&URL_SAFE_NO_PAD.encode(&pkcs8)));
        Ok(())
    }
}
