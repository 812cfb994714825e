//! Rendered pages that every anonymous visitor of a tenant sees alike (the
//! portal's home page), kept in memory until the tenant or its content
//! changes (`LISTEN/NOTIFY`, see [`crate::tenancy::listen`]), a scheduled item
//! becomes due, or the TTL runs out.
//!
//! Keys start with the tenant id: a page can only ever be served to the
//! tenant it was rendered for. They also carry the version of the tenant row
//! the page was rendered from, so a render that started from an older copy
//! of the tenant (a rename racing the request) can never be served for the
//! newer one. Changes of the tenant's *content* are caught by a generation
//! per tenant: a render that read its data before an invalidation of its
//! tenant is not stored, and other tenants are not affected. Pages that
//! depend on the visitor (signed in, personal data) must never go through
//! this cache.
//!
//! A [`Page`] is stored as it goes on the wire: identity, gzip and brotli
//! bodies compressed once when it is stored, and a strong `ETag`, so a hit
//! costs no compression and a revalidation ([`Page::respond`]) no body.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use moka::Expiry;
use moka::sync::Cache;

use crate::model::TenantId;

mod page;

pub use page::Page;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub tenant_id: TenantId,
    /// [`crate::tenancy::Tenant::version`] of the tenant the page shows.
    pub tenant_version: i64,
    pub page: &'static str,
    pub locale: &'static str,
}

#[derive(Debug)]
struct Stored {
    page: Arc<Page>,
    valid_for: Duration,
}

struct UntilDue;

impl Expiry<PageKey, Arc<Stored>> for UntilDue {
    fn expire_after_create(
        &self,
        _: &PageKey,
        stored: &Arc<Stored>,
        _: Instant,
    ) -> Option<Duration> {
        Some(stored.valid_for)
    }
}

/// Proof of when a render of one tenant's page started reading data: a page
/// rendered from data read before an invalidation of that tenant (or of
/// everything) is not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    tenant_id: TenantId,
    epoch: u64,
    generation: u64,
}

/// What the cache did, for tests and diagnostics (also exported as metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCacheStats {
    pub hits: u64,
    pub misses: u64,
    pub stores: u64,
    /// Renders not stored because their tenant changed while they ran.
    pub discarded: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    stores: AtomicU64,
    discarded: AtomicU64,
}

const SHARDS: usize = 16;

/// One invalidation counter per tenant, plus an epoch for "everything".
/// Counters are never removed: a tenant's entry is a few bytes, and a
/// counter that restarted from zero could match an old ticket again.
struct Generations {
    epoch: AtomicU64,
    shards: [Mutex<HashMap<TenantId, u64>>; SHARDS],
}

impl Generations {
    fn new() -> Self {
        Self {
            epoch: AtomicU64::new(0),
            shards: std::array::from_fn(|_| Mutex::default()),
        }
    }

    /// A poisoned shard still holds valid counters (they are only ever
    /// incremented), so it is used as it is.
    fn shard(&self, tenant_id: TenantId) -> std::sync::MutexGuard<'_, HashMap<TenantId, u64>> {
        let index = tenant_id.get().unsigned_abs() as usize % SHARDS;
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn ticket(&self, tenant_id: TenantId) -> Ticket {
        let epoch = self.epoch.load(Ordering::Acquire);
        let generation = self.shard(tenant_id).get(&tenant_id).copied().unwrap_or(0);
        Ticket {
            tenant_id,
            epoch,
            generation,
        }
    }

    fn is_current(&self, ticket: Ticket) -> bool {
        self.ticket(ticket.tenant_id) == ticket
    }

    fn bump(&self, tenant_id: TenantId) {
        *self.shard(tenant_id).entry(tenant_id).or_insert(0) += 1;
    }

    fn bump_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }
}

#[derive(Clone)]
pub struct PageCache {
    pages: Option<Cache<PageKey, Arc<Stored>>>,
    max_ttl: Duration,
    generations: Arc<Generations>,
    counters: Arc<Counters>,
}

const CAPACITY_BYTES: u64 = 256 * 1024 * 1024;

impl PageCache {
    /// A cache holding at most 256 MiB of pages; `enabled = false` stores nothing.
    pub fn new(enabled: bool, max_ttl: Duration) -> Self {
        let pages = enabled.then(|| {
            Cache::builder()
                .weigher(|_: &PageKey, stored: &Arc<Stored>| {
                    u32::try_from(stored.page.weight()).unwrap_or(u32::MAX)
                })
                .max_capacity(CAPACITY_BYTES)
                .expire_after(UntilDue)
                .support_invalidation_closures()
                .build()
        });
        Self {
            pages,
            max_ttl,
            generations: Arc::new(Generations::new()),
            counters: Arc::default(),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.pages.is_some()
    }

    pub fn get(&self, key: &PageKey) -> Option<Arc<Page>> {
        let pages = self.pages.as_ref()?;
        let Some(stored) = pages.get(key) else {
            count(&self.counters.misses, "tessera_page_cache_misses_total");
            return None;
        };
        count(&self.counters.hits, "tessera_page_cache_hits_total");
        Some(stored.page.clone())
    }

    /// Take before reading the data a page of `tenant_id` is rendered from.
    pub fn ticket(&self, tenant_id: TenantId) -> Ticket {
        self.generations.ticket(tenant_id)
    }

    /// The page to answer `request` with. With the cache on, it is kept for
    /// the next visitors (see [`Self::put`]) in every encoding, compressed
    /// once; otherwise it is compressed only as this client asks.
    pub fn keep(
        &self,
        key: PageKey,
        ticket: Ticket,
        valid_for: Option<Duration>,
        html: Bytes,
        request: &HeaderMap,
    ) -> Arc<Page> {
        if !self.is_enabled() {
            return Arc::new(Page::for_one(html, request));
        }
        let page = Arc::new(Page::new(html));
        self.put(key, page.clone(), ticket, valid_for);
        page
    }

    /// Stores a page for at most `valid_for` (capped by the TTL), unless its
    /// tenant was invalidated since `ticket` was taken.
    pub fn put(&self, key: PageKey, page: Arc<Page>, ticket: Ticket, valid_for: Option<Duration>) {
        let Some(pages) = &self.pages else {
            return;
        };
        let valid_for = valid_for.map_or(self.max_ttl, |d| d.min(self.max_ttl));
        if valid_for.is_zero() {
            return;
        }
        if key.tenant_id != ticket.tenant_id || !self.generations.is_current(ticket) {
            count(
                &self.counters.discarded,
                "tessera_page_cache_discarded_total",
            );
            return;
        }
        pages.insert(key.clone(), Arc::new(Stored { page, valid_for }));
        // An invalidation may have landed between the check and the insert:
        // only this page can be stale, so only it goes.
        if !self.generations.is_current(ticket) {
            pages.invalidate(&key);
            count(
                &self.counters.discarded,
                "tessera_page_cache_discarded_total",
            );
            return;
        }
        count(&self.counters.stores, "tessera_page_cache_stores_total");
    }

    pub fn invalidate_tenant(&self, tenant_id: TenantId) {
        self.generations.bump(tenant_id);
        if let Some(pages) = &self.pages
            && pages
                .invalidate_entries_if(move |key, _| key.tenant_id == tenant_id)
                .is_err()
        {
            pages.invalidate_all();
        }
    }

    pub fn invalidate_all(&self) {
        self.generations.bump_all();
        if let Some(pages) = &self.pages {
            pages.invalidate_all();
        }
    }

    pub fn stats(&self) -> PageCacheStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        PageCacheStats {
            hits: read(&self.counters.hits),
            misses: read(&self.counters.misses),
            stores: read(&self.counters.stores),
            discarded: read(&self.counters.discarded),
        }
    }
}

fn count(counter: &AtomicU64, metric: &'static str) {
    counter.fetch_add(1, Ordering::Relaxed);
    metrics::counter!(metric).increment(1);
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;

    use super::*;

    fn page(html: &'static [u8]) -> Arc<Page> {
        Arc::new(Page::new(Bytes::from_static(html)))
    }

    fn html(page: Option<Arc<Page>>) -> Option<Bytes> {
        page.map(|page| page.html().clone())
    }

    fn key(tenant_id: TenantId) -> PageKey {
        PageKey {
            tenant_id,
            tenant_version: 1,
            page: "home",
            locale: "fr",
        }
    }

    #[test]
    fn pages_are_kept_per_tenant() {
        let cache = PageCache::new(true, Duration::from_secs(60));
        cache.put(
            key(TenantId::new(1)),
            page(b"one"),
            cache.ticket(TenantId::new(1)),
            None,
        );
        cache.put(
            key(TenantId::new(2)),
            page(b"two"),
            cache.ticket(TenantId::new(2)),
            None,
        );
        assert_eq!(
            html(cache.get(&key(TenantId::new(1)))).as_deref(),
            Some(&b"one"[..])
        );
        assert_eq!(
            html(cache.get(&key(TenantId::new(2)))).as_deref(),
            Some(&b"two"[..])
        );
        cache.invalidate_tenant(TenantId::new(1));
        assert!(cache.get(&key(TenantId::new(1))).is_none());
        assert_eq!(
            html(cache.get(&key(TenantId::new(2)))).as_deref(),
            Some(&b"two"[..])
        );
    }

    #[test]
    fn a_render_that_raced_an_invalidation_of_its_tenant_is_not_stored() {
        let cache = PageCache::new(true, Duration::from_secs(60));
        let ticket = cache.ticket(TenantId::new(1));
        cache.invalidate_tenant(TenantId::new(1));
        cache.put(key(TenantId::new(1)), page(b"stale"), ticket, None);
        assert!(cache.get(&key(TenantId::new(1))).is_none());
        assert_eq!(cache.stats().discarded, 1);
    }

    #[test]
    fn another_tenants_invalidation_does_not_block_caching() {
        let cache = PageCache::new(true, Duration::from_secs(60));
        let ticket = cache.ticket(TenantId::new(2));
        cache.invalidate_tenant(TenantId::new(1));
        cache.put(key(TenantId::new(2)), page(b"two"), ticket, None);
        assert_eq!(
            html(cache.get(&key(TenantId::new(2)))).as_deref(),
            Some(&b"two"[..])
        );
        assert_eq!(cache.stats().stores, 1);
    }

    #[test]
    fn invalidating_everything_outdates_every_ticket() {
        let cache = PageCache::new(true, Duration::from_secs(60));
        let ticket = cache.ticket(TenantId::new(2));
        cache.invalidate_all();
        cache.put(key(TenantId::new(2)), page(b"two"), ticket, None);
        assert!(cache.get(&key(TenantId::new(2))).is_none());
    }

    #[test]
    fn a_page_of_an_older_tenant_version_is_not_served_for_the_newer() {
        let cache = PageCache::new(true, Duration::from_secs(60));
        cache.put(
            key(TenantId::new(1)),
            page(b"old name"),
            cache.ticket(TenantId::new(1)),
            None,
        );
        let newer = PageKey {
            tenant_version: 2,
            ..key(TenantId::new(1))
        };
        assert!(cache.get(&newer).is_none());
    }

    #[test]
    fn disabled_or_already_due_pages_are_not_stored() {
        let off = PageCache::new(false, Duration::from_secs(60));
        off.put(
            key(TenantId::new(1)),
            page(b"x"),
            off.ticket(TenantId::new(1)),
            None,
        );
        assert!(off.get(&key(TenantId::new(1))).is_none());
        let on = PageCache::new(true, Duration::from_secs(60));
        on.put(
            key(TenantId::new(1)),
            page(b"x"),
            on.ticket(TenantId::new(1)),
            Some(Duration::ZERO),
        );
        assert!(on.get(&key(TenantId::new(1))).is_none());
    }
}
