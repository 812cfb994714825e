//! Handshakes for names we do not serve, counted per client address: a
//! client inventing names (to make us look things up, or order) is cut off
//! at `tls.unknown_names_per_minute`, its further connections closed before
//! any TLS work. IPv6 clients are counted per /64, which one host controls.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Forgotten addresses are dropped every this many checks.
const SWEEP_EVERY: u64 = 4096;

#[derive(Clone)]
pub struct UnknownNames {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    seen: Arc<AtomicU64>,
}

impl UnknownNames {
    pub fn per_minute(count: u32) -> Self {
        let count = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(count))),
            seen: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Counts one unknown name from `ip`; false once it is over its quota.
    pub fn allow(&self, ip: IpAddr) -> bool {
        if self.seen.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client_key(ip)).is_ok()
    }
}

/// One key per IPv4 address or IPv6 /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_cut_off_after_its_quota_and_others_are_not() {
        let limit = UnknownNames::per_minute(5);
        let one: IpAddr = [192, 0, 2, 1].into();
        let two: IpAddr = [192, 0, 2, 2].into();
        assert_eq!((0..10).filter(|_| limit.allow(one)).count(), 5);
        assert!(limit.allow(two));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let limit = UnknownNames::per_minute(2);
        let a: IpAddr = "2001:db8::1".parse().unwrap_or(IpAddr::from([0u8; 16]));
        let b: IpAddr = "2001:db8::ffff".parse().unwrap_or(IpAddr::from([0u8; 16]));
        assert!(limit.allow(a) && limit.allow(b));
        assert!(!limit.allow(a));
    }
}
