#!/bin/bash
# The standby: cloned from the primary on first start (pg_basebackup -R
# writes standby.signal and the connection), then PostgreSQL in recovery.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h postgres -U replication -D "$PGDATA" -R -X stream -c fast; do
    sleep 2
  done
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
