//! AES-256-GCM with a random nonce: `nonce (12) ‖ ciphertext ‖ tag (16)`.
//! Shared by the keyring's envelopes and the TLS and per-tenant sealers.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use super::CryptoError;

pub const TAG_LEN: usize = 16;

/// A key for [`seal`] and [`open`].
pub fn key(bytes: &[u8; 32]) -> Result<LessSafeKey, CryptoError> {
    let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| CryptoError::Sealing)?;
    Ok(LessSafeKey::new(unbound))
}

/// `nonce ‖ ciphertext ‖ tag` of `plain`, with `aad` authenticated.
pub fn seal(key: &LessSafeKey, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| CryptoError::Sealing)?;
    let mut body = plain.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut body,
    )
    .map_err(|_| CryptoError::Sealing)?;
    let mut out = Vec::with_capacity(NONCE_LEN + body.len());
    out.extend_from_slice(&nonce);
    out.append(&mut body);
    Ok(out)
}

/// The plaintext of [`seal`]'s output, if `key` and `aad` are the ones it
/// was sealed with and nothing was changed.
pub fn open(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Malformed)?;
    let mut body = body.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad), &mut body)
        .map_err(|_| CryptoError::Forged)?;
    Ok(plain.to_vec())
}
