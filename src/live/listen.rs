//! The instance's one listener of [`CHANNEL`]: on a connection of its own
//! (outside the platform pool), reconnecting with back-off. Each payload
//! is decoded and handed to the hub of the tenant it names, if this
//! instance has one (no stream open for a tenant: the event is dropped
//! at once). After a reconnection every hub reads its totals again, since
//! events may have been missed meanwhile.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::Live;
use super::event::{CHANNEL, Envelope};
use super::relay::Signal;
use crate::db::Platform;

impl Live {
    /// Starts the listener. The receiver fires once `LISTEN` is active.
    pub fn spawn_listener(&self, pool: &Platform) -> (JoinHandle<()>, oneshot::Receiver<()>) {
        let (ready_tx, ready_rx) = oneshot::channel();
        let own = pool.dedicated(Duration::from_secs(30));
        let task = tokio::spawn(run(self.clone(), pool.clone(), own, ready_tx));
        (task, ready_rx)
    }

    /// Hands a payload to its tenant's hub, if any.
    fn route(&self, payload: &str) {
        let Some(envelope) = Envelope::decode(payload) else {
            tracing::warn!("live: a payload that is not ours was ignored");
            return;
        };
        let hubs = self.inner.lock();
        if let Some(hub) = hubs.by_tenant.get(&envelope.tenant) {
            give(&hub.events, Signal::Event(envelope));
        }
    }

    fn resync_all(&self) {
        let hubs = self.inner.lock();
        for hub in hubs.by_tenant.values() {
            give(&hub.events, Signal::Resync);
        }
    }
}

/// Never waits: a relay that far behind loses events, not the listener.
fn give(events: &mpsc::Sender<Signal>, signal: Signal) {
    if let Err(mpsc::error::TrySendError::Full(_)) = events.try_send(signal) {
        tracing::warn!("live: a tenant's relay is behind; an event was dropped");
    }
}

async fn run(live: Live, pool: Platform, own: Platform, ready: oneshot::Sender<()>) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(250);
    loop {
        match listen(&own).await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(250);
                live.resync_all();
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
                receive(&live, &mut listener).await;
            }
            Err(error) => tracing::warn!(%error, "live listener cannot connect; retrying"),
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
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Routes notifications until the connection is lost or fails.
async fn receive(live: &Live, listener: &mut PgListener) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => live.route(notification.payload()),
            Ok(None) => {
                tracing::warn!("live listener lost its connection");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "live listener failed");
                return;
            }
        }
    }
}
