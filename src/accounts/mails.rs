//! The mails this module sends, queued in the caller's transaction (so a
//! rolled-back change sends nothing) and delivered by the job worker in
//! the person's language, with the association's brand.

use chrono::Utc;
use serde_json::json;

use super::model::Account;
use crate::db::TenantTx;
use crate::mail::{self, Mail};
use crate::model::Email;

/// An absolute link on the host the person used (`https` when cookies are
/// secure, i.e. browsers reach us over TLS).
pub fn link(host: &str, secure: bool, path: &str) -> String {
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}{path}")
}

fn locale_of(tx: &TenantTx, account: &Account) -> String {
    account
        .locale
        .clone()
        .unwrap_or_else(|| tx.tenant().locale.clone())
}

async fn send(
    tx: &mut TenantTx,
    account: &Account,
    to: Email,
    template: &'static str,
    data: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let mail = Mail {
        to,
        to_name: Some(account.display_name.clone()),
        template,
        locale: locale_of(tx, account),
        data,
    };
    mail::queue(tx, &mail).await
}

/// The account's own address (stored addresses always parse).
fn address(account: &Account) -> Result<Email, sqlx::Error> {
    Email::parse(&account.email).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

pub async fn verify_email(
    tx: &mut TenantTx,
    account: &Account,
    link: &str,
) -> Result<(), sqlx::Error> {
    let data = json!({ "name": account.display_name, "link": link });
    send(tx, account, address(account)?, "verify-email", data).await
}

pub async fn reset_password(
    tx: &mut TenantTx,
    account: &Account,
    link: &str,
) -> Result<(), sqlx::Error> {
    let data = json!({ "name": account.display_name, "link": link });
    send(tx, account, address(account)?, "reset-password", data).await
}

pub async fn invitation(
    tx: &mut TenantTx,
    account: &Account,
    inviter: &str,
    link: &str,
) -> Result<(), sqlx::Error> {
    let data = json!({ "name": account.display_name, "inviter": inviter, "link": link });
    send(tx, account, address(account)?, "invitation", data).await
}

/// Sent to the new address, which must confirm before it replaces the old.
pub async fn email_change(
    tx: &mut TenantTx,
    account: &Account,
    new_email: &str,
    link: &str,
) -> Result<(), sqlx::Error> {
    let to = Email::parse(new_email).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let data = json!({ "name": account.display_name, "link": link });
    send(tx, account, to, "email-change", data).await
}

/// Tells the person a security-relevant change happened: `event` is one of
/// `password-changed`, `email-changed`, `2fa-enabled`, `2fa-disabled`,
/// `recovery-codes`, `signup-existing`.
pub async fn security_notice(
    tx: &mut TenantTx,
    account: &Account,
    event: &str,
) -> Result<(), sqlx::Error> {
    let data =
        json!({ "name": account.display_name, "event": event, "when": Utc::now().to_rfc3339() });
    send(tx, account, address(account)?, "security-notice", data).await
}
