//! W4: tenants created one after another through [`Provisioner::create`],
//! the function behind `tessera tenant create`, with and without the warm pool.

use std::time::{Duration, Instant};

use super::Timings;
use crate::tenancy::provision::{NewTenant, Provisioner};
use crate::tenancy::{Slug, warm_pool};

#[derive(Debug, Clone, serde::Serialize)]
pub struct ProvisionReport {
    pub warm_pool: bool,
    pub timings: Timings,
    /// Creations that actually found a spare.
    pub from_pool: usize,
}

/// Creates `count` tenants in sequence and times each creation. With the
/// warm pool, it is first filled with `count` spares (untimed), as an
/// operator sizes it for an expected burst. The tenants are deleted after.
pub async fn run(
    provisioner: &Provisioner,
    count: usize,
    use_pool: bool,
) -> anyhow::Result<ProvisionReport> {
    let run_id = std::process::id();
    let provisioner = if use_pool {
        warm_pool::refill(provisioner.pool(), provisioner.migrations(), count as u32).await?;
        provisioner.clone()
    } else {
        provisioner.clone().without_warm_pool()
    };
    let mut samples: Vec<Duration> = Vec::with_capacity(count);
    let mut slugs = Vec::with_capacity(count);
    let mut from_pool = 0;
    for i in 0..count {
        let slug = Slug::parse(&format!(
            "w4-{run_id}-{}-{i}",
            if use_pool { "warm" } else { "cold" }
        ))?;
        let started = Instant::now();
        let created = provisioner
            .create(
                &NewTenant::new(slug.clone(), format!("W4 tenant {i}")),
                "bench",
            )
            .await?;
        samples.push(started.elapsed());
        from_pool += usize::from(created.from_warm_pool);
        slugs.push(slug);
    }
    for slug in &slugs {
        let id = provisioner.id_of(slug).await?;
        provisioner.delete(slug, "bench").await?;
        provisioner.purge(id, "bench").await?;
    }
    Ok(ProvisionReport {
        warm_pool: use_pool,
        timings: Timings::from_samples(&samples),
        from_pool,
    })
}
