//! COPY in text format, the same way on both sides: session settings that
//! make its output canonical (time zone, date and interval styles, float
//! digits, bytea as hex), the statements, and the digest of a table's
//! stream (SHA-256 and rows) that the archive's trailer records.

use sha2::{Digest as _, Sha256};

use super::tables::TableShape;
use crate::auth::secret::hex;
use crate::model::SchemaName;

/// Settings of the export's and the import's transactions. Text COPY is
/// portable across major versions, and under these settings one value has
/// one spelling, so a table's stream hashes the same on both sides.
pub const SETTINGS: &str = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; \
    SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3; \
    SET LOCAL bytea_output = 'hex'; SET LOCAL lock_timeout = '3s'";

/// `COPY (SELECT … ORDER BY key) TO STDOUT`: rows in primary-key order.
/// Names are plain identifiers ([`TableShape::is_plain`]), the schema
/// comes from an integer id.
pub fn copy_out(schema: &SchemaName, shape: &TableShape) -> String {
    format!(
        "COPY (SELECT {} FROM {schema}.{} ORDER BY {}) TO STDOUT",
        shape.columns.join(", "),
        shape.name,
        shape.order_by()
    )
}

pub fn copy_in(schema: &SchemaName, shape: &TableShape) -> String {
    format!(
        "COPY {schema}.{} ({}) FROM STDIN",
        shape.name,
        shape.columns.join(", ")
    )
}

/// A table's stream as it goes by: its SHA-256 and its rows (text COPY
/// ends every row with a newline and escapes those inside values).
#[derive(Default, Clone)]
pub struct StreamDigest {
    sha: Sha256,
    rows: u64,
}

impl StreamDigest {
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha.update(bytes);
        self.rows += bytes.iter().filter(|b| **b == b'\n').count() as u64;
    }

    /// Rows and SHA-256 (hex).
    pub fn finish(self) -> (u64, String) {
        (self.rows, hex(&self.sha.finalize()))
    }
}

/// Runs `copy_out` of a table on `conn` and digests the stream: how an
/// import checks what it loaded, independently of what it was sent.
pub async fn digest_table(
    conn: &mut sqlx::PgConnection,
    schema: &SchemaName,
    shape: &TableShape,
) -> Result<(u64, String), sqlx::Error> {
    use futures::TryStreamExt;
    let mut digest = StreamDigest::default();
    let mut stream = conn.copy_out_raw(&copy_out(schema, shape)).await?;
    while let Some(bytes) = stream.try_next().await? {
        digest.update(&bytes);
    }
    Ok(digest.finish())
}
