//! The purge of deleted tenants: once their grace period is over, a
//! recurring platform job removes their files, then drops their schema and
//! role and deletes their row (which frees the slug). Files go first: if
//! dropping the schema waits too long, the next run finds the tenant again
//! and removing files that are gone is a no-op. Ids are never reused, so
//! the folder `<storage>/<id>/` can belong to no one else.

use std::time::Duration;

use super::{Portability, PortabilityError};
use crate::jobs::{JobError, Registry};
use crate::model::{Slug, TenantId};
use crate::tenancy::audit::Actor;

/// The recurring job's kind.
pub const KIND: &str = "platform.tenants.purge";

/// How long a deleted tenant can be restored, and how often the purge runs.
#[derive(Debug, Clone, Copy)]
pub struct PurgeSchedule {
    pub grace: Duration,
    pub every: Duration,
}

/// Registers the recurring purge.
pub fn register(registry: &mut Registry, portability: Portability, schedule: PurgeSchedule) {
    registry.every(KIND, schedule.every, move |_ctx, _job| {
        let portability = portability.clone();
        async move {
            let purged = portability.purge_due(schedule.grace).await;
            purged.map(drop).map_err(JobError::retry)
        }
    });
}

impl Portability {
    /// Purges every tenant deleted more than `grace` ago; returns how many.
    pub async fn purge_due(&self, grace: Duration) -> Result<usize, PortabilityError> {
        let due = self.provisioner.due_for_purge(grace).await?;
        for tenant in &due {
            self.purge(*tenant, &Actor::from("job")).await?;
        }
        Ok(due.len())
    }

    /// Deletes the tenant `slug` (if it is not yet) and purges it at once:
    /// `tessera tenant delete --now`.
    pub async fn purge_now(&self, slug: &Slug, actor: &Actor) -> Result<(), PortabilityError> {
        let tenant = self.provisioner.id_of(slug).await?;
        self.provisioner.delete(slug, actor).await?;
        self.purge(tenant, actor).await
    }

    async fn purge(&self, tenant: TenantId, actor: &Actor) -> Result<(), PortabilityError> {
        self.storage.remove_tenant(tenant).await?;
        self.provisioner.purge(tenant, actor).await?;
        tracing::info!(tenant = %tenant, "deleted tenant purged");
        Ok(())
    }
}
