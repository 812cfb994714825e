//! The demo's logins: per demo tenant, the people of its `demo.toml`
//! (`[[accounts]]`: an admin, a treasurer, two members), active, verified,
//! with the demo password. Run on every start and idempotent: an address
//! that already has an account is left as it is.

use std::sync::Arc;

use serde::Deserialize;

use super::demo::demo_content;
use crate::accounts::model::Status;
use crate::accounts::store::{self, CreateError, NewAccount};
use crate::auth::{Role, password};
use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::model::Email;
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

/// The password of every demo login: long enough for the strength rules,
/// printed at start. A demo runs on loopback with sample data only.
pub const DEMO_PASSWORD: &str = "portail-demo-2026";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAccount {
    full_name: String,
    email: String,
    role: Role,
}

/// A login the demo prints.
#[derive(Debug, Clone)]
pub struct Login {
    pub host: String,
    pub email: String,
    pub role: Role,
    /// False when the account existed before this run (its password may
    /// have been changed since).
    pub created: bool,
}

/// Creates the missing demo accounts of every tenant; returns them all.
pub async fn seed(
    state: &AppState,
    manifests: &[(Slug, Manifest)],
    port: u16,
) -> anyhow::Result<Vec<Login>> {
    let hash = state.auth.passwords.hash(DEMO_PASSWORD).await?;
    let mut logins = Vec::new();
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let host = format!("{}:{port}", tenant.default_host);
        let content = demo_content(&state.config.tenants_dir, slug)?;
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        for account in &content.accounts {
            let created = create(&mut tx, account, &hash).await?;
            logins.push(Login {
                host: host.clone(),
                email: account.email.clone(),
                role: account.role,
                created,
            });
        }
        tx.commit().await?;
    }
    Ok(logins)
}

async fn create(tx: &mut TenantTx, account: &DemoAccount, hash: &str) -> anyhow::Result<bool> {
    let email = Email::parse(&account.email)?;
    if let Err(weakness) = password::check_strength(DEMO_PASSWORD, email.as_str()) {
        anyhow::bail!(
            "the demo password is too weak for {email}: {}",
            weakness.key()
        );
    }
    let new = NewAccount {
        email: &email,
        display_name: &account.full_name,
        role: account.role,
        status: Status::Active,
        password_hash: Some(hash),
        locale: None,
        email_verified: true,
    };
    match store::create(tx, new).await {
        Ok(_) => Ok(true),
        Err(CreateError::Taken) => Ok(false),
        Err(CreateError::Database(e)) => Err(e.into()),
    }
}

/// The table `tessera demo` prints.
pub fn table(logins: &[Login]) -> String {
    let mut out = format!(
        "{:<34} {:<32} {:<20} {}\n",
        "HOST", "EMAIL", "PASSWORD", "ROLE"
    );
    for login in logins {
        out.push_str(&format!(
            "{:<34} {:<32} {:<20} {}\n",
            login.host, login.email, DEMO_PASSWORD, login.role
        ));
    }
    if logins.iter().any(|login| !login.created) {
        out.push_str("(accounts made by an earlier run keep any password changed since)\n");
    }
    out
}
