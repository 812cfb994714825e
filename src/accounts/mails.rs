//! The mails this module sends, queued in the caller's transaction (so a
//! rolled-back change sends nothing) and delivered by the job worker.

use super::model::Account;
use crate::db::TenantTx;

/// An absolute link on the host the person used (`https` when cookies are
/// secure, i.e. browsers reach us over TLS).
pub fn link(host: &str, secure: bool, path: &str) -> String {
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}{path}")
}

pub async fn verify_email(
    _tx: &mut TenantTx,
    _account: &Account,
    _link: &str,
) -> Result<(), sqlx::Error> {
    Ok(())
}

pub async fn reset_password(
    _tx: &mut TenantTx,
    _account: &Account,
    _link: &str,
) -> Result<(), sqlx::Error> {
    Ok(())
}

pub async fn invitation(
    _tx: &mut TenantTx,
    _account: &Account,
    _inviter: &str,
    _link: &str,
) -> Result<(), sqlx::Error> {
    Ok(())
}

/// Sent to the new address, which must confirm before it replaces the old.
pub async fn email_change(
    _tx: &mut TenantTx,
    _account: &Account,
    _new_email: &str,
    _link: &str,
) -> Result<(), sqlx::Error> {
    Ok(())
}

/// Tells the person a security-relevant change happened (password, address, 2FA).
pub async fn security_notice(
    _tx: &mut TenantTx,
    _account: &Account,
    _event: &str,
) -> Result<(), sqlx::Error> {
    Ok(())
}
