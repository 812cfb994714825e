//! Rate limit of `/api/v1`: a token bucket per client address (GCRA, the
//! `governor` crate), answered with 429, `Retry-After` and a problem. The
//! address is the one `auth::context` settled on (the peer, or the proxy's
//! `X-Forwarded-For` entry when configured).

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::RequestAuth;
use crate::config::ApiConfig;
use crate::error::AppError;

/// Forgotten addresses are dropped every this many requests.
const SWEEP_EVERY: u64 = 4096;

/// The limiter of one instance, shared by its requests.
#[derive(Clone)]
pub struct RateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    seen: Arc<AtomicU64>,
}

impl RateLimit {
    pub fn new(config: &ApiConfig) -> Self {
        let per_second = NonZeroU32::new(config.rate_per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.rate_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(per_second).allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            seen: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Seconds to wait when `ip` is over its quota.
    fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.seen.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// Route layer of the API routes.
pub async fn limit(State(limit): State<RateLimit>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<RequestAuth>()
        .and_then(|context| context.client_ip)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    match limit.check(ip) {
        Ok(()) => next.run(request).await,
        Err(seconds) => AppError::TooManyRequests(seconds.max(1)).into_response(),
    }
}
