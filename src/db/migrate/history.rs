//! What each tenant schema applied, read from `platform.tenant_schema_migrations`
//! of the database that holds it: checked by the runner, carried by exports.

use sqlx::PgConnection;

use crate::model::SchemaName;

/// A migration a schema applied, as recorded beside it.
pub struct Applied {
    pub version: i64,
    pub checksum: Vec<u8>,
}

/// The migrations `schema` applied, in order, from the registry of the
/// database that holds it.
pub async fn applied(
    conn: &mut PgConnection,
    schema: &SchemaName,
) -> Result<Vec<Applied>, sqlx::Error> {
    sqlx::query_as!(
        Applied,
        "SELECT version, checksum FROM platform.tenant_schema_migrations
         WHERE schema_name = $1 ORDER BY version",
        schema.as_str()
    )
    .fetch_all(&mut *conn)
    .await
}
