//! The export: one REPEATABLE READ, READ ONLY transaction on a connection
//! of its own, so that every table, the sequences read after them and the
//! platform rows come from one snapshot; the tables are locked in ACCESS
//! SHARE mode (waiting at most 3 s), which keeps migrations and deletion
//! out until the end. Each table streams through COPY into 1 MiB members,
//! so memory stays flat however large the tenant.

use std::time::Duration;

use chrono::Utc;
use futures::TryStreamExt;
use sqlx::{Connection, PgConnection};
use tokio::io::AsyncWrite;

use super::archive::Writer;
use super::copy::{self, StreamDigest};
use super::manifest::{self, Checksums, FileEntry, FileSum, Manifest, TableEntry, TableSum};
use super::tables::{self, TableShape};
use super::{Exported, Portability, PortabilityError};
use crate::auth::secret::hex;
use crate::db::Platform;
use crate::model::{SchemaName, Slug, TenantId};
use crate::tenancy::audit::{self, Actor};

/// Table data is cut into members of about this size.
const CHUNK: usize = 1 << 20;

impl Portability {
    /// Writes the tenant `slug` as an archive to `out`, then audits the
    /// export. Returns `out` and what was written.
    pub async fn export<W: AsyncWrite + Unpin + Send>(
        &self,
        slug: &Slug,
        out: W,
        actor: &Actor,
    ) -> Result<(W, Exported), PortabilityError> {
        // A connection of its own: a long export holds no slot of the pool
        // that requests and the job queue need.
        let own = self.provisioner.pool().dedicated(Duration::from_secs(10));
        // A tenant on another node: its schema is read there.
        let node = self.schema_node(slug).await?;
        let own_node = node.map(|owner| owner.dedicated(Duration::from_secs(10)));
        let result = async {
            let mut conn = own.acquire().await?;
            let mut node_conn = match &own_node {
                Some(node) => Some(node.acquire().await?),
                None => None,
            };
            export_on(self, &mut conn, node_conn.as_deref_mut(), slug, out).await
        }
        .await;
        own.close().await;
        if let Some(node) = own_node {
            node.close().await;
        }
        let (out, exported) = result?;
        let mut conn = self.provisioner.pool().acquire().await?;
        let details = serde_json::json!({
            "slug": slug, "sha256": exported.sha256, "bytes": exported.bytes,
        });
        let id = Some(TenantId::new(exported.tenant_id));
        audit::record(&mut conn, actor, "tenant.export", id, details).await?;
        Ok((out, exported))
    }

    /// The owner connections of the node holding `slug`'s schema, when it
    /// is not the primary.
    async fn schema_node(&self, slug: &Slug) -> Result<Option<&Platform>, PortabilityError> {
        let node = sqlx::query_scalar!(
            "SELECT r.node FROM platform.tenants t
             JOIN platform.remote_schemas r ON r.tenant_id = t.id WHERE t.slug = $1",
            slug.as_str()
        )
        .fetch_optional(self.provisioner.pool())
        .await?;
        let Some(node) = node else {
            return Ok(None);
        };
        match self.provisioner.nodes().get(&node) {
            Some(owner) => Ok(Some(owner)),
            None => Err(PortabilityError::Unavailable(format!(
                "{slug} is on node {node}, which db.nodes does not list"
            ))),
        }
    }
}

async fn export_on<W: AsyncWrite + Unpin + Send>(
    portability: &Portability,
    conn: &mut PgConnection,
    node: Option<&mut PgConnection>,
    slug: &Slug,
    out: W,
) -> Result<(W, Exported), PortabilityError> {
    let mut tx = snapshot(conn).await?;
    let (tenant_id, manifest) = head(&mut tx, slug).await?;
    let written = match node {
        None => write_archive(portability, &mut tx, tenant_id, manifest, slug, out).await,
        Some(node) => {
            let mut node_tx = snapshot(node).await?;
            let written =
                write_archive(portability, &mut node_tx, tenant_id, manifest, slug, out).await;
            node_tx.rollback().await?;
            written
        }
    };
    tx.rollback().await?;
    written
}

/// A REPEATABLE READ, READ ONLY transaction under COPY's settings.
async fn snapshot(
    conn: &mut PgConnection,
) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error> {
    let mut tx = conn
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await?;
    sqlx::raw_sql(copy::SETTINGS).execute(&mut *tx).await?;
    Ok(tx)
}

/// The schema's history, tables and sequences read on `tx` (the database
/// holding the schema), the files, and the archive written from them.
async fn write_archive<W: AsyncWrite + Unpin + Send>(
    portability: &Portability,
    tx: &mut PgConnection,
    tenant_id: TenantId,
    mut manifest: Manifest,
    slug: &Slug,
    out: W,
) -> Result<(W, Exported), PortabilityError> {
    let schema = SchemaName::for_tenant(tenant_id);
    manifest.tenant_migrations = history(tx, portability, &schema, slug).await?;
    let shapes = lock_tables(tx, &schema, slug).await?;
    for shape in shapes {
        let sequences = sequences(tx, &schema, &shape).await?;
        manifest.tables.push(TableEntry { shape, sequences });
    }
    let files = portability.storage.list(tenant_id).await?;
    manifest.files = files
        .iter()
        .enumerate()
        .map(|(n, (key, size))| FileEntry {
            key: key.to_string(),
            member: format!("files/{n}"),
            size: *size,
        })
        .collect();
    let mut writer = Writer::new(out);
    let head = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
    writer.member(manifest::MANIFEST, &head).await?;
    let mut sums = Checksums::default();
    let mut rows = 0;
    for (index, table) in manifest.tables.iter().enumerate() {
        let sum = copy_table(tx, &mut writer, &schema, index, &table.shape).await?;
        rows += sum.rows;
        sums.tables.push(sum);
    }
    sums.files = write_files(portability, tenant_id, &manifest.files, &mut writer).await?;
    let tail = serde_json::to_vec_pretty(&sums).map_err(std::io::Error::other)?;
    writer.member(manifest::CHECKSUMS, &tail).await?;
    let (out, sha, bytes) = writer.finish().await?;
    let exported = Exported {
        tenant_id: tenant_id.get(),
        slug: slug.to_string(),
        tables: manifest.tables.len(),
        rows,
        files: manifest.files.len(),
        bytes,
        sha256: hex(&sha),
    };
    Ok((out, exported))
}

/// The tables' shapes, once they are locked against DDL (a migration, a
/// purge) until the export ends.
async fn lock_tables(
    conn: &mut PgConnection,
    schema: &SchemaName,
    slug: &Slug,
) -> Result<Vec<TableShape>, PortabilityError> {
    tables::lock_all(conn, schema, tables::LockMode::AccessShare)
        .await?
        .ok_or_else(|| {
            PortabilityError::Unavailable(format!("the schema of {slug} cannot be read"))
        })
}

/// The stored files, in the manifest's order (storage is write-once, so
/// every key the snapshot's rows name is there).
async fn write_files<W: AsyncWrite + Unpin>(
    portability: &Portability,
    tenant_id: TenantId,
    files: &[FileEntry],
    writer: &mut Writer<W>,
) -> Result<Vec<FileSum>, PortabilityError> {
    let mut sums = Vec::with_capacity(files.len());
    for entry in files {
        let bytes = portability
            .storage
            .get(tenant_id, &entry.key)
            .await?
            .ok_or_else(|| PortabilityError::Unavailable(format!("{} vanished", entry.key)))?;
        writer.member(&entry.member, &bytes).await?;
        sums.push(FileSum {
            key: entry.key.clone(),
            sha256: hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        });
    }
    Ok(sums)
}

/// The manifest's head: the tenant's platform rows (its schema history is
/// read where the schema is, by [`history`]).
async fn head(
    conn: &mut PgConnection,
    slug: &Slug,
) -> Result<(TenantId, Manifest), PortabilityError> {
    let row = sqlx::query!(
        r#"SELECT t.id, t.name, t.status, t.status_reason, t.locale, t.theme, t.brand,
                  t.created_at, current_setting('server_version') AS "postgres!"
           FROM platform.tenants t
           WHERE t.slug = $1"#,
        slug.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| PortabilityError::NotFound(slug.to_string()))?;
    let tenant_id = TenantId::new(row.id);
    let custom_domains = sqlx::query_scalar!(
        "SELECT hostname FROM platform.domains WHERE tenant_id = $1 AND kind = 'custom'
         ORDER BY hostname",
        row.id
    )
    .fetch_all(&mut *conn)
    .await?;
    let manifest = Manifest {
        format: manifest::FORMAT.to_owned(),
        tessera_version: env!("CARGO_PKG_VERSION").to_owned(),
        postgres: row.postgres,
        created_at: Utc::now(),
        source: manifest::Source {
            tenant_id: row.id,
            slug: slug.to_string(),
        },
        tenant_migrations: Vec::new(),
        tenant: manifest::TenantFields {
            slug: slug.to_string(),
            name: row.name,
            status: row.status,
            status_reason: row.status_reason,
            locale: row.locale,
            theme: row.theme,
            brand: row.brand,
            created_at: row.created_at,
        },
        custom_domains,
        tables: Vec::new(),
        files: Vec::new(),
    };
    Ok((tenant_id, manifest))
}

/// The migrations the schema applied, from the registry of the database
/// that holds it; refused unless the schema is ready.
async fn history(
    conn: &mut PgConnection,
    portability: &Portability,
    schema: &SchemaName,
    slug: &Slug,
) -> Result<Vec<manifest::MigrationEntry>, PortabilityError> {
    let status = sqlx::query_scalar!(
        "SELECT status FROM platform.tenant_schemas WHERE schema_name = $1",
        schema.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?;
    if status.as_deref() != Some("ready") {
        return Err(PortabilityError::Unavailable(format!(
            "the schema of {slug} is not ready (quarantined or missing)"
        )));
    }
    let history = crate::db::migrate::history::applied(conn, schema).await?;
    let migrations = portability.provisioner.migrations();
    Ok(history
        .into_iter()
        .map(|m| manifest::MigrationEntry {
            name: migrations.name_of(m.version).unwrap_or("?").to_owned(),
            version: m.version,
            checksum_hex: hex(&m.checksum),
        })
        .collect())
}

/// Where each identity column's sequence stands (read after the rows'
/// snapshot, so never behind them; `None` when never used).
pub(super) async fn sequences(
    conn: &mut PgConnection,
    schema: &SchemaName,
    shape: &TableShape,
) -> Result<Vec<Option<i64>>, sqlx::Error> {
    let table = format!("{schema}.{}", shape.name);
    let mut values = Vec::with_capacity(shape.identity.len());
    for column in &shape.identity {
        let value = sqlx::query_scalar!(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass)",
            table,
            column
        )
        .fetch_one(&mut *conn)
        .await?;
        values.push(value);
    }
    Ok(values)
}

/// Streams one table through COPY into members of about [`CHUNK`] bytes.
async fn copy_table<W: AsyncWrite + Unpin>(
    conn: &mut PgConnection,
    writer: &mut Writer<W>,
    schema: &SchemaName,
    index: usize,
    shape: &TableShape,
) -> Result<TableSum, PortabilityError> {
    let mut digest = StreamDigest::default();
    let mut buffer = Vec::with_capacity(CHUNK + 64 * 1024);
    let mut chunk = 0;
    let mut stream = conn.copy_out_raw(&copy::copy_out(schema, shape)).await?;
    while let Some(bytes) = stream.try_next().await? {
        digest.update(&bytes);
        buffer.extend_from_slice(&bytes);
        if buffer.len() >= CHUNK {
            let name = manifest::data_member(index, &shape.name, chunk);
            writer.member(&name, &buffer).await?;
            buffer.clear();
            chunk += 1;
        }
    }
    if !buffer.is_empty() {
        let name = manifest::data_member(index, &shape.name, chunk);
        writer.member(&name, &buffer).await?;
    }
    let (rows, sha256) = digest.finish();
    Ok(TableSum {
        name: shape.name.clone(),
        rows,
        sha256,
    })
}
