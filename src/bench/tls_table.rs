//! W7's table, as `tessera bench tls` prints it on stderr: one line per
//! server, then the ratios and what the client checked.

use super::tls::TlsReport;

/// The table printed on stderr.
pub fn table(report: &TlsReport) -> String {
    let mut out = format!(
        "W7: {} certificates, {} loops, {:.0} s after a {:.0} s warm-up, {} round(s)\n\
         {:<8} {:>12} {:>8} {:>8} {:>11} {:>9} {:>9} {:>7}  key exchange\n",
        report.names,
        report.loops,
        report.seconds,
        report.warmup_s,
        report.rounds,
        "server",
        "handshake/s",
        "p50 ms",
        "p99 ms",
        "CPU µs/hs",
        "RSS MiB",
        "start ms",
        "errors"
    );
    let opt = |v: Option<f64>, digits: usize| v.map_or("–".into(), |v| format!("{v:.digits$}"));
    for s in &report.servers {
        out += &format!(
            "{:<8} {:>12.0} {:>8.2} {:>8.2} {:>11} {:>9} {:>9.0} {:>7}  {}\n",
            s.server.label(),
            s.rate_per_s,
            s.p50_ms,
            s.p99_ms,
            opt(s.cpu_us_per_handshake, 0),
            opt(s.peak_rss_mib, 1),
            s.start_to_first_handshake_ms,
            s.errors,
            s.negotiated.key_exchange
        );
    }
    for (label, ratios) in [
        ("Tessera / Caddy", &report.tessera_vs_caddy),
        ("Tessera / floor", &report.tessera_vs_floor),
    ] {
        if let Some(r) = ratios {
            out += &format!(
                "{label}: rate {:.2}×, p99 {:.2}×, CPU per handshake {}×, peak RSS {}×\n",
                r.rate,
                r.p99,
                opt(r.cpu_per_handshake, 2),
                opt(r.peak_rss, 2)
            );
        }
    }
    let c = &report.checks;
    out += &format!(
        "client checks: {} leaves compared ({} wrong), {} signatures verified\n",
        c.leaves_checked, c.leaves_wrong, c.signatures_checked
    );
    out
}
