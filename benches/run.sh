#!/usr/bin/env bash
# Benchmark harness: one command, from a clean clone.
#
#   benches/run.sh [workload…]      workloads: floor-http floor-db floor-db-w2 w1 w1-br w1-nocache clicks
#                                   sse w2 dashboard w3 w1-w3 w4 platform w5 w6 w7 (default: all of them, in that order)
# platform: W4 through the white-label API, and sign-up to live (a server
# started inside `tessera bench platform`).
#
# w3 signs in (argon2id, a session, an audit row per request) as the bench
# member of a random tenant; w1-w3 runs W1 and W3 at once and reports W1's
# latency under the sign-in load (W1 alone is the `w1` run).
# w2 lists payments through the API (GET /api/v1/payments?limit=50) as the
# treasurer of a random tenant (bearer tokens from one log-in per tenant,
# taken just before); floor-db-w2 is W2's SQL without HTTP. w6 exports
# 100,000 payments as CSV from a server started for it alone: wall time,
# and its peak RSS after exporting 10,000 then 100,000 rows; then the same
# payments as the payments report in XLSX (time, size, peak RSS after).
# dashboard GETs /dashboard/ (a private page, never cached: the default
# treasurer layout, 11 widgets computed per request) with the session of a
# random tenant's treasurer (one sign-in per tenant for tenants 3..52, the
# 400-payment ones, taken just before), over BENCH_DASH_CONNECTIONS
# connections; then times 30 pages of tenant 1 (W6's 100,000 payments) one
# after the other.
# w1 runs the server as shipped (page cache on); w1-br is the same with
# `Accept-Encoding: br`, as browsers send it; w1-nocache runs a second
# server with the page cache off, so every request reads the database.
#
# sse opens BENCH_SSE_STREAMS live-figure streams (/api/v1/dashboard/stream)
# over BENCH_SSE_TENANTS tenants on a server of its own (treasurers log in
# on the main one), reads that server's VmRSS before and after, then
# publishes one event per tenant and times its arrival on every stream.
#
# w7 runs `tessera bench tls`: TLS 1.3 handshakes with SNI over 1,000
# certificates (P-256), Tessera (a `tessera serve` child loading them from
# platform.certificates) then Caddy (Debian's `caddy`, the same certificates
# from files) then a bare tokio-rustls SNI map (the floor), each its own
# process; run after the HTTP servers are stopped. `benches/run.sh w7` alone
# seeds nothing and starts no HTTP server.
#
# Builds release, seeds the `bench` data set (tessera bench seed), starts
# Tessera on it (embedded PostgreSQL with default settings in
# target/bench/data, or DATABASE_URL), installs wrk if missing, runs the
# workloads, prints a table and appends it to BENCHMARKS.md with the machine,
# date, commit and command. Figures are ratios to the lower floor measured in
# the same run (see ../shared/BENCHMARK.md).
#
# w8 (not in the default list: about 30 minutes, and some 60 GB of disk)
# seeds BENCH_W8_TENANTS (10,000) tenants in target/bench/data-w8 (kept),
# serves them with the page cache off and BENCH_W8_SHARDS tenant-affine
# shards recycled after BENCH_W8_LIFETIME s, runs W1 over 200 of them for
# BENCH_W8_BASE_SECONDS then over all for BENCH_W8_SECONDS while
# PostgreSQL's PSS is sampled every 15 s; then W4, W9 and W5 at that size.
#
# Knobs (environment): BENCH_TENANTS=200  BENCH_LARGE_TENANTS=2000
# BENCH_SECONDS=20  BENCH_WARMUP=5  BENCH_CONNECTIONS=64  BENCH_PORT=18090
# BENCH_W4_COUNT=100  BENCH_W3_CONNECTIONS=16  BENCH_DASH_CONNECTIONS=8  BENCH_W6_ROWS=100000  BENCH_NO_RECORD=1 (print only, do not touch BENCHMARKS.md)
# BENCH_SSE_STREAMS=500  BENCH_SSE_TENANTS=10 (at most 50 streams per tenant, the default bound)
# BENCH_W7_NAMES=1000  BENCH_W7_LOOPS=64  BENCH_W7_SECONDS=10  BENCH_W7_WARMUP=2  BENCH_W7_ROUNDS=1  BENCH_CADDY=caddy
# CARGO_TARGET_DIR is honoured (the release binary is looked for there).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(floor-http floor-db floor-db-w2 w1 w1-br w1-nocache clicks sse w2 dashboard w3 w1-w3 w4 platform w5 w6 w7)
tenants=${BENCH_TENANTS:-200}
large=${BENCH_LARGE_TENANTS:-2000}
seconds=${BENCH_SECONDS:-20}
warmup=${BENCH_WARMUP:-5}
connections=${BENCH_CONNECTIONS:-64}
port=${BENCH_PORT:-18090}
w4_count=${BENCH_W4_COUNT:-100}
w3_connections=${BENCH_W3_CONNECTIONS:-16}
dash_connections=${BENCH_DASH_CONNECTIONS:-8}
w6_rows=${BENCH_W6_ROWS:-100000}
sse_streams=${BENCH_SSE_STREAMS:-500}
sse_tenants=${BENCH_SSE_TENANTS:-10}
data=$root/target/bench/data
out=$root/target/bench/out
w7_names=${BENCH_W7_NAMES:-1000}
w7_loops=${BENCH_W7_LOOPS:-64}
w7_seconds=${BENCH_W7_SECONDS:-10}
w7_warmup=${BENCH_W7_WARMUP:-2}
w7_rounds=${BENCH_W7_ROUNDS:-1}
caddy=${BENCH_CADDY:-caddy}
bin=${CARGO_TARGET_DIR:-$root/target}/release/tessera
rm -rf "$out"; mkdir -p "$out" "$data"
wants() { local w; for w in "${workloads[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
log() { printf '\n== %s\n' "$*" >&2; }
# Whether any workload needs the data set and the HTTP servers (W7 does not).
needs_http=false
for w in "${workloads[@]}"; do [ "$w" = w7 ] || [ "$w" = w8 ] || needs_http=true; done
apt_install() { # package
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq "$1" >/dev/null; else sudo apt-get install -y -qq "$1" >/dev/null; fi
}

if { $needs_http || wants w8; } && ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  apt_install wrk
fi
if wants w7 && ! command -v "$caddy" >/dev/null 2>&1; then
  log "installing caddy"
  apt_install caddy
fi

log "building release"
cargo build --release --quiet
if wants floor-db || wants floor-db-w2; then
  cargo bench --bench floor_db --no-run --quiet 2>/dev/null
fi

tessera() { "$bin" --data-dir "$data" "$@"; }
export TESSERA_LOG__FILTER=${TESSERA_LOG__FILTER:-warn}

if $needs_http; then
  log "seeding the data set: $tenants tenants"
  tessera bench seed --tenants "$tenants" --hosts-file "$out/hosts.tsv" --export-rows "$w6_rows" > "$out/seed.json"
fi

started=""
start_server() { # port page-cache(true|false) log [job-workers]; sets $started to the pid
  # The API's per-address rate limit would throttle a load generator on
  # one address: lifted for the measurement.
  TESSERA_API__RATE_PER_SECOND=1000000 TESSERA_API__RATE_BURST=1000000 TESSERA_JOBS__WORKERS=${4:-2} \
  TESSERA_BENCH_ROUTES=true TESSERA_HTTP__PORT=$1 TESSERA_WARM_POOL__SIZE=0 TESSERA_CACHE__PAGES=$2 \
    "$bin" --data-dir "$data" serve > "$3" 2>&1 &
  started=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$3" >&2
  exit 1
}
stop_servers() {
  # The first server started the embedded cluster and stops it: stop it last.
  local pid
  for pid in ${clicker:-} ${streamer:-} ${exporter:-} ${nocache:-} ${server:-}; do
    kill -INT "$pid" 2>/dev/null || continue
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_servers EXIT
if $needs_http; then
  log "starting tessera serve on 127.0.0.1:$port (page cache on) and :$((port + 1)) (off)"
  start_server "$port" true "$out/server.log"; server=$started
  start_server "$((port + 1))" false "$out/server-nocache.log"; nocache=$started
fi

run_wrk() { # name url [lua]
  local name=$1 url=$2 script=${3:-}
  local extra=(); [ -n "$script" ] && extra=(-s "$script")
  W1_HOSTS=$out/hosts.tsv wrk -t2 -c"$connections" -d"${warmup}s" "${extra[@]}" "$url" > /dev/null
  W1_HOSTS=$out/hosts.tsv wrk -t2 -c"$connections" -d"${seconds}s" --latency "${extra[@]}" "$url" > "$out/$name.wrk"
  cat "$out/$name.wrk" >&2
}

if wants floor-http; then
  log "floor-http: fixed 2 KiB page, no database"
  run_wrk floor-http "http://127.0.0.1:$port/__bench/floor"
fi
if wants floor-db; then
  log "floor-db: W1's SQL through the pool, no HTTP"
  cargo bench --quiet --bench floor_db -- --data-dir "$data" --seconds "$seconds" --warmup "$warmup" \
    --tasks "$connections" > "$out/floor-db.json"
  cat "$out/floor-db.json" >&2
fi
if wants floor-db-w2; then
  log "floor-db-w2: W2's SQL through the pool, no HTTP"
  cargo bench --quiet --bench floor_db -- --data-dir "$data" --seconds "$seconds" --warmup "$warmup" \
    --tasks "$connections" --workload w2 > "$out/floor-db-w2.json"
  cat "$out/floor-db-w2.json" >&2
fi
if wants w1; then
  log "W1: GET / on a random tenant per request (page cache on)"
  run_wrk w1 "http://127.0.0.1:$port/" "$root/benches/w1.lua"
  grep VmHWM "/proc/$server/status" | awk '{print $2}' > "$out/w1.rss-kib"
fi
if wants w1-br; then
  log "W1 with Accept-Encoding: br (page cache on)"
  W1_ENCODING=br run_wrk w1-br "http://127.0.0.1:$port/" "$root/benches/w1.lua"
  grep VmHWM "/proc/$server/status" | awk '{print $2}' > "$out/w1-br.rss-kib"
fi
if wants clicks; then
  log "Click capture: GET /r/bench (redirect, cookie, click buffered) on a server of its own"
  clicks_before=$(tessera bench clicks --tenants "$tenants" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clicks"])')
  start_server "$((port + 3))" true "$out/server-clicks.log"; clicker=$started
  W1_HOSTS=$out/hosts.tsv wrk -t2 -c"$connections" -d"${warmup}s" -s "$root/benches/clicks.lua" \
    "http://127.0.0.1:$((port + 3))/" > "$out/clicks-warmup.wrk"
  W1_HOSTS=$out/hosts.tsv wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$root/benches/clicks.lua" \
    "http://127.0.0.1:$((port + 3))/" > "$out/clicks.wrk"
  cat "$out/clicks.wrk" >&2
  # A clean stop writes what is still buffered: every redirect is a row.
  kill -INT "$clicker"; wait "$clicker" 2>/dev/null || true; clicker=""
  clicks_after=$(tessera bench clicks --tenants "$tenants" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clicks"])')
  echo "{\"written\": $((clicks_after - clicks_before))}" > "$out/clicks.json"
fi
if wants sse; then
  log "SSE: $sse_streams live-figure streams over $sse_tenants tenants on a server of its own"
  start_server "$((port + 4))" true "$out/server-sse.log"; streamer=$started
  tessera bench sse --port "$((port + 4))" --login-port "$port" --pid "$streamer" \
    --streams "$sse_streams" --tenants "$sse_tenants" > "$out/sse.json"
  # A clean stop ends every stream first (or it would wait for them).
  kill -INT "$streamer"; wait "$streamer" 2>/dev/null || true; streamer=""
fi
if wants w1-nocache; then
  log "W1 without the page cache: every request reads the database"
  run_wrk w1-nocache "http://127.0.0.1:$((port + 1))/" "$root/benches/w1.lua"
  grep VmHWM "/proc/$nocache/status" | awk '{print $2}' > "$out/w1-nocache.rss-kib"
fi
treasurer_token() { # port host: an access token of the tenant's treasurer
  local slug=${2%%.*}
  curl -s -H "Host: $2" -H 'Content-Type: application/json' \
    -d "{\"email\":\"treasurer@$slug.bench\",\"password\":\"bench treasurer phrase 2026\"}" \
    "http://127.0.0.1:$1/api/v1/auth/login" | sed -n -E 's/.*"access_token":"([^"]*)".*/\1/p'
}
collect_tokens() { # port: host<TAB>token for every tenant (one log-in each)
  local host token
  cut -f1 "$out/hosts.tsv" | while read -r host; do
    token=$(treasurer_token "$1" "$host")
    [ -n "$token" ] || { echo "no token for $host" >&2; exit 1; }
    printf '%s\t%s\n' "$host" "$token"
  done > "$out/tokens.tsv"
}
if wants w2; then
  log "W2: GET /api/v1/payments?limit=50 as a random tenant's treasurer"
  collect_tokens "$port"
  W2_TOKENS=$out/tokens.tsv run_wrk w2 "http://127.0.0.1:$port/api/v1/payments?limit=50" "$root/benches/w2.lua"
  grep VmHWM "/proc/$server/status" | awk '{print $2}' > "$out/w2.rss-kib"
fi
visitor_login() { # port host: "cookie<TAB>token" of the sign-in page
  local page cookie token
  page=$(curl -s -D "$out/login.head" -H "Host: $2" "http://127.0.0.1:$1/accounts/login/")
  cookie=$(tr -d '\r' < "$out/login.head" | sed -n -E 's/^[Ss]et-[Cc]ookie: (__Host-visitor=[^;]*);.*/\1/p' | head -1)
  token=$(printf '%s' "$page" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed -E 's/.*value="([^"]*)"/\1/')
  printf '%s\t%s' "$cookie" "$token"
}
collect_sessions() { # port first last: host<TAB>session cookie of the treasurer of tenants first..last
  local host pair cookie token session
  sed -n "$2,$3p" "$out/hosts.tsv" | cut -f1 | while read -r host; do
    pair=$(visitor_login "$1" "$host"); cookie=${pair%%$'\t'*}; token=${pair#*$'\t'}
    curl -s -o /dev/null -D "$out/session.head" -H "Host: $host" -H "Cookie: $cookie" \
      --data-urlencode "csrf_token=$token" --data-urlencode "email=treasurer@${host%%.*}.bench" \
      --data-urlencode "password=bench treasurer phrase 2026" "http://127.0.0.1:$1/accounts/login/"
    session=$(tr -d '\r' < "$out/session.head" | sed -n -E 's/^[Ss]et-[Cc]ookie: (__Host-session=[^;]*);.*/\1/p' | head -1)
    [ -n "$session" ] || { echo "no session for $host" >&2; exit 1; }
    printf '%s\t%s\n' "$host" "$session"
  done
}
if wants dashboard; then
  log "Dashboard: GET /dashboard/ as a random tenant's treasurer (uncached, $dash_connections connections)"
  # Tenants 1 and 2 hold W6's 100,000 and 10,000 payments: the workload
  # reads the 400-payment tenants 3..52; tenant 1's page is timed alone.
  collect_sessions "$port" 3 52 > "$out/sessions.tsv"
  DASH_SESSIONS=$out/sessions.tsv wrk -t2 -c"$dash_connections" -d"${warmup}s" -s "$root/benches/dashboard.lua" \
    "http://127.0.0.1:$port/dashboard/" > /dev/null
  DASH_SESSIONS=$out/sessions.tsv wrk -t2 -c"$dash_connections" -d"${seconds}s" --latency \
    -s "$root/benches/dashboard.lua" "http://127.0.0.1:$port/dashboard/" > "$out/dashboard.wrk"
  cat "$out/dashboard.wrk" >&2
  if [ "$w6_rows" -gt 0 ]; then
    large_session=$(collect_sessions "$port" 1 1 | cut -f2)
    large_host=$(head -n 1 "$out/hosts.tsv" | cut -f1)
    for _ in $(seq 1 30); do
      curl -s -o /dev/null -w '%{time_total}\n' -H "Host: $large_host" -H "Cookie: $large_session" \
        "http://127.0.0.1:$port/dashboard/"
    done > "$out/dashboard-large.times"
  fi
fi
collect_logins() { # port: one visitor cookie and CSRF token per tenant (50 tenants)
  local host head page cookie token
  head -n 50 "$out/hosts.tsv" | cut -f1 | while read -r host; do
    page=$(curl -s -D "$out/login.head" -H "Host: $host" "http://127.0.0.1:$1/accounts/login/")
    cookie=$(tr -d '\r' < "$out/login.head" | sed -n -E 's/^[Ss]et-[Cc]ookie: (__Host-visitor=[^;]*);.*/\1/p' | head -1)
    token=$(printf '%s' "$page" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed -E 's/.*value="([^"]*)"/\1/')
    printf '%s\t%s\t%s\n' "$host" "$cookie" "$token"
  done > "$out/logins.tsv"
}
run_w3() { # name: W3 for the warm-up and the measured seconds
  W3_LOGINS=$out/logins.tsv W3_EMAIL=member@bench.test W3_PASSWORD="bench sign-in phrase 2026" \
    wrk -t2 -c"$w3_connections" -d"$((warmup + seconds))s" --latency -s "$root/benches/w3.lua" \
    "http://127.0.0.1:$port/accounts/login/" > "$out/$1.wrk"
}
if wants w3 || wants w1-w3; then
  collect_logins "$port"
  tessera bench hash > "$out/hash.json"
fi
if wants w3; then
  log "W3: sign-ins ($w3_connections connections)"
  run_w3 w3
  cat "$out/w3.wrk" >&2
fi
if wants w1-w3; then
  log "W1 while W3 signs in"
  run_w3 w3-background &
  background=$!
  run_wrk w1-during-w3 "http://127.0.0.1:$port/" "$root/benches/w1.lua"
  wait "$background"
fi
if wants w4; then
  log "W4: $w4_count tenants, one after another"
  tessera bench provision --count "$w4_count" > "$out/w4-warm.json"
  tessera bench provision --count "$w4_count" --no-warm-pool > "$out/w4-cold.json"
fi
if wants platform; then
  log "W4 through the platform API ($w4_count tenants) and sign-up to live (20 associations)"
  tessera bench platform --creations "$w4_count" --signups 20 > "$out/platform.json"
fi
if wants w5; then
  log "W5: one migration across $tenants and $large tenants"
  tessera bench migrate --tenants "$tenants" > "$out/w5-small.json"
  tessera bench migrate --tenants "$large" > "$out/w5-large.json"
fi
if wants w6; then
  log "W6: CSV exports of $((w6_rows / 10)) then $w6_rows payments (a server of its own)"
  # No job worker on this one: its peak RSS is the export's alone (the
  # hourly reminder sweep of 200 tenants would otherwise land in it).
  start_server "$((port + 2))" false "$out/server-w6.log" 0; exporter=$started
  export_run() { # label host rows: three downloads, then the server's peak RSS
    local token lines
    # Signed in on the main server (same keys): the exporter never hashes a
    # password, so its peak RSS is the exports' own.
    token=$(treasurer_token "$port" "$2")
    for i in 1 2 3; do
      curl -s -o "$out/w6-$1.csv" -w '%{time_total} %{size_download} %{http_code}\n' \
        -H "Host: $2" -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$((port + 2))/api/v1/payments/export.csv" >> "$out/w6-$1.times"
    done
    lines=$(($(wc -l < "$out/w6-$1.csv") - 1))
    [ "$lines" = "$3" ] || echo "W6: $1 export has $lines rows, expected $3" >&2
    printf '%s\n' "$lines" > "$out/w6-$1.rows"
    grep VmHWM "/proc/$exporter/status" | awk '{print $2}' > "$out/w6-$1.rss-kib"
    rm -f "$out/w6-$1.csv"
  }
  host1=$(sed -n 1p "$out/hosts.tsv" | cut -f1); host2=$(sed -n 2p "$out/hosts.tsv" | cut -f1)
  export_run small "$host2" "$((w6_rows / 10))"
  export_run large "$host1" "$w6_rows"
  # The same payments as the XLSX of the payments report (rust_xlsxwriter in
  # constant-memory mode, then the file streamed), after the CSV runs.
  xlsx_run() { # host: three downloads, then the server's peak RSS
    local token from
    token=$(treasurer_token "$port" "$1"); from=$(date -d '-3650 days' +%F)
    for i in 1 2 3; do
      curl -s -o "$out/w6-xlsx.xlsx" -w '%{time_total} %{size_download} %{http_code}\n' \
        -H "Host: $1" -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$((port + 2))/api/v1/reports/payments?from=$from&format=xlsx" >> "$out/w6-xlsx.times"
    done
    grep VmHWM "/proc/$exporter/status" | awk '{print $2}' > "$out/w6-xlsx.rss-kib"
    rm -f "$out/w6-xlsx.xlsx"
  }
  xlsx_run "$host1"
fi
stop_servers
trap - EXIT
if wants w7; then
  log "W7: TLS handshakes over $w7_names certificates: Tessera, Caddy, then the tokio-rustls floor"
  tessera bench tls --names "$w7_names" --loops "$w7_loops" --seconds "$w7_seconds" \
    --warmup "$w7_warmup" --rounds "$w7_rounds" --caddy "$caddy" --work-dir "$out/w7" > "$out/w7.json"
  rm -rf "$out/w7/certs"
fi

if wants w8; then
  w8_tenants=${BENCH_W8_TENANTS:-10000}
  w8_data=$root/target/bench/data-w8
  w8_port=$((port + 5))
  mkdir -p "$w8_data"
  log "W8: seeding $w8_tenants tenants (kept in $w8_data)"
  "$bin" --data-dir "$w8_data" bench seed --tenants "$w8_tenants" --hosts-file "$out/w8-hosts.tsv" \
    > "$out/w8-seed.json"
  head -n 200 "$out/w8-hosts.tsv" > "$out/w8-hosts-200.tsv"
  TESSERA_DB__SHARDS=${BENCH_W8_SHARDS:-16} TESSERA_DB__MAX_CONNECTIONS=${BENCH_W8_SHARDS:-16} \
  TESSERA_DB__MAX_CONNECTION_LIFETIME_SECS=${BENCH_W8_LIFETIME:-120} \
  TESSERA_JOBS__WORKERS=0 TESSERA_HTTP__PORT=$w8_port TESSERA_WARM_POOL__SIZE=0 TESSERA_CACHE__PAGES=false \
    "$bin" --data-dir "$w8_data" serve > "$out/server-w8.log" 2>&1 &
  w8_server=$!
  trap 'kill -INT $w8_server 2>/dev/null; wait $w8_server 2>/dev/null' EXIT
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$w8_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  w8_wrk() { # name hosts seconds
    W1_HOSTS=$2 wrk -t2 -c"$connections" -d"${warmup}s" -s "$root/benches/w1.lua" "http://127.0.0.1:$w8_port/" > /dev/null
    W1_HOSTS=$2 wrk -t2 -c"$connections" -d"${3}s" --latency -s "$root/benches/w1.lua" \
      "http://127.0.0.1:$w8_port/" > "$out/$1.wrk"
    cat "$out/$1.wrk" >&2
  }
  log "W8: W1 over the first 200 tenants (the baseline), page cache off"
  w8_wrk w8-200 "$out/w8-hosts-200.tsv" "${BENCH_W8_BASE_SECONDS:-60}"
  log "W8: W1 over all $w8_tenants tenants for ${BENCH_W8_SECONDS:-600} s, PostgreSQL's memory sampled"
  python3 "$root/benches/pg_memory.py" "$w8_data/pg/postmaster.pid" 15 > "$out/w8-memory.tsv" &
  sampler=$!
  w8_wrk w8 "$out/w8-hosts.tsv" "${BENCH_W8_SECONDS:-600}"
  kill "$sampler"
  kill -INT "$w8_server"; wait "$w8_server" 2>/dev/null || true
  trap - EXIT
  log "W8: provisioning and one tenant's export among $w8_tenants tenants"
  "$bin" --data-dir "$w8_data" bench provision --count 20 > "$out/w8-w4.json"
  "$bin" --data-dir "$w8_data" bench portability --runs 3 > "$out/w8-w9.json"
  log "W8: W5 over the $w8_tenants tenants (in place, then taken back out)"
  "$bin" --data-dir "$w8_data" bench migrate --in-place > "$out/w8-w5.json"
fi

command="benches/run.sh ${*:-}"
python3 "$root/benches/report.py" "$out" "$command" "${BENCH_NO_RECORD:+--no-record}"
