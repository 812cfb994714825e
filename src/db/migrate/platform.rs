//! Brings the `platform` schema up to date, one transaction per migration,
//! under an advisory lock so that concurrent starts apply each file once.

use sqlx::{Acquire, AssertSqlSafe, PgConnection, PgPool};

use super::{MigrateError, MigrationSet};

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
pub async fn migrate(pool: &PgPool, set: &MigrationSet) -> Result<usize, MigrateError> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    let result = apply_pending(&mut conn, set).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    result
}

async fn apply_pending(conn: &mut PgConnection, set: &MigrationSet) -> Result<usize, MigrateError> {
    sqlx::raw_sql(BOOTSTRAP).execute(&mut *conn).await?;
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM platform.schema_migrations")
            .fetch_all(&mut *conn)
            .await?;
    let mut count = 0;
    for migration in set.iter() {
        match applied
            .iter()
            .find(|(version, _)| *version == migration.version)
        {
            Some((_, checksum)) if *checksum != migration.checksum => {
                return Err(MigrateError::Changed {
                    version: migration.version,
                });
            }
            Some(_) => continue,
            None => {}
        }
        let mut tx = conn.begin().await?;
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
