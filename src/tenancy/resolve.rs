//! Host → tenant resolution from memory.
//!
//! Every instance holds the whole host → tenant id map (`platform.domains`,
//! see [`HostMap`]): loaded at start, then kept current by a refresher task
//! that the change listener ([`super::listen`]) wakes, with a full reload
//! when notifications may have been missed and a reload of only the tenants
//! named otherwise. An unknown host is answered with no query at all,
//! however many distinct hosts a client invents. Tenant rows are cached by
//! id (moka) and loaded on a miss, a few at a time.
//!
//! The refresher works on a connection of its own and also pings the
//! database with it every second: its last answer is what `/healthz`
//! reports, so health checks never wait for the platform pool.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::future::Cache;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinHandle;

use super::domains::{HostMap, Pending};
use super::listen::Liveness;
use super::{Hostname, HostnameError, Tenant, registry};
use crate::db::Platform;
use crate::model::TenantId;

/// Who a request is for.
#[derive(Debug, Clone)]
pub enum Site {
    /// The operator side (`platform_host`).
    Platform,
    Tenant(Arc<Tenant>),
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("bad host: {0}")]
    BadHost(#[from] HostnameError),
    #[error("no site answers to this host")]
    Unknown,
    #[error("tenant lookup failed: {0}")]
    Database(#[from] Arc<sqlx::Error>),
}

/// What the row cache knows about a tenant id the host map named.
#[derive(Clone)]
enum Entry {
    Tenant(Arc<Tenant>),
    /// Deleted since the map was read; the map follows within moments.
    Gone,
    /// The tenant row could not be decoded: remembered briefly, so that a
    /// broken row costs one query every few seconds rather than one per
    /// request. Transient errors (a busy pool, a lost connection) are not
    /// remembered.
    Broken(Arc<sqlx::Error>),
}

impl Entry {
    fn from_lookup(lookup: Result<Option<Tenant>, sqlx::Error>) -> Result<Self, sqlx::Error> {
        match lookup {
            Ok(Some(tenant)) => Ok(Self::Tenant(Arc::new(tenant))),
            Ok(None) => Ok(Self::Gone),
            Err(error @ (sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. })) => {
                tracing::error!(%error, "tenant row cannot be read");
                Ok(Self::Broken(Arc::new(error)))
            }
            Err(error) => Err(error),
        }
    }
}

/// Rows are dropped by notifications; the TTL only bounds staleness if a
/// notification were ever missed.
const POSITIVE_TTL: Duration = Duration::from_secs(300);
/// A broken or vanished row is retried after this long (or as soon as it changes).
const RETRY_TTL: Duration = Duration::from_secs(5);
const CAPACITY: u64 = 100_000;
/// How often the refresher proves the database answers, when nothing else did.
const PING_EVERY: Duration = Duration::from_secs(1);
/// Bound on each of the refresher's round trips.
const ROUND_TRIP_TIMEOUT: Duration = Duration::from_secs(2);

struct Ttl;

impl Expiry<TenantId, Entry> for Ttl {
    fn expire_after_create(&self, _: &TenantId, value: &Entry, _: Instant) -> Option<Duration> {
        Some(match value {
            Entry::Tenant(_) => POSITIVE_TTL,
            Entry::Gone | Entry::Broken(_) => RETRY_TTL,
        })
    }
}

#[derive(Clone)]
pub struct Resolver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hosts = self.inner.read_hosts().len();
        f.debug_struct("Resolver").field("hosts", &hosts).finish()
    }
}

struct Inner {
    pool: Platform,
    platform_host: Hostname,
    hosts: RwLock<HostMap>,
    /// True once the first full load is in: before it, "unknown" is a guess.
    loaded: watch::Sender<bool>,
    rows: Cache<TenantId, Entry>,
    /// Bumped by every invalidation, so a row load that raced with one does
    /// not leave its (possibly stale) answer in the cache.
    generation: AtomicU64,
    /// Row loads made so far (cache misses), for tests and diagnostics.
    lookups: AtomicU64,
    /// Row loads in flight at once: a flood of misses cannot take the whole
    /// platform pool.
    misses: Semaphore,
    /// How long a request waits for a miss slot or the first load.
    miss_wait: Duration,
    /// Filled by notifications, emptied by the refresher, which takes its
    /// work *before* reading: a change committed while a load runs leaves
    /// a new entry here, so a raced load is always followed by another.
    pending: Mutex<Pending>,
    wake: Notify,
    /// Passes of the refresher: `taken` counts the pending sets it took
    /// (under the `pending` lock), `applied` the last pass that succeeded.
    /// A writer in this process waits for the pass that includes its change.
    taken: AtomicU64,
    applied: watch::Sender<u64>,
    /// When the database last answered the refresher.
    liveness: Liveness,
}

impl Resolver {
    pub fn new(pool: Platform, platform_host: Hostname) -> Self {
        let rows = Cache::builder()
            .max_capacity(CAPACITY)
            .expire_after(Ttl)
            .support_invalidation_closures()
            .build();
        let (connections, miss_wait) = pool.limits();
        let permits = (connections / 2).max(1) as usize;
        let pending = Pending {
            everything: true,
            ..Pending::default()
        };
        let inner = Inner {
            pool,
            platform_host,
            hosts: RwLock::default(),
            loaded: watch::Sender::new(false),
            rows,
            generation: AtomicU64::new(0),
            lookups: AtomicU64::new(0),
            misses: Semaphore::new(permits),
            miss_wait,
            pending: Mutex::new(pending),
            wake: Notify::new(),
            taken: AtomicU64::new(0),
            applied: watch::Sender::new(0),
            liveness: Liveness::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Whether `host` leads to a site (the platform host or a tenant's),
    /// from memory: no query, whatever the name. What the TLS listener
    /// decides certificate orders from.
    pub fn routes(&self, host: &Hostname) -> bool {
        *host == self.inner.platform_host || self.inner.read_hosts().tenant_of(host).is_some()
    }

    /// Resolves a raw `Host` value.
    pub async fn resolve(&self, raw_host: &str) -> Result<Site, ResolveError> {
        let host = Hostname::parse(raw_host)?;
        if host == self.inner.platform_host {
            return Ok(Site::Platform);
        }
        self.tenant_for(&host)
            .await?
            .map(Site::Tenant)
            .ok_or(ResolveError::Unknown)
    }

    /// The tenant `host` belongs to: the host from memory, the row from the
    /// cache or the database.
    pub async fn tenant_for(
        &self,
        host: &Hostname,
    ) -> Result<Option<Arc<Tenant>>, Arc<sqlx::Error>> {
        self.wait_loaded().await?;
        let id = self.inner.read_hosts().tenant_of(host);
        match id {
            Some(id) => self.tenant(id).await,
            None => Ok(None),
        }
    }

    async fn wait_loaded(&self) -> Result<(), Arc<sqlx::Error>> {
        if *self.inner.loaded.borrow() {
            return Ok(());
        }
        let mut loaded = self.inner.loaded.subscribe();
        match tokio::time::timeout(self.inner.miss_wait, loaded.wait_for(|l| *l)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err(Arc::new(sqlx::Error::PoolTimedOut)),
        }
    }

    async fn tenant(&self, id: TenantId) -> Result<Option<Arc<Tenant>>, Arc<sqlx::Error>> {
        let inner = &self.inner;
        let generation = inner.generation.load(Ordering::Acquire);
        let entry = inner.rows.try_get_with(id, inner.load_row(id)).await?;
        if inner.generation.load(Ordering::Acquire) != generation {
            inner.rows.invalidate(&id).await;
        }
        match entry {
            Entry::Tenant(tenant) => Ok(Some(tenant)),
            Entry::Gone => Ok(None),
            Entry::Broken(error) => Err(error),
        }
    }

    /// Database lookups made by requests so far (row cache misses).
    pub fn lookups(&self) -> u64 {
        self.inner.lookups.load(Ordering::Relaxed)
    }

    /// Whether the database answered within the last few seconds, as seen
    /// by the refresher's own connection: costs no query. Just after start
    /// it waits (briefly) for the first load rather than guess.
    pub async fn database_answers(&self) -> bool {
        if self.inner.pool.is_closed() {
            return false;
        }
        let mut loaded = self.inner.loaded.subscribe();
        let _ = tokio::time::timeout(ROUND_TRIP_TIMEOUT, loaded.wait_for(|l| *l)).await;
        self.inner.liveness.is_alive()
    }

    /// `tenant_id` or its domains changed: drops its row now and reloads
    /// its hosts in the background.
    pub fn invalidate_tenant(&self, tenant_id: TenantId) {
        self.invalidate(tenant_id);
    }

    /// [`Self::invalidate_tenant`], then waits (briefly) until the host map
    /// has it: a change made by this process is seen by its next request,
    /// without waiting for the notification to come back.
    pub async fn reload_tenant(&self, tenant_id: TenantId) {
        let pass = self.invalidate(tenant_id);
        let mut applied = self.inner.applied.subscribe();
        let caught_up = applied.wait_for(|done| *done >= pass);
        if tokio::time::timeout(2 * ROUND_TRIP_TIMEOUT, caught_up)
            .await
            .is_err()
        {
            tracing::warn!(
                %tenant_id,
                "host map not reloaded in time; the notification will do"
            );
        }
    }

    /// Returns the refresher pass that will include the change.
    fn invalidate(&self, tenant_id: TenantId) -> u64 {
        let inner = &self.inner;
        inner.generation.fetch_add(1, Ordering::AcqRel);
        let dropped = inner
            .rows
            .invalidate_entries_if(move |id, _| *id == tenant_id);
        if dropped.is_err() {
            inner.rows.invalidate_all();
        }
        let pass = {
            let mut pending = inner.lock_pending();
            pending.tenants.insert(tenant_id);
            inner.taken.load(Ordering::Acquire) + 1
        };
        inner.wake.notify_one();
        pass
    }

    /// Drops every row and reloads the whole map (e.g. after the
    /// notification connection was lost). The old map serves meanwhile.
    pub fn invalidate_all(&self) {
        let inner = &self.inner;
        inner.generation.fetch_add(1, Ordering::AcqRel);
        inner.rows.invalidate_all();
        inner.lock_pending().everything = true;
        inner.wake.notify_one();
    }

    /// Starts the task that loads the host map, applies the reloads owed
    /// and pings the database, on one connection outside the platform pool.
    /// It stops once the platform pool is closed.
    pub fn spawn_refresher(&self) -> JoinHandle<()> {
        let own = self.inner.pool.dedicated(ROUND_TRIP_TIMEOUT);
        tokio::spawn(refresh(self.inner.clone(), own))
    }
}

async fn refresh(inner: Arc<Inner>, own: Platform) {
    while !inner.pool.is_closed() {
        let (pass, work) = inner.take_pending();
        match inner.reload(&own, &work).await {
            Ok(()) => {
                inner.applied.send_replace(pass);
            }
            Err(error) => {
                tracing::warn!(%error, "host map reload failed; retrying");
                inner.lock_pending().merge(work);
            }
        }
        if inner.liveness.silent_for() >= PING_EVERY {
            inner.ping(&own).await;
        }
        tokio::select! {
            _ = inner.wake.notified() => {}
            _ = tokio::time::sleep(PING_EVERY) => {}
        }
    }
    own.close().await;
}

impl Inner {
    async fn load_row(&self, id: TenantId) -> Result<Entry, sqlx::Error> {
        let _slot = tokio::time::timeout(self.miss_wait, self.misses.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        metrics::counter!("tessera_tenant_cache_misses_total").increment(1);
        self.lookups.fetch_add(1, Ordering::Relaxed);
        Entry::from_lookup(registry::find_by_id(&self.pool, id).await)
    }

    /// Applies `work` to the host map; a full load replaces it whole.
    async fn reload(&self, own: &Platform, work: &Pending) -> Result<(), sqlx::Error> {
        if work.everything {
            let map = HostMap::from_rows(bounded(registry::all_hosts(own)).await?);
            tracing::debug!(hosts = map.len(), "host map loaded");
            *self.write_hosts() = map;
            self.loaded.send_replace(true);
        } else if !work.tenants.is_empty() {
            let ids: Vec<TenantId> = work.tenants.iter().copied().collect();
            let rows = bounded(registry::hosts_of(own, &ids)).await?;
            self.write_hosts().reload(&ids, rows);
        } else {
            return Ok(());
        }
        self.liveness.answered();
        Ok(())
    }

    fn take_pending(&self) -> (u64, Pending) {
        let mut pending = self.lock_pending();
        let pass = self.taken.fetch_add(1, Ordering::AcqRel) + 1;
        (pass, std::mem::take(&mut *pending))
    }

    async fn ping(&self, own: &Platform) {
        match bounded(sqlx::query("SELECT 1").execute(own)).await {
            Ok(_) => self.liveness.answered(),
            Err(error) => tracing::debug!(%error, "database ping failed"),
        }
    }

    // A panic while a lock is held cannot leave these half-updated (each
    // critical section is one assignment or one `reload`), so a poisoned
    // lock is used as is rather than failing every request.
    fn read_hosts(&self) -> RwLockReadGuard<'_, HostMap> {
        self.hosts.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_hosts(&self) -> RwLockWriteGuard<'_, HostMap> {
        self.hosts.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `query` with the refresher's time bound.
async fn bounded<T>(query: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, sqlx::Error> {
    tokio::time::timeout(ROUND_TRIP_TIMEOUT, query)
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
}
