//! The benchmark workloads of `../shared/BENCHMARK.md` that run inside
//! Tessera: the `bench` data set, provisioning (W4), migration across
//! tenants (W5), a tenant's export and import (W9), TLS handshakes with
//! 1,000 certificates against Caddy (W7) and the fixed page of
//! `floor-http`, and live-figure streams (`sse`). `benches/run.sh` drives
//! them together with the HTTP load (wrk) and records the results.

pub mod floor;
pub mod hash;
pub mod migrate;
pub mod payments;
pub mod platform;
pub mod portability;
pub mod provision;
pub mod referrals;
pub mod seed;
pub mod sse;
pub mod tls;
pub mod tls_certs;
pub mod tls_client;
pub mod tls_floor;
pub mod tls_report;
pub mod tls_server;

use std::time::Duration;

use serde::Serialize;

/// Latency figures over a series of timed operations.
#[derive(Debug, Clone, Serialize)]
pub struct Timings {
    pub count: usize,
    pub median_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
}

impl Timings {
    pub fn from_samples(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| {
            if ms.is_empty() {
                return 0.0;
            }
            let index = ((ms.len() as f64 - 1.0) * q).round() as usize;
            ms[index.min(ms.len() - 1)]
        };
        Self {
            count: ms.len(),
            median_ms: at(0.5),
            p99_ms: at(0.99),
            mean_ms: if ms.is_empty() {
                0.0
            } else {
                ms.iter().sum::<f64>() / ms.len() as f64
            },
            max_ms: at(1.0),
        }
    }
}

/// The slug of the `n`-th tenant of the data set (1-based).
pub fn bench_slug(n: usize) -> String {
    format!("bench-{n:05}")
}

/// Hosts of the data set live under this domain: `<slug>.bench.localhost`.
pub const BENCH_DOMAIN: &str = "bench.localhost";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_right_samples() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let t = Timings::from_samples(&samples);
        assert_eq!(t.count, 100);
        assert!((t.median_ms - 51.0).abs() < 1e-9 || (t.median_ms - 50.0).abs() < 1e-9);
        assert!((t.p99_ms - 99.0).abs() < 1e-9);
        assert!((t.max_ms - 100.0).abs() < 1e-9);
        assert!((t.mean_ms - 50.5).abs() < 1e-9);
        assert_eq!(Timings::from_samples(&[]).count, 0);
    }
}
