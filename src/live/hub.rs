//! A tenant's hub on this instance and the streams it feeds: a slot per
//! stream within the limits, the frames broadcast to them, and the last
//! totals read (shared, so a crowd of dashboards opening at once reads
//! them once).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, watch};

use super::relay::{self, Signal};
use super::{Frame, Inner, Live, Render};
use crate::db::{Database, TenantTx};
use crate::model::{Tenant, TenantId};

/// Frames a slow stream may fall behind by before it skips some.
const FRAMES: usize = 64;
/// Events waiting for a tenant's relay.
const EVENTS: usize = 256;
/// Totals this recent are shown to a new stream as they are.
const FRESH: Duration = Duration::from_secs(5);

pub(super) struct Hub {
    pub(super) streams: usize,
    pub(super) frames: broadcast::Sender<Arc<Frame>>,
    pub(super) events: mpsc::Sender<Signal>,
    pub(super) totals: Arc<Totals>,
}

/// The last totals read for a tenant, and when.
#[derive(Default)]
pub(super) struct Totals(tokio::sync::Mutex<Option<(Instant, Arc<Frame>)>>);

/// Why a stream was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this site already has {0} live streams open; close a dashboard or try again later")]
    TenantFull(usize),
    #[error("the server has too many live streams open; try again later")]
    Busy,
    #[error("the server is restarting; try again shortly")]
    Closing,
}

/// One open stream: its slot is given back when it is dropped.
pub struct Subscription {
    live: Live,
    tenant: Arc<Tenant>,
    frames: broadcast::Receiver<Arc<Frame>>,
    closed: watch::Receiver<bool>,
    totals: Arc<Totals>,
}

impl Live {
    /// Takes a stream slot of `tenant`, or says why not. Nothing is read
    /// here: the first totals come from [`Subscription::opening`], once the
    /// request's own transaction is over.
    pub fn subscribe(&self, tenant: Arc<Tenant>) -> Result<Subscription, Refused> {
        let closed = self.inner.closed.subscribe();
        if *closed.borrow() {
            return Err(Refused::Closing);
        }
        let limits = self.inner.limits;
        let mut hubs = self.inner.lock();
        if hubs.open >= limits.total {
            return Err(Refused::Busy);
        }
        let hub = hubs
            .by_tenant
            .entry(tenant.id)
            .or_insert_with(|| start_hub(&self.inner, &tenant));
        if hub.streams >= limits.per_tenant {
            return Err(Refused::TenantFull(limits.per_tenant));
        }
        hub.streams += 1;
        let (frames, totals) = (hub.frames.subscribe(), hub.totals.clone());
        hubs.open += 1;
        tracing::debug!(tenant = %tenant.id, open = hubs.open, streams = hub_streams(&hubs, tenant.id), "live stream opened");
        drop(hubs);
        Ok(Subscription {
            live: self.clone(),
            tenant,
            frames,
            closed,
            totals,
        })
    }
}

fn hub_streams(hubs: &super::Hubs, id: TenantId) -> usize {
    hubs.by_tenant.get(&id).map_or(0, |hub| hub.streams)
}

fn start_hub(inner: &Arc<Inner>, tenant: &Arc<Tenant>) -> Hub {
    let (frames, _) = broadcast::channel(FRAMES);
    let (events, received) = mpsc::channel(EVENTS);
    let totals = Arc::new(Totals::default());
    relay::spawn(relay::Relay {
        db: inner.db.clone(),
        render: inner.render.clone(),
        tenant: tenant.clone(),
        frames: frames.clone(),
        totals: totals.clone(),
        events: received,
    });
    Hub {
        streams: 0,
        frames,
        events,
        totals,
    }
}

impl Subscription {
    /// The totals to show first: recent ones, or read now.
    pub async fn opening(&self) -> Option<Arc<Frame>> {
        let live = &self.live.inner;
        self.totals
            .get_or_read(FRESH, || {
                read_totals(&live.db, live.render.as_ref(), &self.tenant)
            })
            .await
    }

    /// The next frame, or `None` when the stream should end (the instance
    /// is stopping). A stream that fell behind skips what it missed: the
    /// next totals set its figures right.
    pub async fn next(&mut self) -> Option<Arc<Frame>> {
        loop {
            tokio::select! {
                biased;
                _ = self.closed.wait_for(|closed| *closed) => return None,
                received = self.frames.recv() => match received {
                    Ok(frame) => return Some(frame),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant.id
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut hubs = self.live.inner.lock();
        hubs.open = hubs.open.saturating_sub(1);
        let id = self.tenant.id;
        tracing::debug!(tenant = %id, open = hubs.open, "live stream closed");
        let last = match hubs.by_tenant.get_mut(&id) {
            Some(hub) => {
                hub.streams = hub.streams.saturating_sub(1);
                hub.streams == 0
            }
            None => false,
        };
        // Its relay ends with the hub's sender.
        if last {
            hubs.by_tenant.remove(&id);
        }
    }
}

impl Totals {
    /// The stored totals when younger than `fresh`, else read (once, while
    /// other callers wait for the same reading).
    pub(super) async fn get_or_read<F>(
        &self,
        fresh: Duration,
        read: impl FnOnce() -> F,
    ) -> Option<Arc<Frame>>
    where
        F: Future<Output = Option<Frame>>,
    {
        let mut last = self.0.lock().await;
        if let Some((at, frame)) = last.as_ref()
            && at.elapsed() < fresh
        {
            return Some(frame.clone());
        }
        let frame = Arc::new(read().await?);
        *last = Some((Instant::now(), frame.clone()));
        Some(frame)
    }
}

/// The tenant's totals, read in a transaction of their own.
pub(super) async fn read_totals(
    db: &Database,
    render: &dyn Render,
    tenant: &Arc<Tenant>,
) -> Option<Frame> {
    let result = async {
        let mut tx = TenantTx::begin(db, tenant.clone()).await?;
        let frame = render.totals(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, crate::error::AppError>(frame)
    }
    .await;
    result
        .map_err(|error| tracing::warn!(%error, tenant = %tenant.id, "live totals not read"))
        .ok()
}
