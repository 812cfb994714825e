//! Rendered pages that every anonymous visitor of a tenant sees alike (the
//! portal's home page), kept in memory until the tenant or its content
//! changes (`LISTEN/NOTIFY`, see [`crate::tenancy::listen`]), a scheduled item
//! becomes due, or the TTL runs out.
//!
//! Keys start with the tenant id: a page can only ever be served to the
//! tenant it was rendered for. Pages that depend on the visitor (signed in,
//! personal data) must never go through this cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use moka::Expiry;
use moka::sync::Cache;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub tenant_id: i64,
    pub page: &'static str,
    pub locale: &'static str,
}

#[derive(Debug)]
struct Page {
    html: Bytes,
    valid_for: Duration,
}

struct UntilDue;

impl Expiry<PageKey, Arc<Page>> for UntilDue {
    fn expire_after_create(&self, _: &PageKey, page: &Arc<Page>, _: Instant) -> Option<Duration> {
        Some(page.valid_for)
    }
}

/// Proof of when a render started reading data: a page rendered from data
/// read before an invalidation is not stored.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

#[derive(Clone)]
pub struct PageCache {
    pages: Option<Cache<PageKey, Arc<Page>>>,
    max_ttl: Duration,
    generation: Arc<AtomicU64>,
}

const CAPACITY_BYTES: u64 = 256 * 1024 * 1024;

impl PageCache {
    /// A cache holding at most 256 MiB of pages; `enabled = false` stores nothing.
    pub fn new(enabled: bool, max_ttl: Duration) -> Self {
        let pages = enabled.then(|| {
            Cache::builder()
                .weigher(|_: &PageKey, page: &Arc<Page>| {
                    u32::try_from(page.html.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(CAPACITY_BYTES)
                .expire_after(UntilDue)
                .support_invalidation_closures()
                .build()
        });
        Self {
            pages,
            max_ttl,
            generation: Arc::default(),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.pages.is_some()
    }

    pub fn get(&self, key: &PageKey) -> Option<Bytes> {
        let page = self.pages.as_ref()?.get(key)?;
        metrics::counter!("tessera_page_cache_hits_total").increment(1);
        Some(page.html.clone())
    }

    /// Take before reading the data a page is rendered from.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.generation.load(Ordering::Acquire))
    }

    /// Stores a page for at most `valid_for` (capped by the TTL), unless an
    /// invalidation happened since `ticket` was taken.
    pub fn put(&self, key: PageKey, html: Bytes, ticket: Ticket, valid_for: Option<Duration>) {
        let Some(pages) = &self.pages else {
            return;
        };
        metrics::counter!("tessera_page_cache_misses_total").increment(1);
        let valid_for = valid_for.map_or(self.max_ttl, |d| d.min(self.max_ttl));
        if valid_for.is_zero() || self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        pages.insert(key, Arc::new(Page { html, valid_for }));
        // An invalidation may have landed between the check and the insert.
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            self.invalidate_all();
        }
    }

    pub fn invalidate_tenant(&self, tenant_id: i64) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(pages) = &self.pages
            && pages
                .invalidate_entries_if(move |key, _| key.tenant_id == tenant_id)
                .is_err()
        {
            pages.invalidate_all();
        }
    }

    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(pages) = &self.pages {
            pages.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tenant_id: i64) -> PageKey {
        PageKey {
            tenant_id,
            page: "home",
            locale: "fr",
        }
    }

    #[test]
    fn pages_are_kept_per_tenant() {
        let cache = PageCache::new(true, Duration::from_secs(60));
        let ticket = cache.ticket();
        cache.put(key(1), Bytes::from_static(b"one"), ticket, None);
        cache.put(key(2), Bytes::from_static(b"two"), ticket, None);
        assert_eq!(cache.get(&key(1)).as_deref(), Some(&b"one"[..]));
        assert_eq!(cache.get(&key(2)).as_deref(), Some(&b"two"[..]));
        cache.invalidate_tenant(1);
        assert_eq!(cache.get(&key(1)), None);
        assert_eq!(cache.get(&key(2)).as_deref(), Some(&b"two"[..]));
    }

    #[test]
    fn a_render_that_raced_an_invalidation_is_not_stored() {
        let cache = PageCache::new(true, Duration::from_secs(60));
        let ticket = cache.ticket();
        cache.invalidate_tenant(7);
        cache.put(key(1), Bytes::from_static(b"stale"), ticket, None);
        assert_eq!(cache.get(&key(1)), None);
    }

    #[test]
    fn disabled_or_already_due_pages_are_not_stored() {
        let off = PageCache::new(false, Duration::from_secs(60));
        off.put(key(1), Bytes::from_static(b"x"), off.ticket(), None);
        assert_eq!(off.get(&key(1)), None);
        let on = PageCache::new(true, Duration::from_secs(60));
        on.put(
            key(1),
            Bytes::from_static(b"x"),
            on.ticket(),
            Some(Duration::ZERO),
        );
        assert_eq!(on.get(&key(1)), None);
    }
}
