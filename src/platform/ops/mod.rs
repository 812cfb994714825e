//! Operations of the platform for the console: the job queue ([`jobs`]:
//! counts, a filtered list, the retry of a failed or dead job) and the
//! migration registry ([`migrations`]: what this binary knows, where the
//! schemas stand, the retry of a quarantined tenant). Every retry is
//! audited in the transaction that makes it.
//!
//! The SQL of the queue and of the migration runner stays in `jobs` and
//! `db::migrate`, shared with `tessera jobs` and `tessera migrate`; only the
//! registry's read-only views are written here.

pub mod jobs;
pub mod migrations;

use crate::config::Config;
use crate::db::Platform;
use crate::db::migrate::TenantMigrationOptions;

/// The console's operations service. Cheap to clone.
#[derive(Clone)]
pub struct Ops {
    platform: Platform,
    /// `db.migrate_parallelism`, as `tessera migrate` uses it.
    parallelism: usize,
    /// `migrate.max_failures`.
    max_failures: u64,
}

impl Ops {
    pub fn new(platform: Platform, config: &Config) -> Self {
        Self {
            platform,
            parallelism: config.db.migrate_parallelism,
            max_failures: config.migrate.max_failures,
        }
    }

    /// The options of a tenant migration run, as the command line sets them.
    fn migration_options(&self) -> TenantMigrationOptions {
        TenantMigrationOptions {
            parallelism: self.parallelism,
            max_failures: self.max_failures,
            ..TenantMigrationOptions::default()
        }
    }
}
