//! `tessera bench hash`: how long one password hash takes here, with the
//! parameters sign-in uses, one at a time (W3's yardstick).

use std::time::Instant;

use serde::Serialize;

use crate::auth::Passwords;
use crate::auth::password::{LANES, MEMORY_KIB, PASSES};

#[derive(Debug, Serialize)]
pub struct HashReport {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
    pub count: usize,
    pub median_ms: f64,
}

pub async fn run(count: usize) -> anyhow::Result<HashReport> {
    let passwords = Passwords::new(1)?;
    let stored = passwords.hash("a phrase to measure with").await?;
    let mut times = Vec::with_capacity(count.max(1));
    for _ in 0..count.max(1) {
        let started = Instant::now();
        passwords
            .verify(Some(&stored), "a phrase to measure with")
            .await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(HashReport {
        memory_kib: MEMORY_KIB,
        passes: PASSES,
        lanes: LANES,
        count: times.len(),
        median_ms: times[times.len() / 2],
    })
}
