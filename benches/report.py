#!/usr/bin/env python3
"""Turns the raw outputs of benches/run.sh into a table, prints it and
appends it (with machine, date, commit and command) to BENCHMARKS.md.

usage: report.py OUT_DIR COMMAND [--no-record]
"""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

TARGETS = {
    "w1_rps": 8000,
    "w1_p99_ms": 20,
    "w1_rss_mib": 100,
    "w1_floor_ratio": 0.60,
    "w4_warm_median_ms": 20,
    "w5_large_s": 10,
    "w5_noop_ms": 100,
    "w1_during_w3_p99_ratio": 2.0,
    "w2_rps": 4000,
    "w2_p99_ms": 30,
    "w6_wall_s": 0.4,
    "w6_growth_mib": 5,
    "w7_rate_vs_caddy": 1.2,
    "w7_rss_mib": 30,
    "w7_start_ms": 300,
    "clicks_w1_ratio": 0.5,
    "dashboard_p99_ms": 50,
    "sse_fanout_ms": 1000,
}


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(text):
    if text is None:
        return None
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    pct = {m.group(1): to_ms(m.group(2), m.group(3))
           for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: (.*)", text)
    checks = re.search(r"(?:W[12]|DASH)-CHECKS checked=(\d+) bad_status=(\d+) bad_body=(\d+)(?: bytes=(\d+))?", text)
    signins = re.search(r"W3-CHECKS signed_in=(\d+) refused=(\d+)", text)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": pct.get("50"),
        "p99_ms": pct.get("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket.group(1).strip() if socket else "none",
        "checked": int(checks.group(1)) if checks else None,
        "bad": (int(checks.group(2)) + int(checks.group(3))) if checks else None,
        "bytes_per_response": (int(checks.group(4)) / max(int(checks.group(1)), 1))
        if checks and checks.group(4) else None,
        "signed_in": int(signins.group(1)) if signins else None,
        "refused": int(signins.group(2)) if signins else None,
    }


def load_json(out, name):
    text = read(os.path.join(out, name))
    if not text:
        return None
    return json.loads(text.strip().splitlines()[-1])


def machine():
    cpu = "unknown CPU"
    info = read("/proc/cpuinfo") or ""
    m = re.search(r"model name\s*:\s*(.*)", info)
    if m:
        cpu = m.group(1).strip()
    mem = re.search(r"MemTotal:\s+(\d+) kB", read("/proc/meminfo") or "")
    gib = int(mem.group(1)) / 1024 / 1024 if mem else 0
    return f"{cpu}, {os.cpu_count()} cores, {gib:.0f} GiB RAM, Linux {platform.release()}"


def commit():
    try:
        rev = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
        dirty = subprocess.call(["git", "diff", "--quiet", "HEAD"]) != 0
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def verdict(ok):
    return "met" if ok else "**missed**"


def w1_row(out, name, label, w1, lower, ratios, judged):
    rss = read(os.path.join(out, name + ".rss-kib"))
    rss_mib = int(rss) / 1024 if rss and rss.strip() else 0
    checks = (f"{w1['checked']:,} responses checked, {w1['bad']} wrong"
              if w1["checked"] is not None else "unchecked")
    if w1["bytes_per_response"] is not None:
        checks += f"; {w1['bytes_per_response']:,.0f} body bytes per response"
    ok = (w1["rps"] >= TARGETS["w1_rps"] and (w1["p99_ms"] or 1e9) < TARGETS["w1_p99_ms"]
          and rss_mib < TARGETS["w1_rss_mib"] and lower and w1["rps"] / lower >= TARGETS["w1_floor_ratio"]
          and w1["bad"] == 0 and w1["non_2xx"] == 0)
    targets = ("≥ 8,000 req/s, p99 < 20 ms, RSS < 100 MiB, ≥ 0.60 of floor: "
               + (verdict(ok) if judged else ("would be " + ("met" if ok else "missed"))))
    return (label,
            f"{w1['rps']:,.0f} req/s, p50 {w1['p50_ms']:.2f} ms, p99 {w1['p99_ms']:.2f} ms, "
            f"server peak RSS {rss_mib:.1f} MiB; {checks}",
            *ratios(w1["rps"]), targets)


def clicks_rows(out, ratios):
    """Click capture (`/r/<code>`) against the cached W1 of the same run,
    and the clicks written against the redirects served (warm-up included)."""
    clicks = parse_wrk(read(os.path.join(out, "clicks.wrk")))
    if not clicks:
        return []
    warm = parse_wrk(read(os.path.join(out, "clicks-warmup.wrk")))
    written = load_json(out, "clicks.json")
    w1 = parse_wrk(read(os.path.join(out, "w1.wrk")))
    served = sum(r["checked"] - r["bad"] for r in [clicks, warm] if r and r["checked"] is not None)
    # Requests still in flight when a wrk run stops are served (and their
    # clicks written) but not counted by wrk: more rows than redirects is
    # expected; fewer would be clicks lost.
    lost = max(served - written["written"], 0) if written else None
    ratio = clicks["rps"] / w1["rps"] if w1 and w1["rps"] else None
    ok = (ratio is not None and ratio >= TARGETS["clicks_w1_ratio"] and lost == 0
          and clicks["bad"] == 0 and clicks["non_2xx"] == 0)
    share = f"{ratio:.2f} × W1 (cached)" if ratio is not None else "no W1 in this run"
    count = f"{written['written']:,}" if written else "?"
    return [("Click capture `GET /r/<code>` (redirect + cookie, click buffered)",
             f"{clicks['rps']:,.0f} req/s, p50 {clicks['p50_ms']:.2f} ms, p99 {clicks['p99_ms']:.2f} ms; {share}; "
             f"{clicks['checked']:,} responses checked, {clicks['bad']} wrong; "
             f"{count} clicks written for {served:,} redirects counted by wrk ({lost} lost)",
             *ratios(clicks["rps"]), f"≥ 0.5 × W1, none lost on shutdown: {verdict(ok)}")]


def sse_rows(out):
    """Live figures: server memory per open SSE stream, and one event's
    fan-out to every stream (from the first commit to each arrival)."""
    sse = load_json(out, "sse.json")
    if not sse:
        return []
    fan = sse["fanout"]
    per, added = sse.get("kib_per_stream"), sse.get("kib_per_added_stream")
    memory = "RSS not read"
    if per is not None and added is not None:
        memory = (f"{added:.1f} KiB per stream added to {sse['streams'] // 2} open ones, "
                  f"{per:.1f} KiB per stream counted from none")
    before, after = sse.get("rss_before_kib"), sse.get("rss_after_kib")
    if before and after:
        memory += f" (server RSS {before / 1024:.1f} → {after / 1024:.1f} MiB)"
    ok = (sse["opened"] == sse["streams"] and sse["delivered"] == sse["opened"]
          and fan["max_ms"] < TARGETS["sse_fanout_ms"])
    return [(f"Live figures, {sse['streams']} SSE streams over {sse['tenants']} tenants",
             f"{sse['opened']} open in {sse['open_s']:.2f} s ({sse['refused']} refused); {memory}; "
             f"an event reached {sse['delivered']} streams: median {fan['median_ms']:.1f} ms, "
             f"p99 {fan['p99_ms']:.1f} ms, last {fan['max_ms']:.1f} ms",
             "–", "–", f"every stream within 1 s: {verdict(ok)}")]


def w2_rows(out, ratios):
    """W2 (the payments list through the API), against its own DB floor."""
    rows = []
    floor = load_json(out, "floor-db-w2.json")
    if floor:
        rows.append(("floor-db-w2", f"{floor['tps']:,.0f} tx/s ({floor['tasks']} tasks, pool {floor['pool']})",
                     *ratios(floor["tps"]), "W2's SQL as a plain tenant transaction (3 round trips)"))
    w2 = parse_wrk(read(os.path.join(out, "w2.wrk")))
    if w2:
        rss = read(os.path.join(out, "w2.rss-kib"))
        rss_mib = int(rss) / 1024 if rss and rss.strip() else 0
        ok = (w2["rps"] >= TARGETS["w2_rps"] and (w2["p99_ms"] or 1e9) < TARGETS["w2_p99_ms"]
              and w2["bad"] == 0 and w2["non_2xx"] == 0)
        own = f"; {w2['rps'] / floor['tps']:.2f} × floor-db-w2" if floor else ""
        rows.append(("W2 payments list, API, 50 per page",
                     f"{w2['rps']:,.0f} req/s, p50 {w2['p50_ms']:.2f} ms, p99 {w2['p99_ms']:.2f} ms, "
                     f"server peak RSS {rss_mib:.1f} MiB; {w2['checked']:,} responses checked, "
                     f"{w2['bad']} wrong; {w2['bytes_per_response']:,.0f} body bytes per response{own}",
                     *ratios(w2["rps"]), f"≥ 4,000 req/s, p99 < 30 ms: {verdict(ok)}"))
    return rows


def dashboard_rows(out, ratios):
    """The season dashboard page, uncached, as a random tenant's treasurer."""
    dash = parse_wrk(read(os.path.join(out, "dashboard.wrk")))
    if not dash:
        return []
    ok = ((dash["p99_ms"] or 1e9) < TARGETS["dashboard_p99_ms"] and dash["bad"] == 0
          and dash["non_2xx"] == 0)
    large = ""
    times = sorted(float(t) * 1000 for t in (read(os.path.join(out, "dashboard-large.times")) or "").split())
    if times:
        large = (f"; tenant 1 (100,000 payments), 30 pages one at a time: "
                 f"median {times[len(times) // 2]:.1f} ms, slowest {times[-1]:.1f} ms")
    return [("dashboard", f"GET /dashboard/ (treasurer's default layout, 11 widgets, uncached) "
             f"of tenants 3..52: {dash['rps']:,.0f} req/s, p50 {dash['p50_ms']:.2f} ms, "
             f"p99 {dash['p99_ms']:.2f} ms; {dash['checked']:,} responses checked, {dash['bad']} wrong; "
             f"{dash['bytes_per_response']:,.0f} body bytes per response{large}",
             *ratios(dash["rps"]), f"p99 < 50 ms (200 members, 400 payments per tenant): {verdict(ok)}")]


def w6_rows(out):
    """W6: CSV export wall time, and peak RSS growth from the small to the large export."""
    def times(label):
        text = read(os.path.join(out, f"w6-{label}.times")) or ""
        return [(float(t), int(b), c) for t, b, c in (line.split() for line in text.splitlines() if line.strip())]
    small, large = times("small"), times("large")
    if not large:
        return []
    kib = lambda label: int((read(os.path.join(out, f"w6-{label}.rss-kib")) or "0").strip() or 0)
    rows_of = lambda label: int((read(os.path.join(out, f"w6-{label}.rows")) or "0").strip() or 0)
    best = min(t for t, _, _ in large)
    median = sorted(t for t, _, _ in large)[len(large) // 2]
    growth = (kib("large") - kib("small")) / 1024
    statuses = {c for _, _, c in small + large}
    ok = best < TARGETS["w6_wall_s"] and growth < TARGETS["w6_growth_mib"] and statuses == {"200"}
    return [(f"W6 CSV export, {rows_of('large'):,} payments",
             f"best {best:.3f} s, median {median:.3f} s of {len(large)} ({large[0][1] / 1048576:.1f} MiB); "
             f"server peak RSS {kib('small') / 1024:.1f} MiB after {rows_of('small'):,} rows, "
             f"{kib('large') / 1024:.1f} MiB after {rows_of('large'):,} (+{growth:.1f} MiB); HTTP {sorted(statuses)}",
             "–", "–", f"< 0.4 s and < 5 MiB growth: {verdict(ok)}")] + w6_xlsx_rows(out, kib("large"))


def w6_xlsx_rows(out, csv_peak_kib):
    """W6 XLSX: the payments report of the same 100,000 payments, after the CSV runs."""
    text = read(os.path.join(out, "w6-xlsx.times")) or ""
    runs = [(float(t), int(b), c) for t, b, c in (line.split() for line in text.splitlines() if line.strip())]
    if not runs:
        return []
    peak = int((read(os.path.join(out, "w6-xlsx.rss-kib")) or "0").strip() or 0)
    best = min(t for t, _, _ in runs)
    growth = (peak - csv_peak_kib) / 1024
    statuses = sorted({c for _, _, c in runs})
    return [("W6 XLSX payments report, same payments",
             f"best {best:.2f} s of {len(runs)} ({runs[0][1] / 1048576:.1f} MiB); server peak RSS "
             f"{peak / 1024:.1f} MiB (+{growth:.1f} MiB over the CSV runs); HTTP {statuses}",
             "–", "–", "measured (constant-memory writer)")]


def w7_rows(out):
    """W7: TLS handshakes over 1,000 certificates, Tessera against Caddy and the tokio-rustls floor."""
    w7 = load_json(out, "w7.json")
    if not w7:
        return []
    servers = {s["server"]: s for s in w7["servers"]}
    labels = {
        "tessera": "`tessera serve`, certificates from `platform.certificates`",
        "caddy": "Caddy {version}, the same certificates from files",
        "floor": "floor: bare tokio-rustls SNI map",
    }
    mib = lambda v: f"{v:.1f} MiB" if v is not None else "–"
    us = lambda v: f"{v:,.0f} µs" if v is not None else "–"
    times = lambda v: f"{v:.2f}×" if v is not None else "–"
    rows = []
    for name in ["tessera", "caddy", "floor"]:
        s = servers.get(name)
        if not s:
            continue
        result = (f"{s['rate_per_s']:,.0f} handshakes/s, p50 {s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms; "
                  f"{us(s['cpu_us_per_handshake'])} server CPU per handshake; peak RSS {mib(s['peak_rss_mib'])} "
                  f"({mib(s['rss_at_start_mib'])} after the first handshake; at the end "
                  f"{mib(s.get('anon_rss_at_end_mib'))} anonymous + {mib(s.get('file_rss_at_end_mib'))} "
                  "file-backed); start to first handshake "
                  f"{s['start_to_first_handshake_ms']:.0f} ms; {s['errors']} errors; "
                  f"{s['negotiated']['key_exchange'].removeprefix('Some(').removesuffix(')')}")
        target = "reference, same run" if name == "caddy" else "ceiling of TLS handshakes here"
        if name == "tessera":
            vs = w7.get("tessera_vs_caddy")
            floor = w7.get("tessera_vs_floor")
            if floor:
                result += (f"; × floor: rate {floor['rate']:.2f}, CPU per handshake "
                           f"{times(floor['cpu_per_handshake'])}")
            if vs:
                result += (f"; × Caddy: rate {vs['rate']:.2f}, p99 {vs['p99']:.2f}, CPU per handshake "
                           f"{times(vs['cpu_per_handshake'])}, peak RSS {times(vs['peak_rss'])}")
                missed = [what for what, ok in [
                    ("rate", vs["rate"] >= TARGETS["w7_rate_vs_caddy"]),
                    ("p99", vs["p99"] < 1),
                    ("RSS", (s["peak_rss_mib"] or 1e9) < TARGETS["w7_rss_mib"]),
                    ("start", s["start_to_first_handshake_ms"] < TARGETS["w7_start_ms"]),
                    ("errors", s["errors"] == 0)] if not ok]
                target = ("≥ 1.2 × Caddy's rate, p99 below Caddy's, RSS < 30 MiB, start to first "
                          f"handshake < 0.3 s: {verdict(not missed)}"
                          + (f" ({', '.join(missed)})" if missed else ""))
            else:
                target = "no Caddy run to compare"
        label = labels[name].format(version=s.get("version", "?"))
        rows.append((f"W7 TLS handshakes, {w7['names']:,} certificates: {label}", result, "–", "–", target))
    return rows


def w3_rows(out, ratios):
    """W3 (sign-ins) and W1's latency while W3 runs, against W1 alone."""
    rows = []
    w3 = parse_wrk(read(os.path.join(out, "w3.wrk")))
    hashing = load_json(out, "hash.json")
    if w3:
        params = (f"argon2id m={hashing['memory_kib']} KiB, t={hashing['passes']}, p={hashing['lanes']}, "
                  f"one hash {hashing['median_ms']:.1f} ms" if hashing else "hash time not measured")
        rows.append((f"W3 sign-in ({os.environ.get('BENCH_W3_CONNECTIONS', '16')} connections)",
                     f"{w3['rps']:,.1f} sign-ins/s, p50 {w3['p50_ms']:.1f} ms, p99 {w3['p99_ms']:.1f} ms; "
                     f"{params}; {w3['signed_in']} signed in, {w3['refused']} refused",
                     *ratios(w3["rps"]), "reported"))
    alone = parse_wrk(read(os.path.join(out, "w1.wrk")))
    during = parse_wrk(read(os.path.join(out, "w1-during-w3.wrk")))
    background = parse_wrk(read(os.path.join(out, "w3-background.wrk")))
    if during:
        ratio = during["p99_ms"] / alone["p99_ms"] if alone and alone["p99_ms"] else None
        target = (f"p99 ≤ 2× W1 alone: {verdict(ratio <= TARGETS['w1_during_w3_p99_ratio'])} ({ratio:.2f}×)"
                  if ratio else "no W1-alone run to compare")
        signins = f"; W3 meanwhile {background['rps']:,.1f} sign-ins/s" if background else ""
        rows.append(("W1 while W3 signs in",
                     f"{during['rps']:,.0f} req/s, p50 {during['p50_ms']:.2f} ms, p99 {during['p99_ms']:.2f} ms"
                     f"{signins}; {during['bad']} wrong", *ratios(during["rps"]), target))
    return rows


def w8_rows(out):
    """W8: W1 over 10,000 tenants against W1 over 200 of them, same server,
    same run; PostgreSQL's memory over time; provisioning and export there."""
    rows = []
    base, full = parse_wrk(read(os.path.join(out, "w8-200.wrk"))), parse_wrk(read(os.path.join(out, "w8.wrk")))
    samples = [line.split("\t") for line in (read(os.path.join(out, "w8-memory.tsv")) or "").splitlines()]
    samples = [(int(t), int(m)) for t, m in samples if t and m]
    seed = load_json(out, "w8-seed.json") or {}
    tenants = seed.get("tenants", 0)
    if base:
        rows.append((f"W8 baseline: W1 over 200 of the {tenants:,} tenants, page cache off",
                     f"{base['rps']:,.0f} req/s, p50 {base['p50_ms']:.2f} ms, p99 {base['p99_ms']:.2f} ms",
                     "–", "–", "the baseline"))
    if base and full:
        ratio = full["rps"] / base["rps"]
        peak = max((m for _, m in samples), default=0)
        late = [m for t, m in samples if t >= samples[-1][0] / 2] if samples else []
        flat = bool(late) and max(late) - min(late) <= 0.1 * max(late)
        curve = ", ".join(f"{m:,} MiB at {t} s" for t, m in samples[:: max(1, len(samples) // 8)])
        rows.append((f"W8: W1 over all {tenants:,} tenants",
                     f"{full['rps']:,.0f} req/s ({ratio:.2f} × the 200-tenant rate), p99 {full['p99_ms']:.2f} ms, "
                     f"{full['non_2xx']} non-2xx; PostgreSQL {curve}; peak {peak:,} MiB",
                     "–", "–",
                     f"≥ 0.85 ×: {verdict(ratio >= 0.85)}; ≤ 2 GiB: {verdict(peak <= 2048)}; "
                     f"flat over the second half (±10 %): {verdict(flat)}"))
    w4 = load_json(out, "w8-w4.json")
    if w4:
        t = w4["timings"]
        rows.append((f"W8: provisioning among {tenants:,} tenants",
                     f"median {t['median_ms']:.1f} ms, p99 {t['p99_ms']:.1f} ms over {t['count']} "
                     f"({w4['from_pool']} from the pool)", "–", "–",
                     f"median < 5 ms: {verdict(t['median_ms'] < 5)}"))
    w9 = load_json(out, "w8-w9.json")
    if w9:
        rows.append((f"W8: one tenant's export among {w9['tenants']:,} tenants",
                     f"export {w9['export']['median_ms']:.1f} ms, import {w9['import']['median_ms']:.1f} ms, "
                     f"pg_dump -n {w9['pg_dump']['median_ms']:.1f} ms ({w9['rows']:,} rows)", "–", "–",
                     f"export < 1 s: {verdict(w9['export']['median_ms'] < 1000)}"))
    return rows


def build_rows(out):
    rows = []
    http = parse_wrk(read(os.path.join(out, "floor-http.wrk")))
    db = load_json(out, "floor-db.json")
    w1 = parse_wrk(read(os.path.join(out, "w1.wrk")))
    floors = [f for f in [http and http["rps"], db and db["tps"]] if f]
    lower = min(floors) if floors else None
    fmt = lambda v, floor: f"{v / floor:.2f}" if floor and v else "–"
    ratios = lambda v: (fmt(v, http and http["rps"]), fmt(v, db and db["tps"]))
    if http:
        rows.append(("floor-http", f"{http['rps']:,.0f} req/s, p50 {http['p50_ms']:.2f} ms, p99 {http['p99_ms']:.2f} ms",
                     *ratios(http["rps"]), "ceiling of HTTP on this machine"))
    if db:
        rows.append(("floor-db", f"{db['tps']:,.0f} tx/s ({db['tasks']} tasks, pool {db['pool']})",
                     *ratios(db["tps"]), "W1's SQL as a plain tenant transaction (3 round trips)"))
    for name, label, judged in [("w1", "W1 portal page (page cache on, as shipped)", True),
                                ("w1-br", "W1 portal page, `Accept-Encoding: br`", True),
                                ("w1-nocache", "W1 portal page, page cache off", False)]:
        w1 = parse_wrk(read(os.path.join(out, name + ".wrk")))
        if w1:
            rows.append(w1_row(out, name, label, w1, lower, ratios, judged))
    rows += clicks_rows(out, ratios)
    rows += sse_rows(out)
    rows += w2_rows(out, ratios)
    rows += dashboard_rows(out, ratios)
    rows += w3_rows(out, ratios)
    for name, label in [("w4-warm.json", "W4 provisioning, warm pool"), ("w4-cold.json", "W4 provisioning, no warm pool")]:
        w4 = load_json(out, name)
        if w4:
            t = w4["timings"]
            target = (f"median < 20 ms: {verdict(t['median_ms'] < TARGETS['w4_warm_median_ms'])}"
                      if w4["warm_pool"] else "reported")
            rows.append((label, f"median {t['median_ms']:.1f} ms, p99 {t['p99_ms']:.1f} ms over {t['count']} "
                         f"({w4['from_pool']} from the pool)", "–", "–", target))
    platform = load_json(out, "platform.json")
    if platform:
        api, live = platform["api_create"], platform["signup_to_live"]
        w4 = load_json(out, "w4-warm.json")
        ratio = f"{api['median_ms'] / w4['timings']['median_ms']:.2f} × W4 (CLI)" if w4 else "–"
        rows.append(("W4 through the platform API", f"median {api['median_ms']:.1f} ms, p99 {api['p99_ms']:.1f} ms "
                     f"over {api['count']}", ratio, "–", "reported"))
        rows.append(("Sign-up: confirmation to live portal", f"median {live['median_ms']:.1f} ms, "
                     f"p99 {live['p99_ms']:.1f} ms over {live['count']}", "–", "–",
                     f"live in seconds (< 2 s): {verdict(live['median_ms'] < 2000)}"))
    for name in ["w5-small.json", "w5-large.json", "w8-w5.json"]:
        w5 = load_json(out, name)
        if w5:
            wall, noop = w5["wall_s"], w5["noop_ms"]
            target = f"no-op < 100 ms: {verdict(noop < TARGETS['w5_noop_ms'])}"
            if w5["tenants"] >= 2000:
                target = f"< 10 s: {verdict(wall < TARGETS['w5_large_s'])}; " + target
            rows.append((f"W5 migration, {w5['tenants']:,} tenants",
                         f"{wall:.2f} s wall ({w5['migrated']} migrated, {w5['failed']} failed); no-op run {noop:.1f} ms",
                         "–", "–", target))
    rows += w6_rows(out)
    rows += w7_rows(out)
    rows += w8_rows(out)
    return rows, lower


def main():
    out, command = sys.argv[1], sys.argv[2]
    record = "--no-record" not in sys.argv[3:]
    rows, lower = build_rows(out)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now} — commit {commit()}",
        "",
        f"- machine: {machine()}",
        f"- command: `{command.strip()}`",
    ]
    if any(name.endswith((".wrk", ".json")) and not name.startswith("w7") for name in os.listdir(out)):
        lines.append(
            f"- load: wrk, 2 threads, {os.environ.get('BENCH_CONNECTIONS', '64')} connections, "
            f"{os.environ.get('BENCH_SECONDS', '20')} s after a {os.environ.get('BENCH_WARMUP', '5')} s warm-up, "
            "on the same cores as the server and PostgreSQL (default settings)")
    w7 = load_json(out, "w7.json")
    if w7:
        checks = w7["checks"]
        lines.append(
            f"- W7 load: `tessera bench tls`, {w7['loops']} loops of new TLS 1.3 connections, SNI round-robin "
            f"over {w7['names']:,} names, {w7['seconds']:.0f} s after a {w7['warmup_s']:.0f} s warm-up, "
            f"{w7['rounds']} round(s) per server (medians; peak RSS the highest); each server a child process "
            f"(CPU and VmHWM from /proc); client: {w7['client']}; {checks['leaves_checked']:,} leaves compared, "
            f"{checks['leaves_wrong']} wrong, {checks['signatures_checked']:,} signatures verified")
    lines += [
        "",
        "| workload | result | × floor-http | × floor-db | target |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    table = "\n".join(lines)
    print("\n" + table)
    if record:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "BENCHMARKS.md")
        with open(path, "a") as f:
            f.write("\n" + table)
        print(f"appended to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
