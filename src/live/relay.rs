//! A tenant's relay on this instance: turns each event heard into frames
//! once for all of the tenant's streams. After payments it reads the
//! tenant's totals once (events queued meanwhile are sent first and share
//! that one reading). It ends when the hub does (its last stream closed).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use super::event::Envelope;
use super::hub::{Totals, read_totals};
use super::{Frame, Render};
use crate::db::Database;
use crate::model::Tenant;

/// What the listener hands a relay.
#[derive(Debug)]
pub(super) enum Signal {
    Event(Envelope),
    /// Notifications may have been missed (the listener reconnected):
    /// read the totals again.
    Resync,
}

pub(super) struct Relay {
    pub(super) db: Database,
    pub(super) render: Arc<dyn Render>,
    pub(super) tenant: Arc<Tenant>,
    pub(super) frames: broadcast::Sender<Arc<Frame>>,
    pub(super) totals: Arc<Totals>,
    pub(super) events: mpsc::Receiver<Signal>,
}

pub(super) fn spawn(relay: Relay) {
    tokio::spawn(relay.run());
}

impl Relay {
    async fn run(mut self) {
        while let Some(signal) = self.events.recv().await {
            let mut read_totals = self.send(signal);
            // A burst is sent as it came, then totals are read once.
            while let Ok(signal) = self.events.try_recv() {
                read_totals |= self.send(signal);
            }
            if read_totals {
                self.send_totals().await;
            }
        }
    }

    /// Sends an event's frame; whether the totals changed.
    fn send(&self, signal: Signal) -> bool {
        let envelope = match signal {
            Signal::Resync => return true,
            Signal::Event(envelope) => envelope,
        };
        // Routed by tenant already; checked again so that no mistake in
        // routing can ever show one tenant's event to another.
        if envelope.tenant != self.tenant.id {
            tracing::error!(tenant = %self.tenant.id, event_tenant = %envelope.tenant, "live event for another tenant dropped");
            return false;
        }
        let frame = self.render.event(&self.tenant, &envelope.event);
        let _ = self.frames.send(Arc::new(frame));
        envelope.event.is_payment()
    }

    async fn send_totals(&self) {
        let (db, render, tenant) = (&self.db, self.render.as_ref(), &self.tenant);
        let read = || read_totals(db, render, tenant);
        // Always read again (`ZERO`): the event just sent changed them.
        if let Some(frame) = self.totals.get_or_read(Duration::ZERO, read).await {
            let _ = self.frames.send(frame);
        }
    }
}
