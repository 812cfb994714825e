//! W7's figures: one server in one round ([`Measured`]), each server over
//! its rounds ([`Summary`]: medians, the highest peak RSS), the ratios
//! between servers, the JSON report and the table printed on stderr.

use serde::Serialize;

use super::Timings;
use super::tls_client::{Checks, Negotiated};
use super::tls_server::Kind;

#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub server: Kind,
    pub round: usize,
    pub handshakes: usize,
    pub window_s: f64,
    pub rate_per_s: f64,
    pub latency: Timings,
    pub cpu_us_per_handshake: Option<f64>,
    pub peak_rss_mib: Option<f64>,
    /// Resident memory right after the first handshake.
    pub rss_at_start_mib: Option<f64>,
    /// At the end of the load: heap and stacks, and mapped files (code).
    pub anon_rss_at_end_mib: Option<f64>,
    pub file_rss_at_end_mib: Option<f64>,
    pub start_to_first_handshake_ms: f64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub negotiated: Negotiated,
}

/// One server over every round: medians, and the highest peak RSS.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub server: Kind,
    pub version: String,
    pub rounds: usize,
    pub handshakes: usize,
    pub rate_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub cpu_us_per_handshake: Option<f64>,
    pub peak_rss_mib: Option<f64>,
    pub rss_at_start_mib: Option<f64>,
    /// At the end of the load: heap and stacks, and mapped files (code).
    pub anon_rss_at_end_mib: Option<f64>,
    pub file_rss_at_end_mib: Option<f64>,
    pub start_to_first_handshake_ms: f64,
    pub errors: u64,
    pub negotiated: Negotiated,
}

/// `a / b` for each figure (rate above 1 is better, the others below).
#[derive(Debug, Clone, Serialize)]
pub struct Ratios {
    pub rate: f64,
    pub p99: f64,
    pub cpu_per_handshake: Option<f64>,
    pub peak_rss: Option<f64>,
    pub start_to_first_handshake: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TlsReport {
    pub names: usize,
    pub loops: usize,
    pub warmup_s: f64,
    pub seconds: f64,
    pub rounds: usize,
    pub client: String,
    pub checks: Checks,
    pub servers: Vec<Summary>,
    pub tessera_vs_caddy: Option<Ratios>,
    pub tessera_vs_floor: Option<Ratios>,
    pub runs: Vec<Measured>,
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => values.get(n / 2).copied(),
        _ => Some((values.get(n / 2 - 1)? + values.get(n / 2)?) / 2.0),
    }
}

pub fn summarize(kind: Kind, version: String, runs: &[Measured]) -> Option<Summary> {
    let mine: Vec<&Measured> = runs.iter().filter(|r| r.server == kind).collect();
    let of = |f: fn(&Measured) -> f64| median(mine.iter().map(|r| f(r)).collect());
    let some = |f: fn(&Measured) -> Option<f64>| median(mine.iter().filter_map(|r| f(r)).collect());
    Some(Summary {
        server: kind,
        version,
        rounds: mine.len(),
        handshakes: mine.iter().map(|r| r.handshakes).sum(),
        rate_per_s: of(|r| r.rate_per_s)?,
        p50_ms: of(|r| r.latency.median_ms)?,
        p99_ms: of(|r| r.latency.p99_ms)?,
        cpu_us_per_handshake: some(|r| r.cpu_us_per_handshake),
        peak_rss_mib: mine.iter().filter_map(|r| r.peak_rss_mib).reduce(f64::max),
        rss_at_start_mib: some(|r| r.rss_at_start_mib),
        anon_rss_at_end_mib: some(|r| r.anon_rss_at_end_mib),
        file_rss_at_end_mib: some(|r| r.file_rss_at_end_mib),
        start_to_first_handshake_ms: of(|r| r.start_to_first_handshake_ms)?,
        errors: mine.iter().map(|r| r.errors).sum(),
        negotiated: mine.first()?.negotiated.clone(),
    })
}

pub fn ratios(a: &Summary, b: &Summary) -> Ratios {
    let div = |x: f64, y: f64| if y > 0.0 { x / y } else { f64::NAN };
    Ratios {
        rate: div(a.rate_per_s, b.rate_per_s),
        p99: div(a.p99_ms, b.p99_ms),
        cpu_per_handshake: a
            .cpu_us_per_handshake
            .zip(b.cpu_us_per_handshake)
            .map(|(x, y)| div(x, y)),
        peak_rss: a.peak_rss_mib.zip(b.peak_rss_mib).map(|(x, y)| div(x, y)),
        start_to_first_handshake: div(a.start_to_first_handshake_ms, b.start_to_first_handshake_ms),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_even_and_empty_series() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(Vec::new()), None);
    }
}
