//! The tables a tenant archive holds, in an order that satisfies their
//! foreign keys, and what the catalog says of each (columns, primary key,
//! identity columns).
//!
//! The list is in code rather than read from `pg_class` by namespace: there
//! is no index on `relnamespace` alone, and with thousands of schemas that
//! scan costs more than the export of a small tenant. Catalog rows are read
//! by name and namespace, through `pg_class_relname_nsp_index`. A test
//! checks the list against a freshly migrated schema.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::model::SchemaName;

/// Every table of a tenant schema, parents before children (tables are
/// loaded in this order; self-references are checked per statement).
pub const TENANT_TABLES: &[&str] = &[
    "account_settings",
    "accounts",
    "webhook_events",
    "announcements",
    "audit_log",
    "content_settings",
    "contribution_settings",
    "document_folders",
    "document_settings",
    "idempotency_keys",
    "members",
    "membership_status_rules",
    "notices",
    "plans",
    "push_vapid_keys",
    "projects",
    "receipt_counters",
    "theme_files",
    "account_tokens",
    "api_keys",
    "webhook_endpoints",
    "documents",
    "households",
    "mail_opt_outs",
    "notification_mail_queue",
    "notification_preferences",
    "notification_settings",
    "notifications",
    "oauth_clients",
    "payments",
    "plan_tiers",
    "push_subscriptions",
    "recovery_codes",
    "sessions",
    "household_members",
    "memberships",
    "oauth_codes",
    "receipts",
    "refresh_tokens",
    "ledger_entries",
    "membership_instalments",
    "notification_push_queue",
    "payment_allocations",
    "reminders_sent",
    "payment_earmarks",
    "project_comments",
    "project_updates",
    "project_volunteers",
    "aff_programs",
    "aff_groups",
    "aff_affiliates",
    "aff_links",
    "aff_clicks",
    "aff_referrals",
    "aff_rules",
    "aff_fraud_rules",
    "aff_reviews",
    "aff_payout_batches",
    "aff_payouts",
    "aff_lines",
    "aff_sightings",
    "webhook_deliveries",
    "accounting_settings",
    "accounting_plan_accounts",
    "report_schedules",
    "report_alerts",
    "dashboards",
    "dashboard_widgets",
    "sdd_settings",
    "sdd_mandates",
    "sdd_batches",
    "sdd_collections",
    "tax_receipt_settings",
    "tax_receipt_caps",
    "tax_receipt_counters",
    "tax_receipts",
    "tax_receipt_lines",
    "stripe_settings",
    "stripe_customers",
    "card_consents",
    "recurring_gifts",
    "card_charges",
    "stripe_events",
    "consents",
    "directory_fields",
    "privacy_exports",
];

/// One table as the archive describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableShape {
    pub name: String,
    /// Stored columns (not generated), in the table's order.
    pub columns: Vec<String>,
    /// The primary key's columns: rows are exported in this order.
    pub key: Vec<String>,
    /// Which key columns are text: they are ordered `COLLATE "C"`, so that
    /// the order does not depend on the database's collation.
    pub key_text: Vec<bool>,
    /// Identity columns, whose sequences follow the rows.
    pub identity: Vec<String>,
}

impl TableShape {
    /// `ORDER BY` of the export: the primary key, bytewise for text.
    pub fn order_by(&self) -> String {
        self.key
            .iter()
            .zip(&self.key_text)
            .map(|(column, text)| match text {
                true => format!("{column} COLLATE \"C\""),
                false => column.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether every name is a plain lowercase identifier, so it can be
    /// written into SQL unquoted (an archive's names are checked against
    /// the destination's catalog as well).
    pub fn is_plain(&self) -> bool {
        std::iter::once(&self.name)
            .chain(&self.columns)
            .chain(&self.key)
            .chain(&self.identity)
            .all(|name| is_identifier(name))
    }
}

pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && name.len() <= 63
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The listed tables present in `schema`, in [`TENANT_TABLES`] order.
pub async fn shapes(
    conn: &mut PgConnection,
    schema: &SchemaName,
) -> Result<Vec<TableShape>, sqlx::Error> {
    let names: Vec<String> = TENANT_TABLES.iter().map(|t| (*t).to_owned()).collect();
    let rows = sqlx::query!(
        r#"SELECT c.relname::text AS "name!",
                  array(SELECT a.attname::text FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                          AND a.attgenerated = '' ORDER BY a.attnum) AS "columns!",
                  array(SELECT a.attname::text
                        FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, n),
                             pg_attribute a
                        WHERE i.indrelid = c.oid AND i.indisprimary
                          AND a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.n) AS "key!",
                  array(SELECT a.attcollation <> 0
                        FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, n),
                             pg_attribute a
                        WHERE i.indrelid = c.oid AND i.indisprimary
                          AND a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.n) AS "key_text!",
                  array(SELECT a.attname::text FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attidentity <> ''
                        ORDER BY a.attnum) AS "identity!"
           FROM pg_class c
           WHERE c.relname = ANY($2::text[]) AND c.relnamespace = $1::text::regnamespace
             AND c.relkind = 'r'"#,
        schema.as_str(),
        &names
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut shapes: Vec<TableShape> = rows
        .into_iter()
        .map(|r| TableShape {
            name: r.name,
            columns: r.columns,
            key: r.key,
            key_text: r.key_text,
            identity: r.identity,
        })
        .collect();
    shapes.sort_by_key(|s| TENANT_TABLES.iter().position(|t| *t == s.name));
    Ok(shapes)
}

/// How [`lock_all`] locks: against DDL (an export), or against writes too
/// (a move).
#[derive(Debug, Clone, Copy)]
pub enum LockMode {
    AccessShare,
    Exclusive,
}

/// The schema's tables, locked in `mode` until the transaction ends;
/// `None` when the schema cannot be read (no table, or a name that is not
/// a plain identifier, which is never spliced into SQL).
pub async fn lock_all(
    conn: &mut PgConnection,
    schema: &SchemaName,
    mode: LockMode,
) -> Result<Option<Vec<TableShape>>, sqlx::Error> {
    let shapes = shapes(conn, schema).await?;
    if shapes.is_empty() || !shapes.iter().all(TableShape::is_plain) {
        return Ok(None);
    }
    let names: Vec<String> = shapes
        .iter()
        .map(|s| format!("{schema}.{}", s.name))
        .collect();
    let mode = match mode {
        LockMode::AccessShare => "ACCESS SHARE",
        LockMode::Exclusive => "EXCLUSIVE",
    };
    let lock = format!("LOCK TABLE {} IN {mode} MODE", names.join(", "));
    sqlx::raw_sql(sqlx::AssertSqlSafe(lock))
        .execute(&mut *conn)
        .await?;
    Ok(Some(shapes))
}

/// Where `name` comes in the load order; `None` for a table not listed.
pub fn position(name: &str) -> Option<usize> {
    TENANT_TABLES.iter().position(|t| *t == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_no_duplicate_and_plain_names() {
        let mut names = TENANT_TABLES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TENANT_TABLES.len());
        assert!(TENANT_TABLES.iter().all(|t| is_identifier(t)));
        assert!(!is_identifier("a; drop table x"));
        assert!(!is_identifier("Accounts"));
        assert!(!is_identifier(""));
    }
}
