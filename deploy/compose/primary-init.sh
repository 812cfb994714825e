#!/bin/bash
# Runs once, when the primary's data folder is created: the roles the
# replica and pgbouncer log in with, and pgbouncer's auth_query function.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" <<SQL
CREATE ROLE replication WITH REPLICATION LOGIN PASSWORD 'replication-demo';
CREATE ROLE pgbouncer LOGIN PASSWORD 'pgbouncer-demo';
SQL
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -f /docker-entrypoint-initdb.d/auth.sql.in
echo "host replication replication all scram-sha-256" >> "$PGDATA/pg_hba.conf"
