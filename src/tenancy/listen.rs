//! Keeps in-memory tenant caches coherent across instances: a trigger on the
//! tenant tables sends `NOTIFY tessera_tenants, '<id>'`; this task listens and
//! tells every subscriber. If the listening connection drops, notifications
//! may have been missed, so subscribers are told to forget everything.
//! [`Liveness`] records when the database last answered such a connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::db::Platform;
use crate::model::TenantId;
use sqlx::postgres::PgListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A tenant row or its domains changed; the payload is the tenant id.
pub const TENANTS_CHANNEL: &str = "tessera_tenants";
/// Data shown on a tenant's public pages changed; the payload is the
/// tenant's schema name (`t_<id>`), sent by triggers in the tenant schema.
pub const CONTENT_CHANNEL: &str = "tessera_content";
/// A job was enqueued (a trigger on `platform.jobs`); no payload.
pub const JOBS_CHANNEL: &str = "tessera_jobs";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The tenant itself (name, status, brand, domains…).
    Tenant(TenantId),
    /// Content of the tenant's pages.
    Content(TenantId),
    /// A job is waiting (wakes the job worker; no cache cares).
    Jobs,
    Everything,
}

pub type Subscriber = Arc<dyn Fn(Change) + Send + Sync>;

/// Starts the listener on a connection of its own, made with `pool`'s
/// options. The returned receiver fires once `LISTEN` is active, so a caller
/// can wait before serving.
pub fn spawn(
    pool: Platform,
    subscribers: Vec<Subscriber>,
) -> (JoinHandle<()>, oneshot::Receiver<()>) {
    let (ready_tx, ready_rx) = oneshot::channel();
    // Its own connection, outside the platform pool: a listener holds its
    // connection for good, which would take a slot from host resolution.
    let own = pool.dedicated(Duration::from_secs(30));
    let task = tokio::spawn(run(pool, own, subscribers, ready_tx));
    (task, ready_rx)
}

/// Listens on `own` for as long as the platform `pool` is open.
async fn run(
    pool: Platform,
    own: Platform,
    subscribers: Vec<Subscriber>,
    ready: oneshot::Sender<()>,
) {
    let notify = |change| subscribers.iter().for_each(|subscriber| subscriber(change));
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(250);
    loop {
        match listen(&own).await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(250);
                // Anything may have changed while we were not listening.
                notify(Change::Everything);
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
                receive(&mut listener, &notify).await;
                notify(Change::Everything);
            }
            Err(error) => {
                tracing::warn!(%error, "tenant change listener cannot connect; retrying");
            }
        }
        if pool.is_closed() {
            own.close().await;
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen(pool: &Platform) -> Result<PgListener, sqlx::Error> {
    let mut listener = pool.listener().await?;
    listener
        .listen_all([TENANTS_CHANNEL, CONTENT_CHANNEL, JOBS_CHANNEL])
        .await?;
    Ok(listener)
}

fn decode(channel: &str, payload: &str) -> Change {
    let id = match channel {
        JOBS_CHANNEL => return Change::Jobs,
        CONTENT_CHANNEL => payload
            .strip_prefix("t_")
            .and_then(|id| id.parse().ok())
            .map(Change::Content),
        _ => payload.parse().ok().map(Change::Tenant),
    };
    id.unwrap_or(Change::Everything)
}

/// Forwards notifications until the connection is lost or fails.
async fn receive(listener: &mut PgListener, notify: &impl Fn(Change)) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                notify(decode(notification.channel(), notification.payload()))
            }
            Ok(None) => {
                tracing::warn!("tenant change listener lost its connection");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "tenant change listener failed");
                return;
            }
        }
    }
}

/// When the database last answered one of our own connections (outside
/// the platform pool), so that a health check costs no query and does not
/// wait for a pool slot.
#[derive(Debug)]
pub struct Liveness {
    started: Instant,
    /// Milliseconds after `started`; 0: never.
    answered_ms: AtomicU64,
}

impl Default for Liveness {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            answered_ms: AtomicU64::new(0),
        }
    }
}

impl Liveness {
    /// The database has not answered for this long: it is reported down.
    pub const GRACE: Duration = Duration::from_secs(3);

    pub fn answered(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.answered_ms.store(ms.max(1), Ordering::Release);
    }

    pub fn silent_for(&self) -> Duration {
        match self.answered_ms.load(Ordering::Acquire) {
            0 => Duration::MAX,
            ms => self
                .started
                .elapsed()
                .saturating_sub(Duration::from_millis(ms)),
        }
    }

    pub fn is_alive(&self) -> bool {
        self.silent_for() < Self::GRACE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_decode_to_changes() {
        assert_eq!(
            decode(TENANTS_CHANNEL, "42"),
            Change::Tenant(TenantId::new(42))
        );
        assert_eq!(
            decode(CONTENT_CHANNEL, "t_42"),
            Change::Content(TenantId::new(42))
        );
        assert_eq!(decode(CONTENT_CHANNEL, "spare_3"), Change::Everything);
        assert_eq!(decode(TENANTS_CHANNEL, "x"), Change::Everything);
        assert_eq!(decode(JOBS_CHANNEL, ""), Change::Jobs);
    }
}
