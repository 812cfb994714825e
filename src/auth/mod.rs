//! Who is making a request, and may they: passwords (argon2id off the
//! executor), browser sessions and their cookies, CSRF tokens, roles and
//! the guards every module uses (`RequireRole<Treasurer>`), API scopes,
//! login throttling, and the random secrets behind all of them.
//!
//! People themselves (their addresses, profiles, 2FA secrets) belong to the
//! `accounts` feature; this layer knows an account by its id and role only.

pub mod api_keys;
pub mod bearer;
pub mod context;
pub mod cookies;
pub mod csrf;
pub mod guard;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod realm;
pub mod refresh;
pub mod role;
pub mod scope;
pub mod scoped;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod totp;

pub use context::RequestAuth;
pub use guard::{Principal, RequireRole, SignedIn, Via, Viewer};
pub use keys::Keys;
pub use password::Passwords;
pub use realm::Realm;
pub use role::{Admin, Editor, Member, MinRole, Role, Treasurer};
pub use scope::{Access, Scope};
pub use throttle::Throttle;

/// The auth services, shared by every request; cheap to clone.
#[derive(Clone)]
pub struct Auth {
    pub passwords: Passwords,
    pub throttle: Throttle,
    pub keys: Keys,
    /// Cookies are `Secure` (and `__Host-`) on every host, not only on
    /// loopback names: set when TLS terminates in front of us.
    pub always_secure_cookies: bool,
    /// The client address is the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
    /// The scheme of mailed links when configured (else `https`).
    pub public_scheme: Option<crate::config::PublicScheme>,
}
