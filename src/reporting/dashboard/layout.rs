//! Each staff member's layout: the widget ids they chose, in order
//! (`dashboards`, `dashboard_widgets` of `0017_dashboards.sql`), or their
//! role's default when they never saved one. Ids the server no longer
//! knows, and widgets above the person's role (a treasurer who became an
//! editor), are left out when read; writes accept neither.

use crate::auth::Role;
use crate::db::TenantTx;
use crate::reporting::widgets::{self, Kind};

/// The most widgets one dashboard holds.
pub const MAX_WIDGETS: usize = 40;

/// The saved ids, in order; `None` when the person never saved a layout.
pub async fn saved(tx: &mut TenantTx, account_id: i64) -> Result<Option<Vec<String>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT w.widget AS "widget?"
           FROM dashboards d
           LEFT JOIN dashboard_widgets w ON w.account_id = d.account_id
           WHERE d.account_id = $1
           ORDER BY w.position"#,
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(rows.into_iter().filter_map(|r| r.widget).collect()))
}

/// What `account_id` (of `role`) sees, in order.
pub async fn of(tx: &mut TenantTx, account_id: i64, role: Role) -> Result<Vec<Kind>, sqlx::Error> {
    Ok(shown(saved(tx, account_id).await?.as_deref(), role))
}

/// The kinds a [`saved`] layout shows to `role` (its default when none).
pub fn shown(saved: Option<&[String]>, role: Role) -> Vec<Kind> {
    match saved {
        Some(ids) => ids
            .iter()
            .filter_map(|id| Kind::parse(id))
            .filter(|k| k.allowed(role))
            .collect(),
        None => widgets::default_layout(role),
    }
}

/// Replaces the layout (callers checked every kind is allowed).
pub async fn save(tx: &mut TenantTx, account_id: i64, kinds: &[Kind]) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = kinds.iter().map(|k| k.id().to_owned()).collect();
    let conn = tx.conn().await?;
    sqlx::query!(
        "INSERT INTO dashboards (account_id) VALUES ($1)
         ON CONFLICT (account_id) DO UPDATE SET updated_at = now()",
        account_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM dashboard_widgets WHERE account_id = $1",
        account_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO dashboard_widgets (account_id, position, widget)
         SELECT $1, (n - 1)::smallint, id FROM unnest($2::text[]) WITH ORDINALITY AS u(id, n)",
        account_id,
        &ids
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Back to the role's default.
pub async fn reset(tx: &mut TenantTx, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM dashboards WHERE account_id = $1", account_id)
        .execute(tx.conn().await?)
        .await?;
    Ok(())
}

/// Why a list of ids cannot be a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Unknown(String),
    AboveRole(String),
    Twice(String),
    TooMany,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Unknown(id) => write!(f, "unknown widget \"{id}\""),
            Refused::AboveRole(id) => write!(f, "widget \"{id}\" is not allowed for your role"),
            Refused::Twice(id) => write!(f, "widget \"{id}\" is listed twice"),
            Refused::TooMany => write!(f, "a dashboard holds at most {MAX_WIDGETS} widgets"),
        }
    }
}

/// The kinds `ids` name, when each is known, allowed to `role` and
/// listed once.
pub fn parse(ids: &[String], role: Role) -> Result<Vec<Kind>, Refused> {
    if ids.len() > MAX_WIDGETS {
        return Err(Refused::TooMany);
    }
    let mut kinds = Vec::with_capacity(ids.len());
    for id in ids {
        let short: String = id.chars().take(40).collect();
        let kind = Kind::parse(id).ok_or_else(|| Refused::Unknown(short.clone()))?;
        if !kind.allowed(role) {
            return Err(Refused::AboveRole(short));
        }
        if kinds.contains(&kind) {
            return Err(Refused::Twice(short));
        }
        kinds.push(kind);
    }
    Ok(kinds)
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
