//! What staff (and the `tessera user` command) may do to an account: change
//! its role, deactivate or reactivate it, invite someone, resend an
//! invitation, approve or refuse a sign-up. Each action checks its rules,
//! makes the change and writes its audit entry in the caller's transaction,
//! so a change and its record stand or fall together.

use std::net::IpAddr;

use serde_json::{Value, json};

use crate::accounts::model::{Account, Status};
use crate::accounts::store::{self, CreateError, NewAccount};
use crate::accounts::tokens::{self, Purpose};
use crate::accounts::{Email, mails};
use crate::audit::{self, Entry};
use crate::auth::{Role, session};
use crate::config::HttpConfig;
use crate::db::TenantTx;

/// Who acts: a signed-in admin, or the operator's command line.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    /// None for the command line.
    pub id: Option<i64>,
    pub ip: Option<IpAddr>,
}

impl Actor {
    pub const CLI: Actor = Actor { id: None, ip: None };

    pub fn person(id: i64, ip: Option<IpAddr>) -> Self {
        Self { id: Some(id), ip }
    }

    /// An audit entry by this actor about `subject`; the command line's
    /// entries say so in their detail (they have no actor).
    fn entry<'a>(&self, action: &'a str, subject: i64, mut detail: Value) -> Entry<'a> {
        if self.id.is_none()
            && let Value::Object(map) = &mut detail
        {
            map.insert("via".into(), json!("cli"));
        }
        let entry = Entry::new(action).on(subject).from(self.ip).with(detail);
        match self.id {
            Some(id) => entry.by(id),
            None => entry,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such account")]
    NotFound,
    #[error("you cannot change your own role or status")]
    OwnAccount,
    #[error("the last active admin cannot be demoted or deactivated")]
    LastAdmin,
    #[error("an account with this address already exists")]
    AlreadyMember,
    #[error("this account is {0}: the action does not apply")]
    WrongStatus(&'static str),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<CreateError> for ActionError {
    fn from(error: CreateError) -> Self {
        match error {
            CreateError::Taken => ActionError::AlreadyMember,
            CreateError::Database(e) => ActionError::Database(e),
        }
    }
}

/// The account `id`, locked until the transaction ends (two admins acting
/// on the same person at once are serialised).
async fn lock(tx: &mut TenantTx, id: i64) -> Result<Account, ActionError> {
    sqlx::query_scalar!("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(tx.conn().await?)
        .await?
        .ok_or(ActionError::NotFound)?;
    store::find(tx, id).await?.ok_or(ActionError::NotFound)
}

/// Refuses to leave the association without an active admin. The active
/// admins' rows are locked first: two admins demoting each other at once
/// cannot both see « another admin is left ».
async fn keep_an_admin(tx: &mut TenantTx, target: &Account) -> Result<(), ActionError> {
    if target.role != Role::Admin || target.status != Status::Active {
        return Ok(());
    }
    let admins = sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE role = 'admin' AND status = 'active' FOR UPDATE"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    match admins.iter().any(|id| *id != target.id) {
        true => Ok(()),
        false => Err(ActionError::LastAdmin),
    }
}

fn not_self(actor: &Actor, id: i64) -> Result<(), ActionError> {
    match actor.id == Some(id) {
        true => Err(ActionError::OwnAccount),
        false => Ok(()),
    }
}

/// Ends everything that lets the person act with their old rights: browser
/// sessions and API refresh tokens.
async fn end_access(tx: &mut TenantTx, account_id: i64) -> Result<(), sqlx::Error> {
    session::end_all(tx, account_id, None).await?;
    crate::auth::refresh::revoke_all_for(tx, account_id).await?;
    Ok(())
}

/// Gives `id` the role `role`; false when it already had it.
pub async fn change_role(
    tx: &mut TenantTx,
    actor: Actor,
    id: i64,
    role: Role,
) -> Result<bool, ActionError> {
    not_self(&actor, id)?;
    let target = lock(tx, id).await?;
    if target.role == role {
        return Ok(false);
    }
    if role != Role::Admin {
        keep_an_admin(tx, &target).await?;
    }
    store::set_role(tx, id, role).await?;
    end_access(tx, id).await?;
    let detail = json!({ "old": target.role, "new": role });
    audit::record(tx, actor.entry("role.changed", id, detail)).await?;
    Ok(true)
}

/// Deactivates `id` (it can no longer sign in); false if it already was.
pub async fn deactivate(tx: &mut TenantTx, actor: Actor, id: i64) -> Result<bool, ActionError> {
    not_self(&actor, id)?;
    let target = lock(tx, id).await?;
    if target.status == Status::Deactivated {
        return Ok(false);
    }
    keep_an_admin(tx, &target).await?;
    store::set_status(tx, id, Status::Deactivated).await?;
    end_access(tx, id).await?;
    let detail = json!({ "old_status": target.status });
    audit::record(tx, actor.entry("account.deactivated", id, detail)).await?;
    Ok(true)
}

/// Reactivates `id`: active again if it had a password, else invited.
pub async fn reactivate(tx: &mut TenantTx, actor: Actor, id: i64) -> Result<bool, ActionError> {
    not_self(&actor, id)?;
    let target = lock(tx, id).await?;
    if target.status != Status::Deactivated {
        return Ok(false);
    }
    let status = match target.password_hash {
        Some(_) => Status::Active,
        None => Status::Invited,
    };
    store::set_status(tx, id, status).await?;
    let detail = json!({ "new_status": status });
    audit::record(tx, actor.entry("account.reactivated", id, detail)).await?;
    Ok(true)
}

/// Lets a pending sign-up in.
pub async fn approve(tx: &mut TenantTx, actor: Actor, id: i64) -> Result<(), ActionError> {
    let target = lock(tx, id).await?;
    if target.status != Status::Pending {
        return Err(ActionError::WrongStatus(target.status.as_str()));
    }
    store::set_status(tx, id, Status::Active).await?;
    audit::record(tx, actor.entry("signup.approved", id, json!({}))).await?;
    Ok(())
}

/// Refuses a pending sign-up: the account is removed (its address is free
/// again); the audit entry keeps the address.
pub async fn refuse(tx: &mut TenantTx, actor: Actor, id: i64) -> Result<(), ActionError> {
    let target = lock(tx, id).await?;
    if target.status != Status::Pending {
        return Err(ActionError::WrongStatus(target.status.as_str()));
    }
    sqlx::query!("DELETE FROM accounts WHERE id = $1", id)
        .execute(tx.conn().await?)
        .await?;
    let detail = json!({ "email": target.email });
    audit::record(tx, actor.entry("signup.refused", id, detail)).await?;
    Ok(())
}

/// Someone to invite.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub email: Email,
    pub name: String,
    pub role: Role,
}

/// Where invitation links point: `scheme://host[:port]` of the portal.
#[derive(Debug, Clone)]
pub struct LinkBase {
    origin: String,
}

impl LinkBase {
    /// The host a request named (port included), over TLS or not.
    pub fn new(host: &str, secure: bool) -> Self {
        Self {
            origin: mails::link(host, secure, ""),
        }
    }

    /// A tenant's host as configured for mailed links, when there is no
    /// request to follow (the command line).
    pub fn configured(http: &HttpConfig, host: &str) -> Self {
        Self {
            origin: http.tenant_link(host, ""),
        }
    }

    fn invitation(&self, token: &str) -> String {
        format!("{}/accounts/invitation/{token}", self.origin)
    }
}

/// Creates an invited account and mails its link; returns the account id
/// and the link (the command line prints it). No audit entry: the caller
/// writes one per invitation or one per batch.
pub async fn create_invited(
    tx: &mut TenantTx,
    invitee: &Invitee,
    inviter: &str,
    base: &LinkBase,
) -> Result<(i64, String), ActionError> {
    let id = store::create(
        tx,
        NewAccount {
            email: &invitee.email,
            display_name: &invitee.name,
            role: invitee.role,
            status: Status::Invited,
            password_hash: None,
            locale: None,
            email_verified: false,
        },
    )
    .await?;
    let link = send_invitation(tx, id, inviter, base).await?;
    Ok((id, link))
}

async fn send_invitation(
    tx: &mut TenantTx,
    id: i64,
    inviter: &str,
    base: &LinkBase,
) -> Result<String, ActionError> {
    let account = store::find(tx, id).await?.ok_or(ActionError::NotFound)?;
    let token = tokens::issue(tx, id, Purpose::Invite, None).await?;
    let link = base.invitation(&token);
    mails::invitation(tx, &account, inviter, &link).await?;
    Ok(link)
}

/// Invites one person (`invitation.sent`).
pub async fn invite(
    tx: &mut TenantTx,
    actor: Actor,
    invitee: &Invitee,
    inviter: &str,
    base: &LinkBase,
) -> Result<(i64, String), ActionError> {
    let (id, link) = create_invited(tx, invitee, inviter, base).await?;
    let detail = json!({ "role": invitee.role });
    audit::record(tx, actor.entry("invitation.sent", id, detail)).await?;
    Ok((id, link))
}

/// Mails a fresh link to an invited person (the earlier one stops working).
pub async fn resend(
    tx: &mut TenantTx,
    actor: Actor,
    id: i64,
    inviter: &str,
    base: &LinkBase,
) -> Result<String, ActionError> {
    let target = lock(tx, id).await?;
    if target.status != Status::Invited {
        return Err(ActionError::WrongStatus(target.status.as_str()));
    }
    let link = send_invitation(tx, id, inviter, base).await?;
    let detail = json!({ "resent": true });
    audit::record(tx, actor.entry("invitation.sent", id, detail)).await?;
    Ok(link)
}
