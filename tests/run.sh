#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# when it is missing, then formatting, lints, unit and integration tests.
#
# Integration tests start a private PostgreSQL cluster from the installed
# server binaries, unless DATABASE_URL names a database whose role may
# CREATE DATABASE.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

have_postgres() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

packages=()
if [ -z "${DATABASE_URL:-}" ] && ! have_postgres; then packages+=(postgresql); fi
# Browser tests drive Debian's Chromium through chromedriver.
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
# The OpenAPI test validates the document with openapi-spec-validator (PyPI) in a venv.
python3 -c 'import ensurepip' >/dev/null 2>&1 || packages+=(python3-venv)
# Receipt tests read their PDFs' text with poppler's pdftotext.
command -v pdftotext >/dev/null 2>&1 || packages+=(poppler-utils)
# SEPA tests validate their files against the ISO 20022 schema with libxml2's xmllint.
command -v xmllint >/dev/null 2>&1 || packages+=(libxml2-utils)
# Certificate tests get theirs from a real ACME server: Let's Encrypt's Pebble
# (with its DNS helper, pebble-challtestsrv).
command -v pebble >/dev/null 2>&1 || packages+=(pebble)
# The integration tests run a second time through pgbouncer (transaction mode).
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || packages+=(pgbouncer)
# The resilience tests put HAProxy (deploy/haproxy/haproxy.cfg) in front of two instances.
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || packages+=(haproxy)
# deploy/prometheus/alerts.yml is checked and unit-tested with promtool.
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
# The systemd unit in deploy/ is checked with systemd-analyze verify.
command -v systemd-analyze >/dev/null 2>&1 || packages+=(systemd)
if [ ${#packages[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${packages[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# Document tests run against a real S3-compatible server: s3s-fs, built from
# crates.io (pinned: later releases need a newer rustc than ours).
if ! command -v s3s-fs >/dev/null 2>&1 && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs" ]; then
  echo "tests/run.sh: installing s3s-fs"
  cargo install --locked s3s-fs@0.14.1 --features binary
fi

for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done

# Queries are checked against .sqlx/ (see .ci/sqlx-prepare), not a live database.
export SQLX_OFFLINE=true
# A clean clone builds once: incremental state would only take disk.
export CARGO_INCREMENTAL=0

echo "== layers (no import points up a layer)"
python3 .ci/layers
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test
echo "== integration tests again, through pgbouncer in transaction mode"
TESSERA_TEST_POOLER=pgbouncer cargo test --test api
echo "screenshots of the demo tenants: target/screenshots/"
