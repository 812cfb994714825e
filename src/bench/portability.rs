//! W9: a tenant's export and import among many tenants, each timed as a
//! ratio against `pg_dump -n` of the same schema in the same run (the
//! design's target: an export at most 0.2 × `pg_dump -n`, whose catalog
//! reads grow with the number of schemas while ours do not).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Timings;
use crate::portability::{ImportOptions, Portability};
use crate::tenancy::Slug;
use crate::tenancy::audit::Actor;

#[derive(Debug, Clone, Serialize)]
pub struct PortabilityReport {
    pub tenants: i64,
    pub rows: u64,
    pub archive_bytes: u64,
    pub pg_dump_bytes: u64,
    pub export: Timings,
    pub import: Timings,
    pub pg_dump: Timings,
    pub export_vs_pg_dump: f64,
    pub import_vs_pg_dump: f64,
}

/// The `pg_dump` to compare with: the newest installed, and the URL of
/// the database.
pub struct PgDump {
    pub binary: PathBuf,
    pub url: String,
    /// Given as `PGPASSWORD` (the embedded cluster's, read from its file).
    pub password: Option<String>,
}

impl PgDump {
    /// `pg_dump` from the newest `/usr/lib/postgresql/*/bin`, else `PATH`.
    pub fn find(url: String, password: Option<String>) -> Self {
        let mut installed: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        installed.sort_by_key(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("0");
            name.parse::<u32>().unwrap_or(0)
        });
        let binary = installed
            .last()
            .map(|dir| dir.join("bin/pg_dump"))
            .filter(|p| p.exists())
            .unwrap_or_else(|| PathBuf::from("pg_dump"));
        Self {
            binary,
            url,
            password,
        }
    }

    async fn dump(&self, schema: &str, to: &std::path::Path) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut command = tokio::process::Command::new(&self.binary);
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        let status = command
            .arg("--dbname")
            .arg(&self.url)
            .args(["-n", schema, "-f"])
            .arg(to)
            .status()
            .await?;
        anyhow::ensure!(status.success(), "pg_dump failed: {status}");
        Ok(started.elapsed())
    }
}

/// Exports `slug` `runs` times, imports the archive `runs` times under new
/// slugs (each copy purged after), and runs `pg_dump -n` `runs` times.
pub async fn run(
    portability: &Portability,
    slug: &Slug,
    pg_dump: &PgDump,
    runs: usize,
) -> anyhow::Result<PortabilityReport> {
    let actor = Actor::from("bench");
    let dir = tempfile::tempdir()?;
    let archive = dir.path().join("archive.tar");
    let (mut exports, mut imports, mut dumps) = (Vec::new(), Vec::new(), Vec::new());
    let mut exported = None;
    for _ in 0..runs {
        let file = tokio::fs::File::create(&archive).await?;
        let started = Instant::now();
        let (_, summary) = portability.export(slug, file, &actor).await?;
        exports.push(started.elapsed());
        exported = Some(summary);
    }
    let exported = exported.ok_or_else(|| anyhow::anyhow!("no run"))?;
    let schema = format!("t_{}", exported.tenant_id);
    let dump = dir.path().join("dump.sql");
    for _ in 0..runs {
        dumps.push(pg_dump.dump(&schema, &dump).await?);
    }
    for n in 0..runs {
        let copy = Slug::parse(&format!("w9-copy-{}-{n}", std::process::id()))?;
        let options = ImportOptions {
            slug: Some(copy.clone()),
            without_custom_domains: true,
        };
        let input = tokio::io::BufReader::new(tokio::fs::File::open(&archive).await?);
        let started = Instant::now();
        portability.import(input, &options, &actor).await?;
        imports.push(started.elapsed());
        portability.purge_now(&copy, &actor).await?;
    }
    let tenants = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM platform.tenants"#)
        .fetch_one(portability.provisioner().pool())
        .await?;
    let (export, import, pg_dump) = (
        Timings::from_samples(&exports),
        Timings::from_samples(&imports),
        Timings::from_samples(&dumps),
    );
    Ok(PortabilityReport {
        tenants,
        rows: exported.rows,
        archive_bytes: exported.bytes,
        pg_dump_bytes: std::fs::metadata(&dump)?.len(),
        export_vs_pg_dump: export.median_ms / pg_dump.median_ms,
        import_vs_pg_dump: import.median_ms / pg_dump.median_ms,
        export,
        import,
        pg_dump,
    })
}
