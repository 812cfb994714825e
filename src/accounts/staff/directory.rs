//! The member directory as staff read it: search by name or address,
//! filters by role and status, pages of a bounded size sorted by name; and
//! the names of accounts for the audit pages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::accounts::model::Status;
use crate::auth::Role;
use crate::db::TenantTx;

/// Rows per page unless asked otherwise…
pub const PAGE_SIZE: i64 = 25;
/// …and at most.
pub const MAX_PAGE_SIZE: i64 = 100;
/// Deeper pages are refused rather than scanned: search instead.
pub const MAX_PAGE: i64 = 1_000;
/// A search longer than this is cut.
const MAX_SEARCH: usize = 100;

/// The query string of `/staff/members/`; anything malformed is ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Query {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub per: String,
}

/// The query, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Search {
    pub q: String,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub page: i64,
    pub per: i64,
}

impl From<&Query> for Search {
    fn from(query: &Query) -> Self {
        let number = |text: &str, default: i64, max: i64| {
            text.parse::<i64>().map_or(default, |n| n.clamp(1, max))
        };
        Self {
            q: query.q.trim().chars().take(MAX_SEARCH).collect(),
            role: query.role.parse().ok(),
            status: Status::parse(&query.status),
            page: number(&query.page, 1, MAX_PAGE),
            per: number(&query.per, PAGE_SIZE, MAX_PAGE_SIZE),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub status: String,
    pub two_factor: bool,
    pub created_at: DateTime<Utc>,
}

/// One page of the directory and how many match in all.
pub async fn search(tx: &mut TenantTx, search: &Search) -> Result<(Vec<Listed>, i64), sqlx::Error> {
    // `strpos` matches the text literally: `%` and `_` are not wildcards.
    let q = (!search.q.is_empty()).then(|| search.q.to_lowercase());
    let role = search.role.map(Role::as_str);
    let status = search.status.map(Status::as_str);
    let conn = tx.conn().await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM accounts
           WHERE ($1::text IS NULL OR strpos(lower(display_name), $1) > 0
                  OR strpos(lower(email), $1) > 0)
             AND ($2::text IS NULL OR role = $2)
             AND ($3::text IS NULL OR status = $3)"#,
        q,
        role,
        status,
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as!(
        Listed,
        r#"SELECT id, email, display_name, role, status,
                  totp_enabled_at IS NOT NULL AS "two_factor!", created_at
           FROM accounts
           WHERE ($1::text IS NULL OR strpos(lower(display_name), $1) > 0
                  OR strpos(lower(email), $1) > 0)
             AND ($2::text IS NULL OR role = $2)
             AND ($3::text IS NULL OR status = $3)
           ORDER BY lower(display_name), id
           LIMIT $4 OFFSET $5"#,
        q,
        role,
        status,
        search.per,
        (search.page - 1) * search.per,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok((rows, total))
}

/// `id → "Name <address>"` for the given accounts (those that still exist).
pub async fn names(tx: &mut TenantTx, ids: &[i64]) -> Result<HashMap<i64, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query!(
        "SELECT id, display_name, email FROM accounts WHERE id = ANY($1)",
        ids
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id, format!("{} <{}>", row.display_name, row.email)))
        .collect())
}

/// Which of `emails` already have an account (any case).
pub async fn existing_emails(
    tx: &mut TenantTx,
    emails: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let lowered: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    sqlx::query_scalar!(
        "SELECT email FROM accounts WHERE lower(email) = ANY($1)",
        &lowered
    )
    .fetch_all(tx.conn().await?)
    .await
}
