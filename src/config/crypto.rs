//! `[crypto]`: the keyring that seals the most sensitive columns at rest
//! (IBANs, phone numbers, 2FA secrets, provider keys).
//!
//! Keys live in configuration, never in the database, so a dump alone opens
//! nothing. Each key has an id, written in every envelope it seals; `active`
//! names the one new values are sealed with, and the others stay to open
//! older values until `tessera crypto rotate` has re-sealed them.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CryptoConfig {
    /// Key id → 32 bytes in base64 (`TESSERA_CRYPTO__KEYS__<ID>=…`). Ids
    /// are 1 to 32 characters among `a-z`, `0-9`, `-` and `_`. Empty: one
    /// key made at first start under `data_dir` (fine for one machine; give
    /// every instance the same keys in production).
    pub keys: BTreeMap<String, SecretString>,
    /// The id of the key new values are sealed with; may be left out when
    /// there is a single key.
    pub active: Option<String>,
}
