//! Who may use the render workers, so that one tenant's slow or broken
//! templates cannot take them from the others: a cap on each tenant's
//! concurrent renders, and a circuit breaker per tenant (after a few
//! consecutive failures its own templates are skipped until it uploads new
//! ones or a cool-down has passed).

use crate::model::TenantId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Consecutive failures (errors or timeouts) that open a tenant's breaker.
pub const FAILURES_TO_OPEN: u32 = 3;
/// How long an open breaker stays open, unless the tenant uploads first.
pub const COOL_DOWN: Duration = Duration::from_secs(30);

/// Why a render was not let into the workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The tenant already uses its share of the workers.
    Busy,
    /// The tenant's templates failed repeatedly.
    Open,
}

pub struct Admission {
    per_tenant: usize,
    tenants: Mutex<HashMap<TenantId, TenantState>>,
}

#[derive(Default)]
struct TenantState {
    running: usize,
    /// The template set the failures were counted for.
    version: u64,
    failures: u32,
    open_until: Option<Instant>,
}

impl TenantState {
    fn forgettable(&self) -> bool {
        self.running == 0 && self.failures == 0
    }
}

/// A render in progress; dropping it frees the tenant's place.
pub struct Pass {
    admission: Arc<Admission>,
    tenant_id: TenantId,
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut tenants = self.admission.tenants();
        if let Some(state) = tenants.get_mut(&self.tenant_id) {
            state.running = state.running.saturating_sub(1);
            if state.forgettable() {
                tenants.remove(&self.tenant_id);
            }
        }
    }
}

impl Admission {
    /// Each tenant may use at most half of `workers` (at least one).
    pub fn new(workers: usize) -> Arc<Self> {
        Arc::new(Self {
            per_tenant: (workers / 2).max(1),
            tenants: Mutex::default(),
        })
    }

    /// Lets a render of the tenant's template set `version` in, or says why not.
    pub fn enter(self: &Arc<Self>, tenant_id: TenantId, version: u64) -> Result<Pass, Refusal> {
        let mut tenants = self.tenants();
        let state = tenants.entry(tenant_id).or_default();
        if state.version != version {
            // New templates deserve a new chance.
            state.version = version;
            state.failures = 0;
            state.open_until = None;
        }
        if let Some(until) = state.open_until {
            if Instant::now() < until {
                return Err(Refusal::Open);
            }
            // Half open: one more failure opens it again.
            state.open_until = None;
            state.failures = FAILURES_TO_OPEN - 1;
        }
        if state.running >= self.per_tenant {
            return Err(Refusal::Busy);
        }
        state.running += 1;
        Ok(Pass {
            admission: self.clone(),
            tenant_id,
        })
    }

    /// Counts the outcome of a render of `version` that was let in.
    pub fn record(&self, tenant_id: TenantId, version: u64, succeeded: bool) {
        let mut tenants = self.tenants();
        let Some(state) = tenants.get_mut(&tenant_id) else {
            return;
        };
        if state.version != version {
            return;
        }
        if succeeded {
            state.failures = 0;
            return;
        }
        state.failures += 1;
        if state.failures >= FAILURES_TO_OPEN {
            state.open_until = Some(Instant::now() + COOL_DOWN);
        }
    }

    /// Nothing panics while holding the lock, so poisoned data is consistent.
    fn tenants(&self) -> MutexGuard<'_, HashMap<TenantId, TenantState>> {
        self.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_gets_at_most_half_the_workers() {
        let admission = Admission::new(4);
        let first = admission.enter(TenantId::new(1), 0);
        let second = admission.enter(TenantId::new(1), 0);
        assert!(first.is_ok() && second.is_ok());
        assert_eq!(
            admission.enter(TenantId::new(1), 0).err(),
            Some(Refusal::Busy)
        );
        assert!(
            admission.enter(TenantId::new(2), 0).is_ok(),
            "another tenant still gets in"
        );
        drop(first);
        assert!(
            admission.enter(TenantId::new(1), 0).is_ok(),
            "a finished render frees its place"
        );
        assert!(
            Admission::new(1).enter(TenantId::new(3), 0).is_ok(),
            "at least one"
        );
    }

    #[test]
    fn repeated_failures_open_the_breaker_until_the_next_upload() {
        let admission = Admission::new(2);
        for _ in 0..FAILURES_TO_OPEN {
            let pass = admission.enter(TenantId::new(1), 10);
            assert!(pass.is_ok());
            admission.record(TenantId::new(1), 10, false);
        }
        assert_eq!(
            admission.enter(TenantId::new(1), 10).err(),
            Some(Refusal::Open)
        );
        assert!(
            admission.enter(TenantId::new(2), 10).is_ok(),
            "only that tenant"
        );
        assert!(
            admission.enter(TenantId::new(1), 11).is_ok(),
            "new templates are tried again"
        );
    }

    #[test]
    fn a_success_resets_the_count() {
        let admission = Admission::new(2);
        for succeeded in [false, false, true, false, false] {
            let _pass = admission.enter(TenantId::new(1), 0);
            admission.record(TenantId::new(1), 0, succeeded);
        }
        assert!(admission.enter(TenantId::new(1), 0).is_ok());
    }
}
