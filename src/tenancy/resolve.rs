//! Host → tenant resolution with an in-memory cache (moka), including
//! negative entries, kept coherent across instances by `LISTEN/NOTIFY`
//! (see [`super::listen`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::Expiry;
use moka::future::Cache;
use sqlx::PgPool;

use super::{Hostname, HostnameError, Tenant, registry};

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

/// What the cache knows about a host.
#[derive(Clone)]
enum Entry {
    Tenant(Arc<Tenant>),
    Unknown,
    /// The host's tenant row could not be decoded: remembered briefly, so
    /// that a broken row costs one query every few seconds rather than one
    /// per request. Transient errors (a busy pool, a lost connection) are
    /// not remembered.
    Broken(Arc<sqlx::Error>),
}

impl Entry {
    fn from_lookup(lookup: Result<Option<Tenant>, sqlx::Error>) -> Result<Self, sqlx::Error> {
        match lookup {
            Ok(Some(tenant)) => Ok(Self::Tenant(Arc::new(tenant))),
            Ok(None) => Ok(Self::Unknown),
            Err(error @ (sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. })) => {
                tracing::error!(%error, "tenant row cannot be read");
                Ok(Self::Broken(Arc::new(error)))
            }
            Err(error) => Err(error),
        }
    }
}

/// Positive entries are dropped by notifications; the TTL only bounds
/// staleness if a notification were ever missed.
const POSITIVE_TTL: Duration = Duration::from_secs(300);
/// Unknown hosts are remembered briefly, so a flood of random hosts costs one
/// query per host, not one per request.
const NEGATIVE_TTL: Duration = Duration::from_secs(30);
/// A broken row is retried after this long (or as soon as it changes).
const BROKEN_TTL: Duration = Duration::from_secs(5);
const CAPACITY: u64 = 100_000;

struct Ttl;

impl Expiry<Hostname, Entry> for Ttl {
    fn expire_after_create(&self, _: &Hostname, value: &Entry, _: Instant) -> Option<Duration> {
        Some(match value {
            Entry::Tenant(_) => POSITIVE_TTL,
            Entry::Unknown => NEGATIVE_TTL,
            Entry::Broken(_) => BROKEN_TTL,
        })
    }
}

#[derive(Clone)]
pub struct Resolver {
    cache: Cache<Hostname, Entry>,
    pool: PgPool,
    platform_host: Hostname,
    /// Bumped by every invalidation, so a lookup that raced with one does not
    /// leave its (possibly stale) answer in the cache.
    generation: Arc<AtomicU64>,
    /// Database lookups made so far (cache misses), for tests and diagnostics.
    lookups: Arc<AtomicU64>,
}

impl Resolver {
    pub fn new(pool: PgPool, platform_host: Hostname) -> Self {
        let cache = Cache::builder()
            .max_capacity(CAPACITY)
            .expire_after(Ttl)
            .support_invalidation_closures()
            .build();
        Self {
            cache,
            pool,
            platform_host,
            generation: Arc::default(),
            lookups: Arc::default(),
        }
    }

    /// Resolves a raw `Host` value.
    pub async fn resolve(&self, raw_host: &str) -> Result<Site, ResolveError> {
        let host = Hostname::parse(raw_host)?;
        if host == self.platform_host {
            return Ok(Site::Platform);
        }
        self.tenant_for(&host)
            .await?
            .map(Site::Tenant)
            .ok_or(ResolveError::Unknown)
    }

    /// The tenant `host` belongs to, from the cache or the database.
    pub async fn tenant_for(
        &self,
        host: &Hostname,
    ) -> Result<Option<Arc<Tenant>>, Arc<sqlx::Error>> {
        let generation = self.generation.load(Ordering::Acquire);
        let (pool, lookups) = (&self.pool, &self.lookups);
        let entry = self
            .cache
            .try_get_with_by_ref(host, async move {
                metrics::counter!("tessera_tenant_cache_misses_total").increment(1);
                lookups.fetch_add(1, Ordering::Relaxed);
                Entry::from_lookup(registry::find_by_host(pool, host).await)
            })
            .await?;
        if self.generation.load(Ordering::Acquire) != generation {
            self.cache.invalidate(host).await;
        }
        match entry {
            Entry::Tenant(tenant) => Ok(Some(tenant)),
            Entry::Unknown => Ok(None),
            Entry::Broken(error) => Err(error),
        }
    }

    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Drops what is cached for `tenant_id`, and every negative or broken
    /// entry (a new domain may have appeared, a row may have been repaired).
    pub fn invalidate_tenant(&self, tenant_id: i64) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        let dropped = self
            .cache
            .invalidate_entries_if(move |_, entry| match entry {
                Entry::Tenant(tenant) => tenant.id == tenant_id,
                Entry::Unknown | Entry::Broken(_) => true,
            });
        if dropped.is_err() {
            self.cache.invalidate_all();
        }
    }

    /// Drops everything (e.g. after the notification connection was lost).
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.invalidate_all();
    }
}
