//! Platform operators: their accounts, sign-in with a required second
//! factor, console sessions, API tokens, and the guard that keeps every
//! console page and platform API route behind them.
//!
//! Operators live in the `platform` schema, apart from every tenant's
//! accounts: their cookies have other names, their CSRF tokens another
//! label, their tokens another prefix (`tso_`), and none of them is ever
//! looked up on a tenant's host, nor a tenant's on the platform host.

pub mod guard;
pub mod manage;
pub mod model;
pub mod pages;
pub mod sealing;
pub mod sessions;
pub mod store;
pub mod tokens;

use std::net::IpAddr;

use serde_json::json;

pub use guard::{CanWrite, require};
pub use model::{Operator, OperatorPrincipal, OperatorRole, OperatorStatus, Via};
use sessions::{Session, Stage};

use crate::auth::password::PasswordError;
use crate::auth::throttle::Attempt;
use crate::auth::{Passwords, Realm, Throttle};
use crate::crypto::Keyring;
use crate::db::Platform;
use crate::error::AppError;
use crate::tenancy::audit::{self, Actor};

/// The operators' service: what the console's handlers, its guard and the
/// command line call. Cheap to clone.
#[derive(Clone)]
pub struct Operators {
    pool: Platform,
    passwords: Passwords,
    throttle: Throttle,
    /// Seals operators' TOTP secrets.
    keyring: Keyring,
}

/// Where a sign-in attempt comes from.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
}

/// A step of signing in that succeeded: the new session's cookie value and
/// what it allows.
#[derive(Debug)]
pub struct Step {
    pub cookie: String,
    pub stage: Stage,
}

/// Why an enrolment link did not set the password.
#[derive(Debug)]
pub enum LinkRefusal {
    /// Used, expired or unknown.
    Dead,
    Weak(crate::auth::password::Weakness),
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong address or password")]
    Invalid,
    #[error("too many attempts; try again in {0} seconds")]
    Throttled(u64),
    #[error("the server is busy; try again in a moment")]
    Busy,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<SignInError> for AppError {
    fn from(error: SignInError) -> Self {
        match error {
            SignInError::Invalid => AppError::Unauthorized("wrong address or password".into()),
            SignInError::Throttled(seconds) => AppError::TooManyRequests(seconds),
            SignInError::Busy => AppError::Database(sqlx::Error::PoolTimedOut),
            SignInError::Database(error) => AppError::Database(error),
        }
    }
}

impl Operators {
    pub fn new(pool: Platform, passwords: Passwords, throttle: Throttle, keyring: Keyring) -> Self {
        Self {
            pool,
            passwords,
            throttle,
            keyring,
        }
    }

    /// The live console session of a cookie value.
    pub async fn session(&self, cookie: &str) -> Result<Option<Session>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        sessions::find(&mut conn, cookie).await
    }

    /// The operator a `tso_` token stands for.
    pub async fn token(&self, value: &str) -> Result<Option<OperatorPrincipal>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        tokens::find(&mut conn, value).await
    }

    /// Checks the password (throttled, one answer for every failure, each
    /// failure audited) and starts a session at its first stage: the
    /// second factor, or its enrolment when there is none yet.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Client<'_>,
    ) -> Result<Step, SignInError> {
        let attempt = Attempt {
            realm: Realm::Platform,
            email,
            ip: client.ip,
        };
        if let Err(wait) = self.throttle.check(&attempt) {
            return Err(SignInError::Throttled(wait.as_secs().max(1)));
        }
        // No connection is held while the hash waits for its turn.
        let operator = {
            let mut conn = self.pool.acquire().await?;
            store::find_by_email(&mut conn, email).await?
        };
        let stored = operator.as_ref().and_then(|o| o.password_hash.as_deref());
        let matches = match self.passwords.verify(stored, password).await {
            Ok(matches) => matches,
            Err(PasswordError::Busy) => return Err(SignInError::Busy),
            Err(PasswordError::Hashing(_)) => false,
        };
        let mut tx = self.pool.begin().await?;
        let operator = match operator {
            Some(operator) if matches && operator.status == OperatorStatus::Active => operator,
            other => {
                self.throttle.failed(&attempt);
                let typed: String = email.chars().take(254).collect();
                let actor = Actor {
                    label: format!("operator:{typed}"),
                    operator_id: other.map(|o| o.id),
                    via: "console",
                    ip: client.ip,
                };
                audit::record(&mut tx, &actor, "operator.login_failed", None, json!({})).await?;
                tx.commit().await?;
                return Err(SignInError::Invalid);
            }
        };
        self.throttle.succeeded(&attempt);
        let stage = match operator.two_factor {
            true => Stage::Password,
            false => Stage::Enrol,
        };
        let cookie =
            sessions::start(&mut tx, operator.id, stage, client.ip, client.user_agent).await?;
        tx.commit().await?;
        Ok(Step { cookie, stage })
    }

    /// The second step: a TOTP or recovery code. On success the half-done
    /// session ends and a full one starts.
    pub async fn second_factor(
        &self,
        session: &Session,
        code: &str,
        client: Client<'_>,
    ) -> Result<Step, SignInError> {
        let attempt = Attempt {
            realm: Realm::Platform,
            email: &session.email,
            ip: client.ip,
        };
        if let Err(wait) = self.throttle.check(&attempt) {
            return Err(SignInError::Throttled(wait.as_secs().max(1)));
        }
        let mut tx = self.pool.begin().await?;
        let actor = Actor::operator(session.operator_id, &session.email, "console", client.ip);
        if session.stage != Stage::Password
            || !store::verify_code(&mut tx, &self.keyring, session.operator_id, code).await?
        {
            self.throttle.failed(&attempt);
            audit::record(&mut tx, &actor, "operator.code_failed", None, json!({})).await?;
            tx.commit().await?;
            return Err(SignInError::Invalid);
        }
        self.throttle.succeeded(&attempt);
        let step = self.promote(&mut tx, session, client).await?;
        audit::record(&mut tx, &actor, "operator.login", None, json!({})).await?;
        tx.commit().await?;
        Ok(step)
    }

    /// The secret to enrol and its `otpauth://` URL and QR code (SVG).
    pub async fn enrolment(&self, session: &Session) -> Result<(String, String, String), AppError> {
        if session.stage != Stage::Enrol {
            return Err(AppError::NotFound);
        }
        let mut conn = self.pool.acquire().await?;
        let secret = store::pending_secret(&mut conn, &self.keyring, session.operator_id).await?;
        let issuer = "Tessera console";
        let (url, svg) = crate::auth::totp::enrolment(&secret, issuer, &session.email)
            .ok_or(AppError::Internal("the QR code could not be drawn".into()))?;
        Ok((secret, url, svg))
    }

    /// Finishes enrolment with a first code: a full session, and the
    /// recovery codes to show once. `None` for a wrong code.
    pub async fn confirm_enrolment(
        &self,
        session: &Session,
        code: &str,
        client: Client<'_>,
    ) -> Result<Option<(Step, Vec<String>)>, SignInError> {
        if session.stage != Stage::Enrol {
            return Ok(None);
        }
        let mut tx = self.pool.begin().await?;
        let Some(codes) =
            store::confirm_totp(&mut tx, &self.keyring, session.operator_id, code).await?
        else {
            return Ok(None);
        };
        let step = self.promote(&mut tx, session, client).await?;
        let actor = Actor::operator(session.operator_id, &session.email, "console", client.ip);
        audit::record(&mut tx, &actor, "operator.2fa_enrolled", None, json!({})).await?;
        tx.commit().await?;
        Ok(Some((step, codes)))
    }

    async fn promote(
        &self,
        conn: &mut sqlx::PgConnection,
        session: &Session,
        client: Client<'_>,
    ) -> Result<Step, sqlx::Error> {
        sessions::end(&mut *conn, &session.id_hash).await?;
        let cookie = sessions::start(
            conn,
            session.operator_id,
            Stage::Full,
            client.ip,
            client.user_agent,
        )
        .await?;
        Ok(Step {
            cookie,
            stage: Stage::Full,
        })
    }

    pub async fn sign_out(&self, session: &Session) -> Result<(), sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        sessions::end(&mut conn, &session.id_hash).await
    }

    /// Whether an enrolment link is live (the page shows its form).
    pub async fn link_is_live(&self, token: &str) -> Result<bool, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        Ok(store::link_operator(&mut conn, token).await?.is_some())
    }

    /// Uses an enrolment link: sets the password, and starts a session at
    /// the enrolment stage.
    pub async fn accept_link(
        &self,
        token: &str,
        password: &str,
        client: Client<'_>,
    ) -> Result<Result<Step, LinkRefusal>, AppError> {
        let operator = {
            let mut conn = self.pool.acquire().await?;
            match store::link_operator(&mut conn, token).await? {
                Some(id) => store::find(&mut conn, id).await?,
                None => None,
            }
        };
        let Some(operator) = operator else {
            return Ok(Err(LinkRefusal::Dead));
        };
        if let Err(weakness) = crate::auth::password::check_strength(password, &operator.email) {
            return Ok(Err(LinkRefusal::Weak(weakness)));
        }
        let hash = self
            .passwords
            .hash(password)
            .await
            .map_err(|e| AppError::Internal(format!("hashing the password: {e}").into()))?;
        let mut tx = self.pool.begin().await?;
        if store::use_link(&mut tx, token).await? != Some(operator.id) {
            return Ok(Err(LinkRefusal::Dead));
        }
        store::set_password(&mut tx, operator.id, &hash).await?;
        store::reset_totp(&mut tx, operator.id).await?;
        sessions::end_all(&mut tx, operator.id).await?;
        let cookie = sessions::start(
            &mut tx,
            operator.id,
            Stage::Enrol,
            client.ip,
            client.user_agent,
        )
        .await?;
        let actor = Actor::operator(operator.id, &operator.email, "console", client.ip);
        audit::record(&mut tx, &actor, "operator.password_set", None, json!({})).await?;
        tx.commit().await?;
        Ok(Ok(Step {
            cookie,
            stage: Stage::Enrol,
        }))
    }
}
