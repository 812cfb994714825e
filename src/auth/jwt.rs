//! Access tokens of the API: short-lived JWTs signed with HS256 under a key
//! derived for the tenant (`Keys::derive("jwt", tenant)`), so a token of one
//! association does not even verify on another's host. Only HS256 is
//! accepted: `alg: none`, other HMAC sizes and public-key algorithms are
//! refused before any claim is read.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::keys::Keys;
use super::role::Role;
use super::secret;
use crate::model::TenantId;

/// Seconds an access token lives.
pub const LIFETIME_SECS: i64 = 15 * 60;

/// Seconds of clock skew tolerated on `exp`.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The account id, as a string (RFC 7519).
    pub sub: String,
    /// The tenant id: checked against the request's tenant.
    pub tenant: i64,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// The refresh-token family the token was issued with (hex): revoking
    /// the family (log-out, theft, role change) ends the token at once.
    pub sid: String,
}

impl Claims {
    pub fn account_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }

    pub fn family(&self) -> Option<Vec<u8>> {
        secret::unhex(&self.sid).filter(|f| f.len() == 16)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("the access token is invalid or expired")]
    Invalid,
    #[error("the access token could not be signed")]
    Signing,
}

/// A fresh access token for `account_id` on `tenant`.
pub fn issue(
    keys: &Keys,
    tenant: TenantId,
    account_id: i64,
    role: Role,
    family: &[u8],
) -> Result<String, JwtError> {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: account_id.to_string(),
        tenant: tenant.get(),
        role,
        iat: now,
        exp: now + LIFETIME_SECS,
        jti: secret::generate(),
        sid: secret::hex(family),
    };
    let key =
        EncodingKey::from_secret(&keys.derive("jwt", tenant)).map_err(|_| JwtError::Signing)?;
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .map_err(|_| JwtError::Signing)
}

/// The claims of `token` if it is an unexpired HS256 token of `tenant`.
pub fn verify(keys: &Keys, tenant: TenantId, token: &str) -> Result<Claims, JwtError> {
    // A JWT of ours is a few hundred bytes: refuse junk before parsing it.
    if token.len() > 2048 {
        return Err(JwtError::Invalid);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.algorithms = vec![Algorithm::HS256];
    validation.leeway = LEEWAY_SECS;
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    let key =
        DecodingKey::from_secret(&keys.derive("jwt", tenant)).map_err(|_| JwtError::Invalid)?;
    let data =
        jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|_| JwtError::Invalid)?;
    let claims = data.claims;
    if claims.tenant != tenant.get() || claims.account_id().is_none() || claims.family().is_none() {
        return Err(JwtError::Invalid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    type Outcome = Result<(), Box<dyn std::error::Error>>;

    fn keys() -> Keys {
        Keys::from_bytes([9; 32])
    }

    #[test]
    fn a_token_verifies_only_on_its_tenant() -> Outcome {
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        let token = issue(&keys(), a, 42, Role::Editor, &[1; 16])?;
        let claims = verify(&keys(), a, &token)?;
        assert_eq!(claims.account_id(), Some(42));
        assert_eq!(claims.role, Role::Editor);
        assert!(verify(&keys(), b, &token).is_err());
        assert!(verify(&Keys::from_bytes([8; 32]), a, &token).is_err());
        Ok(())
    }

    #[test]
    fn alg_none_and_tampered_payloads_are_refused() -> Outcome {
        let a = TenantId::new(1);
        let token = issue(&keys(), a, 42, Role::Member, &[1; 16])?;
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(verify(&keys(), a, &format!("{none}.{}.", parts[1])).is_err());
        let payload =
            String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1])?)?.replace("member", "admin");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(payload),
            parts[2]
        );
        assert!(verify(&keys(), a, &forged).is_err());
        Ok(())
    }
}
