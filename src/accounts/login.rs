//! Checking a password, shared by the sign-in page, the API and OAuth2.
//!
//! The answer is the same whether the address is unknown, the password
//! wrong or the account deactivated, and takes as long (a decoy hash is
//! verified for unknown addresses). Attempts are throttled per address and
//! per client before any hash is computed, and every outcome is audited.

use std::net::IpAddr;
use std::time::Duration;

use serde_json::json;

use super::model::{Account, Status};
use super::store;
use crate::audit::{self, Entry};
use crate::auth::Auth;
use crate::auth::password::PasswordError;
use crate::auth::throttle::Attempt;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Email;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong email or password")]
    Invalid,
    #[error("too many attempts; try again in {} seconds", .0.as_secs().max(1))]
    Throttled(Duration),
    /// The password was right; staff have not approved the account yet.
    #[error("this account awaits the approval of the association's staff")]
    Pending,
    /// The password was right; the address is not verified yet.
    #[error("confirm your email address first: we sent you a link")]
    Unverified(Box<Account>),
    #[error("too many sign-ins at once; try again in a moment")]
    Busy,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<LoginError> for AppError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::Invalid => AppError::Unauthorized("wrong email or password".into()),
            LoginError::Throttled(wait) => AppError::TooManyRequests(wait.as_secs().max(1)),
            LoginError::Pending | LoginError::Unverified(_) => {
                AppError::Forbidden(error.to_string().into())
            }
            LoginError::Busy => AppError::TooManyRequests(2),
            LoginError::Database(e) => AppError::Database(e),
        }
    }
}

pub struct Credentials<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub ip: Option<IpAddr>,
}

/// The account whose password this is. A failure is audited and counted;
/// the caller must keep the transaction's writes even though it answers
/// with an error (`web::transaction::KeepWrites`).
pub async fn check_password(
    tx: &mut TenantTx,
    auth: &Auth,
    credentials: &Credentials<'_>,
) -> Result<Account, LoginError> {
    let attempt = Attempt {
        realm: crate::auth::Realm::Tenant(tx.tenant().id),
        email: credentials.email,
        ip: credentials.ip,
    };
    auth.throttle
        .check(&attempt)
        .map_err(LoginError::Throttled)?;
    let account = match Email::parse(credentials.email) {
        Ok(email) => find_without_holding(tx, &email).await?,
        Err(_) => None,
    };
    let stored = account.as_ref().and_then(|a| a.password_hash.as_deref());
    let matches = auth
        .passwords
        .verify(stored, credentials.password)
        .await
        .map_err(|error| match error {
            PasswordError::Busy => LoginError::Busy,
            PasswordError::Hashing(_) => LoginError::Invalid,
        })?;
    let account = match account {
        Some(account) if matches && account.status != Status::Deactivated => account,
        other => {
            auth.throttle.failed(&attempt);
            let typed: String = credentials.email.chars().take(254).collect();
            let mut entry = Entry::new("login.failed")
                .from(credentials.ip)
                .with(json!({ "email": typed }));
            if let Some(account) = other {
                entry = entry.on(account.id);
            }
            audit::record(tx, entry).await?;
            return Err(LoginError::Invalid);
        }
    };
    auth.throttle.succeeded(&attempt);
    match account.status {
        Status::Pending => Err(LoginError::Pending),
        _ if !account.email_verified => Err(LoginError::Unverified(Box::new(account))),
        _ => Ok(account),
    }
}

/// The account of `email`, read so that no connection is held while the
/// hash waits for its turn: when the request has no transaction open yet,
/// the read runs in one of its own that ends at once. Otherwise a flood of
/// sign-ins would hold every pooled connection while queueing for hashes,
/// and stall pages that need the database.
async fn find_without_holding(
    tx: &mut TenantTx,
    email: &Email,
) -> Result<Option<Account>, sqlx::Error> {
    if tx.is_open() {
        return store::find_by_email(tx, email).await;
    }
    let mut read = tx.sibling();
    let found = store::find_by_email(&mut read, email).await?;
    read.commit().await?;
    Ok(found)
}

/// Records a completed sign-in (after the second factor, if any).
pub async fn record_success(
    tx: &mut TenantTx,
    account: &Account,
    ip: Option<IpAddr>,
    how: &str,
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        Entry::new("login.succeeded")
            .by(account.id)
            .on(account.id)
            .from(ip)
            .with(json!({ "via": how })),
    )
    .await
}
