//! Click capture off the request path. A click is pushed into an in-memory
//! buffer (no database round trip while the visitor waits); a task writes
//! the buffer in batches, one transaction per tenant (or for the
//! platform), every quarter of a
//! second or as soon as it holds a few hundred. A batch that fails goes
//! back into the buffer for the next round, and shutdown writes what is
//! left ([`ClickBuffer::flush`]), so no click is lost on a clean stop.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use uuid::Uuid;

use super::books::Books;
use crate::db::{Database, TenantTx};
use crate::model::Tenant;

/// A click waiting to be written.
#[derive(Debug, Clone)]
pub struct Click {
    /// Whose books: a tenant's, or (`None`) the platform's.
    pub tenant: Option<Arc<Tenant>>,
    pub id: Uuid,
    pub link_id: i64,
    pub at: DateTime<Utc>,
    pub ip: Option<IpAddr>,
    pub device: Vec<u8>,
    pub referer: Option<String>,
}

/// Writes happen when this many clicks wait, or at the next tick.
const BATCH: usize = 256;
const TICK: Duration = Duration::from_millis(250);
/// Past this many waiting clicks (the database is down), new ones are
/// dropped with a warning rather than exhausting memory.
const CEILING: usize = 200_000;

#[derive(Clone)]
pub struct ClickBuffer {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    waiting: Mutex<Vec<Click>>,
    wake: Notify,
    /// One writer at a time: the task or a flush.
    writing: tokio::sync::Mutex<()>,
}

impl ClickBuffer {
    pub fn new(db: Database) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                waiting: Mutex::new(Vec::new()),
                wake: Notify::new(),
                writing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Vec<Click>> {
        self.inner
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn push(&self, click: Click) {
        let len = {
            let mut waiting = self.waiting();
            if waiting.len() >= CEILING {
                tracing::warn!("click buffer full: a click was dropped");
                return;
            }
            waiting.push(click);
            waiting.len()
        };
        if len >= BATCH {
            self.inner.wake.notify_one();
        }
    }

    /// How many clicks wait to be written.
    pub fn len(&self) -> usize {
        self.waiting().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The writer task.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        let buffer = self.clone();
        tokio::spawn(async move {
            loop {
                let _ = tokio::time::timeout(TICK, buffer.inner.wake.notified()).await;
                buffer.write_waiting().await;
            }
        })
    }

    /// Writes every waiting click now (shutdown, tests).
    pub async fn flush(&self) {
        for _ in 0..3 {
            self.write_waiting().await;
            if self.is_empty() {
                return;
            }
        }
        tracing::warn!(left = self.len(), "clicks not written at shutdown");
    }

    async fn write_waiting(&self) {
        let _writer = self.inner.writing.lock().await;
        let batch = std::mem::take(&mut *self.waiting());
        if batch.is_empty() {
            return;
        }
        let mut by_tenant: HashMap<i64, Vec<Click>> = HashMap::new();
        for click in batch {
            let owner = click.tenant.as_ref().map_or(0, |t| t.id.get());
            by_tenant.entry(owner).or_default().push(click);
        }
        for (_, clicks) in by_tenant {
            if let Err(error) = self.write(&clicks).await {
                tracing::warn!(%error, count = clicks.len(), "clicks not written yet");
                self.waiting().extend(clicks);
            }
        }
    }

    async fn write(&self, clicks: &[Click]) -> Result<(), sqlx::Error> {
        let Some(first) = clicks.first() else {
            return Ok(());
        };
        match &first.tenant {
            Some(tenant) => {
                let mut tx = TenantTx::begin(&self.inner.db, tenant.clone()).await?;
                insert(&mut Books::tenant(&mut tx), clicks).await?;
                tx.commit().await
            }
            None => {
                let mut tx = super::platform::begin(self.inner.db.platform()).await?;
                insert(&mut Books::Platform(&mut tx), clicks).await?;
                tx.commit().await
            }
        }
    }
}

/// One statement for the whole batch; a click written before (a retried
/// batch) is skipped.
async fn insert(books: &mut Books<'_>, clicks: &[Click]) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = clicks.iter().map(|c| c.id.to_string()).collect();
    let links: Vec<i64> = clicks.iter().map(|c| c.link_id).collect();
    let at: Vec<DateTime<Utc>> = clicks.iter().map(|c| c.at).collect();
    let ips: Vec<Option<String>> = clicks
        .iter()
        .map(|c| c.ip.map(|ip| ip.to_string()))
        .collect();
    let devices: Vec<Vec<u8>> = clicks.iter().map(|c| c.device.clone()).collect();
    let referers: Vec<Option<String>> = clicks.iter().map(|c| c.referer.clone()).collect();
    sqlx::query!(
        "INSERT INTO aff_clicks (id, link_id, at, ip, device, referer)
         SELECT c.id::uuid, c.link_id, c.at, c.ip::inet, c.device, c.referer
         FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::bytea[], $6::text[])
              AS c(id, link_id, at, ip, device, referer)
         WHERE EXISTS (SELECT 1 FROM aff_links l WHERE l.id = c.link_id)
         ON CONFLICT (id) DO NOTHING",
        &ids,
        &links,
        &at,
        &ips as &[Option<String>],
        &devices,
        &referers as &[Option<String>]
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}
