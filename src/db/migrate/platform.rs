//! Brings the `platform` schema up to date, one transaction per migration,
//! each under a transaction-level advisory lock so that concurrent starts
//! apply each file once.

use sqlx::{Acquire, AssertSqlSafe, PgConnection};

use super::{MigrateError, MigrationSet};
use crate::db::Platform;

/// Advisory lock key shared by every Tessera instance ("tssr").
const LOCK_KEY: i64 = 0x7473_7372;

const BOOTSTRAP: &str = "
CREATE SCHEMA IF NOT EXISTS platform;
CREATE TABLE IF NOT EXISTS platform.schema_migrations (
    version    bigint PRIMARY KEY,
    name       text NOT NULL,
    checksum   bytea NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);";

/// Applies pending platform migrations; returns how many ran.
///
/// Each migration runs in its own transaction, which first takes a
/// transaction-level advisory lock and then re-reads what is applied: the
/// lock goes away with the transaction whatever happens (an error, a
/// cancelled future, a pooler between us and PostgreSQL), so it can never
/// be left held on a pooled connection.
pub async fn migrate(pool: &Platform, set: &MigrationSet) -> Result<usize, MigrateError> {
    let mut conn = pool.acquire().await?;
    bootstrap(&mut conn).await?;
    let mut count = 0;
    for migration in set.iter() {
        let mut tx = conn.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *tx)
            .await?;
        if is_applied(&mut tx, migration.version, &migration.checksum).await? {
            continue;
        }
        let failed = |source| MigrateError::Platform {
            version: migration.version,
            name: migration.name.clone(),
            source,
        };
        sqlx::raw_sql(AssertSqlSafe(migration.sql.clone()))
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query(
            "INSERT INTO platform.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(&migration.name)
        .bind(&migration.checksum)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version = migration.version, name = %migration.name, "platform migration applied");
        count += 1;
    }
    Ok(count)
}

/// The schema and the bookkeeping table, created under the same lock so
/// that two first starts do not race on `CREATE … IF NOT EXISTS`.
async fn bootstrap(conn: &mut PgConnection) -> Result<(), MigrateError> {
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(BOOTSTRAP).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `version` is recorded; an edited file (another checksum) is an error.
async fn is_applied(
    conn: &mut PgConnection,
    version: i64,
    checksum: &[u8],
) -> Result<bool, MigrateError> {
    let recorded: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT checksum FROM platform.schema_migrations WHERE version = $1")
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?;
    match recorded {
        Some(recorded) if recorded != checksum => Err(MigrateError::Changed { version }),
        Some(_) => Ok(true),
        None => Ok(false),
    }
}
