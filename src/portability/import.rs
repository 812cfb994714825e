//! The import: the archive is read once, front to back, inside one
//! platform transaction that creates the tenant (row, hosts, schema and
//! role, through the provisioner), empties the seeded tables, loads each
//! table through COPY, sets the sequences, writes the files, checks every
//! count and hash against the trailer and once more by reading the loaded
//! tables back, migrates the schema forward if the archive is older, and
//! audits. Any refusal rolls all of it back and removes the files written.

use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use tokio::io::AsyncRead;

use super::archive::{Entry, Reader};
use super::copy::{self, StreamDigest};
use super::manifest::{self, Checksums, FileSum, Manifest, TableSum};
use super::{Imported, Portability, PortabilityError, plan};
use crate::auth::secret::hex;
use crate::model::{SchemaName, TenantId};
use crate::tenancy::audit::{self, Actor};
use crate::tenancy::provision::Created;

/// How an archive is brought in.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Another slug than the archive's.
    pub slug: Option<crate::model::Slug>,
    /// Leave the archive's custom domains behind (they may still belong to
    /// the source on this database).
    pub without_custom_domains: bool,
}

fn refused(what: impl Into<String>) -> PortabilityError {
    PortabilityError::Refused(what.into())
}

impl Portability {
    /// Creates a tenant from the archive read from `input`.
    pub async fn import<R: AsyncRead + Unpin + Send>(
        &self,
        input: R,
        options: &ImportOptions,
        actor: &Actor,
    ) -> Result<Imported, PortabilityError> {
        let mut reader = Reader::new(input);
        let manifest = read_manifest(&mut reader).await?;
        let plan = plan::check(self, &manifest, options)?;
        let mut tx = self.provisioner.pool().begin().await?;
        let reason = manifest.tenant.status_reason.as_deref();
        let created = self
            .provisioner
            .create_in(&mut tx, &plan.new, (plan.status, reason), plan.version)
            .await?;
        let outcome = async {
            let rows = self.load(&mut tx, &mut reader, &manifest, &created).await?;
            self.provisioner
                .migrate_forward_in(&mut tx, &created.schema, plan.version)
                .await?;
            let details = serde_json::json!({
                "slug": plan.new.slug, "source": manifest.source.slug,
                "archive_created_at": manifest.created_at, "rows": rows,
            });
            let id = Some(created.tenant_id);
            audit::record(&mut tx, actor, "tenant.import", id, details).await?;
            tx.commit().await?;
            Ok::<u64, PortabilityError>(rows)
        }
        .await;
        let rows = match outcome {
            Ok(rows) => rows,
            Err(error) => {
                // The transaction is rolled back as it drops; the files
                // written under the new id (never reused) go too.
                self.storage.remove_tenant(created.tenant_id).await?;
                return Err(error);
            }
        };
        self.provisioner.announce(created.tenant_id).await;
        Ok(Imported {
            tenant_id: created.tenant_id.get(),
            slug: plan.new.slug.to_string(),
            default_host: created.default_host.to_string(),
            tables: manifest.tables.len(),
            rows,
            files: manifest.files.len(),
        })
    }

    /// Loads tables and files, then checks them; returns the rows loaded.
    async fn load<R: AsyncRead + Unpin>(
        &self,
        tx: &mut PgConnection,
        reader: &mut Reader<R>,
        manifest: &Manifest,
        created: &Created,
    ) -> Result<u64, PortabilityError> {
        let schema = &created.schema;
        let shapes = super::tables::shapes(tx, schema).await?;
        let archived: Vec<_> = manifest.tables.iter().map(|t| t.shape.clone()).collect();
        if shapes != archived {
            return Err(refused(
                "the archive's tables or columns differ from its schema version's",
            ));
        }
        sqlx::raw_sql(copy::SETTINGS).execute(&mut *tx).await?;
        let names: Vec<String> = shapes
            .iter()
            .map(|s| format!("{schema}.{}", s.name))
            .collect();
        let truncate = format!("TRUNCATE {}", names.join(", "));
        sqlx::raw_sql(sqlx::AssertSqlSafe(truncate))
            .execute(&mut *tx)
            .await?;
        let (next, loaded) = load_tables(tx, reader, manifest, schema).await?;
        let (next, files) = self
            .load_files(reader, manifest, created.tenant_id, next)
            .await?;
        let trailer = read_trailer(reader, next).await?;
        if trailer.tables != loaded || trailer.files != files {
            return Err(refused(
                "the archive's content does not match its checksums",
            ));
        }
        set_sequences(tx, manifest, schema).await?;
        for (shape, sum) in shapes.iter().zip(&loaded) {
            if copy::digest_table(tx, schema, shape).await? != (sum.rows, sum.sha256.clone()) {
                return Err(refused(format!(
                    "{} reads back differently than it was archived",
                    shape.name
                )));
            }
        }
        Ok(loaded.iter().map(|t| t.rows).sum())
    }

    async fn load_files<R: AsyncRead + Unpin>(
        &self,
        reader: &mut Reader<R>,
        manifest: &Manifest,
        tenant: TenantId,
        mut next: Option<Entry>,
    ) -> Result<(Option<Entry>, Vec<FileSum>), PortabilityError> {
        let mut sums = Vec::with_capacity(manifest.files.len());
        for file in &manifest.files {
            let entry = next
                .take()
                .filter(|e| e.name == file.member && e.size == file.size)
                .ok_or_else(|| refused(format!("{} is missing or out of place", file.member)))?;
            let bytes = reader.body(&entry).await?;
            self.storage.put(tenant, &file.key, &bytes).await?;
            sums.push(FileSum {
                key: file.key.clone(),
                sha256: hex(&Sha256::digest(&bytes)),
            });
            next = reader.next().await?;
        }
        Ok((next, sums))
    }
}

async fn read_manifest<R: AsyncRead + Unpin>(
    reader: &mut Reader<R>,
) -> Result<Manifest, PortabilityError> {
    let entry = reader
        .next()
        .await?
        .filter(|e| e.name == manifest::MANIFEST)
        .ok_or_else(|| refused("the archive does not start with its manifest"))?;
    let bytes = reader.body(&entry).await?;
    serde_json::from_slice(&bytes).map_err(|e| refused(format!("manifest: {e}")))
}

async fn read_trailer<R: AsyncRead + Unpin>(
    reader: &mut Reader<R>,
    next: Option<Entry>,
) -> Result<Checksums, PortabilityError> {
    let entry = next
        .filter(|e| e.name == manifest::CHECKSUMS)
        .ok_or_else(|| refused("unexpected member where the checksums belong"))?;
    let bytes = reader.body(&entry).await?;
    let trailer = serde_json::from_slice(&bytes).map_err(|e| refused(format!("checksums: {e}")))?;
    if reader.next().await?.is_some() {
        return Err(refused("members after the checksums"));
    }
    Ok(trailer)
}

/// Loads every table's members, in the manifest's order; a table without
/// members is empty. Returns the member after the data and each table's
/// digest.
async fn load_tables<R: AsyncRead + Unpin>(
    tx: &mut PgConnection,
    reader: &mut Reader<R>,
    manifest: &Manifest,
    schema: &SchemaName,
) -> Result<(Option<Entry>, Vec<TableSum>), PortabilityError> {
    let mut digests: Vec<(u64, String)> =
        vec![StreamDigest::default().finish(); manifest.tables.len()];
    let mut next = reader.next().await?;
    let mut first_free = 0;
    while let Some(entry) = next.take_if(|e| e.name.starts_with("data/")) {
        let (index, table, chunk) = manifest::parse_data_member(&entry.name)
            .ok_or_else(|| refused(format!("unexpected member {}", entry.name)))?;
        let shape = manifest
            .tables
            .get(index)
            .map(|t| &t.shape)
            .filter(|s| s.name == table && index >= first_free && chunk == 0)
            .ok_or_else(|| refused(format!("unexpected member {}", entry.name)))?;
        let (after, digest) = load_table(tx, reader, schema, index, shape, entry).await?;
        digests[index] = digest;
        first_free = index + 1;
        next = after;
    }
    let sums = manifest
        .tables
        .iter()
        .zip(digests)
        .map(|(t, (rows, sha256))| TableSum {
            name: t.shape.name.clone(),
            rows,
            sha256,
        })
        .collect();
    Ok((next, sums))
}

/// One table: its members in order into one COPY. Returns the member
/// after them and the digest of what was sent.
async fn load_table<R: AsyncRead + Unpin>(
    tx: &mut PgConnection,
    reader: &mut Reader<R>,
    schema: &SchemaName,
    index: usize,
    shape: &super::tables::TableShape,
    first: Entry,
) -> Result<(Option<Entry>, (u64, String)), PortabilityError> {
    let mut copy = tx.copy_in_raw(&copy::copy_in(schema, shape)).await?;
    let mut digest = StreamDigest::default();
    let mut entry = first;
    let mut chunk = 0;
    loop {
        let body = reader.body(&entry).await?;
        digest.update(&body);
        copy.send(body).await?;
        let next = reader.next().await?;
        let follows = next
            .as_ref()
            .and_then(|e| manifest::parse_data_member(&e.name))
            == Some((index, shape.name.as_str(), chunk + 1));
        match (follows, next) {
            (true, Some(following)) => {
                entry = following;
                chunk += 1;
            }
            (_, next) => {
                let rows = copy.finish().await?;
                let (counted, sha) = digest.finish();
                if rows != counted {
                    return Err(refused(format!("{}: row count differs", shape.name)));
                }
                return Ok((next, (rows, sha)));
            }
        }
    }
}

/// Puts each identity sequence where the source's stood, so new rows
/// continue after the imported ids (COPY does not advance them).
async fn set_sequences(
    tx: &mut PgConnection,
    manifest: &Manifest,
    schema: &SchemaName,
) -> Result<(), PortabilityError> {
    for table in &manifest.tables {
        let name = format!("{schema}.{}", table.shape.name);
        for (column, value) in table.shape.identity.iter().zip(&table.sequences) {
            let Some(value) = value else { continue };
            sqlx::query!(
                "SELECT setval(pg_get_serial_sequence($1, $2), $3, true)",
                name,
                column,
                value
            )
            .fetch_one(&mut *tx)
            .await?;
        }
    }
    Ok(())
}
