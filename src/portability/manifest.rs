//! What an archive says about itself: `manifest.json` first (enough to
//! refuse an archive before anything is created), `checksums.json` last
//! (row counts and SHA-256 of each table's stream and each file, known
//! only once the export has written them, so it runs in one pass).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::tables::TableShape;

/// The format this binary writes and reads.
pub const FORMAT: &str = "tessera-tenant/1";
pub const MANIFEST: &str = "manifest.json";
pub const CHECKSUMS: &str = "checksums.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub tessera_version: String,
    /// `server_version` of the source database.
    pub postgres: String,
    pub created_at: DateTime<Utc>,
    pub source: Source,
    /// The tenant migrations the schema had applied, with their checksums.
    pub tenant_migrations: Vec<MigrationEntry>,
    pub tenant: TenantFields,
    pub custom_domains: Vec<String>,
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub tenant_id: i64,
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationEntry {
    pub version: i64,
    pub name: String,
    pub checksum_hex: String,
}

/// The platform row of the tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFields {
    pub slug: String,
    pub name: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub locale: String,
    pub theme: String,
    pub brand: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableEntry {
    pub shape: TableShape,
    /// Each identity column's sequence position (`None`: never used).
    pub sequences: Vec<Option<i64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub key: String,
    /// `files/<n>`: keys may be longer than a member name.
    pub member: String,
    pub size: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checksums {
    pub tables: Vec<TableSum>,
    pub files: Vec<FileSum>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSum {
    pub name: String,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSum {
    pub key: String,
    pub sha256: String,
}

impl Manifest {
    /// The tenant schema version of the archive: its last migration.
    pub fn schema_version(&self) -> i64 {
        self.tenant_migrations
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
    }
}

/// The name of table `index`'s `chunk`-th data member.
pub fn data_member(index: usize, table: &str, chunk: usize) -> String {
    format!("data/{index:02}-{table}/{chunk}")
}

/// Splits a data member's name into table index, table and chunk.
pub fn parse_data_member(name: &str) -> Option<(usize, &str, usize)> {
    let rest = name.strip_prefix("data/")?;
    let (folder, chunk) = rest.split_once('/')?;
    let (index, table) = folder.split_once('-')?;
    Some((index.parse().ok()?, table, chunk.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_member_names_round_trip() {
        let name = data_member(3, "audit_log", 12);
        assert_eq!(name, "data/03-audit_log/12");
        assert_eq!(parse_data_member(&name), Some((3, "audit_log", 12)));
        assert_eq!(parse_data_member("data/x-a/1"), None);
        assert_eq!(parse_data_member("files/1"), None);
    }
}
