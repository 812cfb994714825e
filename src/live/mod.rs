//! Live events: a tenant's changes (a payment, a sign-up) published with
//! `pg_notify` inside the writer's transaction ([`publish`]), heard by one
//! listener per instance ([`listen`]) and handed to that tenant's open
//! streams only.
//!
//! A tenant with streams open on this instance has a hub: a broadcast
//! channel of ready-made frames, and a relay task that turns each event
//! into frames once for all of the tenant's streams (the event itself,
//! then, after payments, the tenant's totals, read once in a transaction
//! of its own). The hub goes when its last stream does. What a frame says
//! is the features layer's business ([`Render`], given at start-up).

mod event;
mod hub;
mod listen;
mod publish;
mod relay;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio::sync::watch;

pub use event::{
    CHANNEL, Envelope, LiveEvent, NAME_CHARS, PaymentChange, PaymentEvent, SignupEvent, cut,
};
pub use hub::{Refused, Subscription};
pub use publish::publish;

use crate::config::ReportingConfig;
use crate::db::{Database, TenantTx};
use crate::error::AppError;
use crate::model::{Tenant, TenantId};

/// One server-sent event, rendered once and shared by every stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The SSE `event:` name (`payment`, `signup`, `totals`).
    pub name: &'static str,
    /// The SSE `data:` line: JSON.
    pub data: String,
}

/// What a tenant's streams are sent: given by the features layer.
pub trait Render: Send + Sync + 'static {
    /// The frame of one event of `tenant`.
    fn event(&self, tenant: &Tenant, event: &LiveEvent) -> Frame;
    /// The tenant's current totals, read in `tx` (a transaction of their own).
    fn totals<'a>(&'a self, tx: &'a mut TenantTx) -> BoxFuture<'a, Result<Frame, AppError>>;
}

/// How many streams may be open on this instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_tenant: usize,
    pub total: usize,
}

impl From<&ReportingConfig> for Limits {
    fn from(config: &ReportingConfig) -> Self {
        Self {
            per_tenant: config.streams_per_tenant,
            total: config.streams_total,
        }
    }
}

/// The live events hub of this instance (cheap to clone).
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    render: Arc<dyn Render>,
    limits: Limits,
    hubs: Mutex<Hubs>,
    /// `true` once the instance shuts down: every stream ends.
    closed: watch::Sender<bool>,
}

#[derive(Default)]
struct Hubs {
    by_tenant: HashMap<TenantId, hub::Hub>,
    /// Streams open, all tenants together.
    open: usize,
}

impl Live {
    pub fn new(db: Database, render: Arc<dyn Render>, limits: Limits) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                render,
                limits,
                hubs: Mutex::new(Hubs::default()),
                closed: watch::channel(false).0,
            }),
        }
    }

    /// Ends every stream and refuses new ones (the instance is stopping:
    /// open streams would otherwise keep the server from draining).
    pub fn close(&self) {
        self.inner.closed.send_replace(true);
    }

    /// Streams open on this instance: `(for tenant, all tenants)`.
    pub fn open_streams(&self, tenant: TenantId) -> (usize, usize) {
        let hubs = self.inner.lock();
        let of_tenant = hubs.by_tenant.get(&tenant).map_or(0, |hub| hub.streams);
        (of_tenant, hubs.open)
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Hubs> {
        self.hubs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
