//! The platform audit log (`platform.audit_log`): who changed which tenant
//! or operator, from where and through which door. Append-only: a trigger
//! refuses updates and deletes. Entries are written in the transaction of
//! the change they describe, so a rolled-back change leaves none.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::TenantId;

/// Who acted, as the log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `cli`, `manifest`, `operator:<email>`, `signup:<email>` …
    pub label: String,
    pub operator_id: Option<i64>,
    /// The door: `cli`, `console`, `api`, `signup`, `job`, `demo`, `manifest`.
    pub via: &'static str,
    pub ip: Option<IpAddr>,
}

impl Actor {
    pub fn operator(id: i64, email: &str, via: &'static str, ip: Option<IpAddr>) -> Self {
        Self {
            label: format!("operator:{email}"),
            operator_id: Some(id),
            via,
            ip,
        }
    }

    /// A tenant's administrator, acting on what the platform keeps for the
    /// tenant (its custom domains).
    pub fn staff(account_id: i64, ip: Option<IpAddr>) -> Self {
        Self {
            label: format!("account:{account_id}"),
            operator_id: None,
            via: "staff",
            ip,
        }
    }
}

/// A command-line or internal actor by name (`"cli"`, `"manifest"`,
/// `"demo"`, `"bench"`, `"test"`).
impl From<&str> for Actor {
    fn from(label: &str) -> Self {
        let via = match label {
            "manifest" => "manifest",
            "demo" => "demo",
            "job" => "job",
            _ => "cli",
        };
        Self {
            label: label.to_owned(),
            operator_id: None,
            via,
            ip: None,
        }
    }
}

impl From<&Actor> for Actor {
    fn from(actor: &Actor) -> Self {
        actor.clone()
    }
}

pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    tenant_id: Option<TenantId>,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.audit_log (actor, action, tenant_id, details, operator_id, via, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7::text::inet)",
        actor.label,
        action,
        tenant_id.map(TenantId::get),
        details,
        actor.operator_id,
        actor.via,
        actor.ip.map(|ip| ip.to_string())
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry as the console lists it.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedAction {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub tenant_id: Option<i64>,
    pub via: String,
    pub ip: Option<String>,
    pub details: serde_json::Value,
}

/// The latest entries, newest first, of one tenant or of all; `before` pages.
pub async fn latest(
    conn: &mut PgConnection,
    tenant_id: Option<TenantId>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LoggedAction>, sqlx::Error> {
    sqlx::query_as!(
        LoggedAction,
        r#"SELECT id, at, actor, action, tenant_id, via, host(ip) AS ip, details
           FROM platform.audit_log
           WHERE ($1::bigint IS NULL OR tenant_id = $1)
             AND ($2::bigint IS NULL OR id < $2)
           ORDER BY id DESC LIMIT $3"#,
        tenant_id.map(TenantId::get),
        before,
        limit
    )
    .fetch_all(conn)
    .await
}
