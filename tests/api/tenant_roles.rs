//! A tenant role's rights (`platform.grant_tenant_role`): every table, view
//! and sequence of its own schema, those there when the role is made and
//! those created later, and nothing in another schema.

use sqlx::Connection;

use crate::helpers::migrated_database;

#[tokio::test]
async fn a_tenant_role_gets_its_schemas_relations_before_and_after_and_nothing_else() {
    let options = migrated_database().await;
    let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    let (mine, theirs) = ("spare_900001", "spare_900002");
    let before = format!(
        "CREATE SCHEMA {mine};
         CREATE TABLE {mine}.early (id bigserial PRIMARY KEY, note text);
         CREATE VIEW {mine}.early_notes AS SELECT note FROM {mine}.early;
         CREATE SCHEMA {theirs};
         CREATE TABLE {theirs}.other (id bigserial PRIMARY KEY);"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(before))
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT platform.grant_tenant_role($1)")
        .bind(mine)
        .execute(&mut *tx)
        .await
        .unwrap();
    let after = format!("CREATE TABLE {mine}.late (id bigserial PRIMARY KEY)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(after))
        .execute(&mut *tx)
        .await
        .unwrap();

    let rights: Vec<(String, bool)> = sqlx::query_as(
        "WITH r AS (SELECT platform.tenant_role($1) AS role)
         SELECT what, granted FROM r, LATERAL (VALUES
           ('write early', has_table_privilege(role, $1 || '.early', 'INSERT, UPDATE, DELETE')),
           ('read early', has_table_privilege(role, $1 || '.early', 'SELECT')),
           ('read the view', has_table_privilege(role, $1 || '.early_notes', 'SELECT')),
           ('early sequence', has_sequence_privilege(role, $1 || '.early_id_seq', 'USAGE, SELECT')),
           ('write late', has_table_privilege(role, $1 || '.late', 'INSERT, UPDATE, DELETE')),
           ('late sequence', has_sequence_privilege(role, $1 || '.late_id_seq', 'USAGE')),
           ('truncate early', has_table_privilege(role, $1 || '.early', 'TRUNCATE')),
           ('read theirs', has_table_privilege(role, $2 || '.other', 'SELECT')),
           ('their sequence', has_sequence_privilege(role, $2 || '.other_id_seq', 'USAGE'))
         ) AS v (what, granted)",
    )
    .bind(mine)
    .bind(theirs)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let granted: Vec<&str> = rights
        .iter()
        .filter(|(_, granted)| *granted)
        .map(|(what, _)| what.as_str())
        .collect();
    assert_eq!(
        granted,
        [
            "write early",
            "read early",
            "read the view",
            "early sequence",
            "write late",
            "late sequence"
        ],
        "{rights:?}"
    );
    tx.rollback().await.unwrap();
}
