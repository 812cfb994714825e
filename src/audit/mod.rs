//! The audit log of a tenant: who did what to whom, from where. Each entry
//! is written in the same transaction as the change it records, so the log
//! holds exactly the changes that happened. Staff read it (filtered, newest
//! first, paged by id) on the audit page and through the API.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::TenantTx;

/// One thing that happened.
pub struct Entry<'a> {
    /// `area.verb`, e.g. `login.failed`, `role.changed`.
    pub action: &'a str,
    /// Who did it (none for an anonymous attempt).
    pub actor: Option<i64>,
    /// Whom it concerns.
    pub subject: Option<i64>,
    pub ip: Option<IpAddr>,
    /// Facts worth keeping (old and new role…); never a secret.
    pub detail: serde_json::Value,
}

impl<'a> Entry<'a> {
    pub fn new(action: &'a str) -> Self {
        Self {
            action,
            actor: None,
            subject: None,
            ip: None,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    /// Who did it; `None` (a job, a member following a signed link) keeps
    /// the entry anonymous.
    pub fn by(mut self, actor: impl Into<Option<i64>>) -> Self {
        self.actor = actor.into();
        self
    }

    pub fn on(mut self, subject: i64) -> Self {
        self.subject = Some(subject);
        self
    }

    pub fn from(mut self, ip: Option<IpAddr>) -> Self {
        self.ip = ip;
        self
    }

    pub fn with(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

pub async fn record(tx: &mut TenantTx, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (action, actor_id, subject_id, ip, detail)
         VALUES ($1, $2, $3, $4::text::inet, $5)",
        entry.action,
        entry.actor,
        entry.subject,
        entry.ip.map(|ip| ip.to_string()),
        entry.detail,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub ip: Option<String>,
    pub detail: serde_json::Value,
}

/// Which entries to read: all filters optional; `before` is the id of the
/// last entry of the previous page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// An action, or its area (`login` matches `login.failed`).
    pub action: Option<String>,
    /// Entries done by or concerning this account.
    pub account: Option<i64>,
    pub before: Option<i64>,
    pub limit: i64,
}

pub async fn list(tx: &mut TenantTx, filter: &Filter) -> Result<Vec<Record>, sqlx::Error> {
    let limit = filter.limit.clamp(1, 200);
    sqlx::query_as!(
        Record,
        r#"SELECT id, at, action, actor_id, subject_id, host(ip) AS ip, detail
           FROM audit_log
           WHERE ($1::text IS NULL OR action = $1 OR split_part(action, '.', 1) = $1)
             AND ($2::bigint IS NULL OR actor_id = $2 OR subject_id = $2)
             AND ($3::bigint IS NULL OR id < $3)
           ORDER BY id DESC
           LIMIT $4"#,
        filter.action,
        filter.account,
        filter.before,
        limit,
    )
    .fetch_all(tx.conn().await?)
    .await
}
