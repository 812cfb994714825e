//! `tessera doctor`: what an operator checks after installing or upgrading,
//! in one command: the configuration as understood, PostgreSQL reachable and
//! recent enough, the pooler, migrations pending or refused, quarantined
//! schemas, the job queue's dead letters and certificates about to expire.
//! Nothing is changed. Exit code 0 unless a check failed (warnings pass).

use std::fmt;
use std::process::ExitCode;

use chrono::{Duration, Utc};

use super::DatabaseHandle;
use crate::config::{Config, PRIMARY_NODE};
use crate::crypto::Keyring;
use crate::db::Database;
use crate::db::migrate::{self, MigrationSet};

/// Certificates ending within this many days are reported.
const CERTIFICATE_WARNING_DAYS: i64 = 14;
/// The PostgreSQL release Tessera is tested with.
const TESTED_SERVER_VERSION: i32 = 150_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ok,
    Warn,
    Fail,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "FAIL",
        })
    }
}

struct Check {
    name: &'static str,
    verdict: Verdict,
    detail: String,
}

impl Check {
    fn new(name: &'static str, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self {
            name,
            verdict,
            detail: detail.into(),
        }
    }
}

pub async fn run(config: Config) -> anyhow::Result<ExitCode> {
    let mut checks = vec![
        Check::new("configuration", Verdict::Ok, summary(&config)),
        sealing_keys(&config),
    ];
    match DatabaseHandle::open(&config).await {
        Ok(handle) => {
            checks.extend(database_checks(&handle.db, &config).await);
            handle.close().await?;
        }
        Err(error) => checks.push(Check::new("database", Verdict::Fail, format!("{error:#}"))),
    }
    for check in &checks {
        println!("{:<5} {:<14} {}", check.verdict, check.name, check.detail);
    }
    let failed = checks.iter().any(|check| check.verdict == Verdict::Fail);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// What the configuration says, without a secret.
fn summary(config: &Config) -> String {
    let database = if config.database_url.is_some() {
        "external"
    } else {
        "embedded"
    };
    let pooler = config
        .db
        .pooler
        .as_ref()
        .map_or("none".to_owned(), |p| format!("{}:{}", p.host, p.port));
    format!(
        "platform {}, tenants under {}, database {database}, pooler {pooler}, storage {:?}, https {}",
        config.platform_host,
        config.base_domain,
        config.storage.backend,
        config
            .tls
            .https_port
            .map_or("off".to_owned(), |port| format!("on port {port}")),
    )
}

/// The keyring of `[crypto]`, checked without making a key file.
fn sealing_keys(config: &Config) -> Check {
    match Keyring::configured(&config.crypto) {
        Ok(Some(ring)) => Check::new(
            "keyring",
            Verdict::Ok,
            format!(
                "keys {}; new values sealed with {}",
                ring.ids().collect::<Vec<_>>().join(", "),
                ring.active_id()
            ),
        ),
        Ok(None) => Check::new(
            "keyring",
            Verdict::Warn,
            format!(
                "no crypto.keys: the key file {} is used (made at first start); \
                 give every instance the same keys, and back them up apart from the database",
                config.data_dir.join(crate::crypto::KEY_FILE).display()
            ),
        ),
        Err(error) => Check::new("keyring", Verdict::Fail, error.to_string()),
    }
}

async fn database_checks(db: &Database, config: &Config) -> Vec<Check> {
    let mut checks = vec![server_version(db).await];
    if config.db.pooler.is_some() {
        checks.push(match db.ping_tenant_side(PRIMARY_NODE).await {
            Ok(()) => Check::new(
                "pooler",
                Verdict::Ok,
                "the tenant pools' connections answer",
            ),
            Err(error) => Check::new("pooler", Verdict::Fail, error.to_string()),
        });
    }
    let (migrations, created) = migrations(db).await;
    checks.push(migrations);
    if db.other_nodes().next().is_some() {
        checks.push(nodes(db).await);
    }
    // An empty database has no queue nor certificates to read yet.
    if created {
        checks.push(dead_jobs(db).await);
        checks.push(certificates(db).await);
    }
    checks
}

async fn server_version(db: &Database) -> Check {
    match db.server_version().await {
        Ok((number, text)) if number >= TESTED_SERVER_VERSION => {
            Check::new("postgresql", Verdict::Ok, format!("reachable, {text}"))
        }
        Ok((_, text)) => Check::new(
            "postgresql",
            Verdict::Warn,
            format!("{text}: Tessera is tested with PostgreSQL 15 and later"),
        ),
        Err(error) => Check::new("postgresql", Verdict::Fail, error.to_string()),
    }
}

/// The check, and whether the platform schema exists.
async fn migrations(db: &Database) -> (Check, bool) {
    let (platform_set, tenant_set) = (MigrationSet::platform(), MigrationSet::tenant());
    let status = match migrate::status::status(db.platform(), &platform_set, &tenant_set).await {
        Ok(status) => status,
        Err(error) if migrate::status::is_missing_table(&error) => {
            let empty = "the database is empty: `tessera migrate` (or `serve`) creates it";
            return (Check::new("migrations", Verdict::Warn, empty), false);
        }
        Err(error) => {
            return (
                Check::new("migrations", Verdict::Fail, error.to_string()),
                false,
            );
        }
    };
    if let Err(error) = status.verify(&tenant_set) {
        return (
            Check::new("migrations", Verdict::Fail, error.to_string()),
            true,
        );
    }
    let (platform, tenants) = status.pending();
    let verdict = if platform + tenants + status.quarantined == 0 {
        Verdict::Ok
    } else {
        Verdict::Warn
    };
    let detail = format!(
        "{platform} platform and {tenants} tenant migrations pending, {} schemas quarantined \
         (platform at {}, tenants at {})",
        status.quarantined,
        platform_set.latest(),
        tenant_set.latest(),
    );
    (Check::new("migrations", verdict, detail), true)
}

/// Each `[[db.nodes]]` server: reachable, at this binary's migrations, and
/// its app role let in (through its pooler, if any).
async fn nodes(db: &Database) -> Check {
    let mut problems = Vec::new();
    for (name, owner) in db.other_nodes() {
        if let Err(error) = migrate::status::require_current(owner).await {
            problems.push(format!("{name}: {error}"));
        } else if let Err(error) = db.ping_tenant_side(name).await {
            problems.push(format!("{name}: tenant connections: {error}"));
        }
    }
    let names: Vec<&str> = db.other_nodes().map(|(name, _)| name).collect();
    match problems.is_empty() {
        true => Check::new(
            "nodes",
            Verdict::Ok,
            format!("{} reachable and migrated", names.join(", ")),
        ),
        false => Check::new("nodes", Verdict::Fail, problems.join("; ")),
    }
}

async fn dead_jobs(db: &Database) -> Check {
    match crate::jobs::overview::counts(db.platform()).await {
        Ok(counts) if counts.dead == 0 => Check::new(
            "jobs",
            Verdict::Ok,
            format!(
                "{} pending, {} retrying, none dead",
                counts.pending, counts.failed
            ),
        ),
        Ok(counts) => Check::new(
            "jobs",
            Verdict::Warn,
            format!(
                "{} dead-lettered (`tessera jobs list --dead`), {} pending, {} retrying",
                counts.dead, counts.pending, counts.failed
            ),
        ),
        Err(error) => Check::new("jobs", Verdict::Fail, error.to_string()),
    }
}

async fn certificates(db: &Database) -> Check {
    let list = match crate::tls::operators::list(db.platform()).await {
        Ok(list) => list,
        Err(error) => return Check::new("certificates", Verdict::Fail, error.to_string()),
    };
    let soon = Utc::now() + Duration::days(CERTIFICATE_WARNING_DAYS);
    let ending: Vec<&str> = list
        .iter()
        .filter(|c| c.not_after.is_some_and(|end| end < soon))
        .map(|c| c.hostname.as_str())
        .collect();
    if ending.is_empty() {
        let detail = format!(
            "{} kept, none ending within {CERTIFICATE_WARNING_DAYS} days",
            list.len()
        );
        return Check::new("certificates", Verdict::Ok, detail);
    }
    Check::new(
        "certificates",
        Verdict::Warn,
        format!(
            "ending within {CERTIFICATE_WARNING_DAYS} days: {} (`tessera certs list`)",
            ending.join(", ")
        ),
    )
}
