//! Telling connections a server restart cut from live ones, without a
//! round trip: see [`Freshness`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When the server was last seen cutting a connection (a restart, a
/// failover, a pooler restart). Connections opened before that are
/// presumed cut too: idle ones are closed instead of handed out, so that
/// after a restart the first request on each stale connection does not
/// fail. No round trip is spent on the check.
pub(super) struct Freshness {
    started: Instant,
    /// Milliseconds after `started`; 0: never.
    lost_at_ms: AtomicU64,
}

impl Freshness {
    pub(super) fn new() -> Self {
        Self {
            started: Instant::now(),
            lost_at_ms: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs `attempt`, and once more when it fails because its connection
    /// was cut, after noting the loss (so the retry gets a fresh one). Only
    /// for work that is safe to repeat: nothing ran, or only reads.
    pub(super) async fn once_more_if_cut<T, Attempt, Run>(
        &self,
        attempt: Attempt,
    ) -> Result<T, sqlx::Error>
    where
        Attempt: Fn() -> Run,
        Run: Future<Output = Result<T, sqlx::Error>>,
    {
        match attempt().await {
            Err(error) if is_connection_lost(&error) => {
                self.mark_lost();
                attempt().await
            }
            done => done,
        }
    }

    fn mark_lost(&self) {
        self.lost_at_ms
            .store(self.now_ms().max(1), Ordering::Release);
    }

    pub(super) fn opened_since_last_loss(&self, age: Duration) -> bool {
        let lost_at = self.lost_at_ms.load(Ordering::Acquire);
        let age_ms = u64::try_from(age.as_millis()).unwrap_or(u64::MAX);
        lost_at == 0 || self.now_ms().saturating_sub(age_ms) > lost_at
    }
}

/// Whether `error` says the connection itself is gone (the server
/// restarted, shut down or was failed over), as opposed to a statement
/// failing on a live connection.
fn is_connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            // admin_shutdown, crash_shutdown, cannot_connect_now, and the
            // connection exception class.
            matches!(code.as_ref(), "57P01" | "57P02" | "57P03") || code.starts_with("08")
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_opened_before_a_loss_are_stale_and_later_ones_fresh() {
        let freshness = Freshness::new();
        std::thread::sleep(Duration::from_millis(20));
        assert!(freshness.opened_since_last_loss(Duration::from_millis(15)));
        freshness.mark_lost();
        // Opened 15 ms ago: before the loss just noted.
        assert!(!freshness.opened_since_last_loss(Duration::from_millis(15)));
        std::thread::sleep(Duration::from_millis(10));
        assert!(freshness.opened_since_last_loss(Duration::from_millis(2)));
    }

    #[test]
    fn only_a_gone_connection_counts_as_lost() {
        let io = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_connection_lost(&io));
        assert!(!is_connection_lost(&sqlx::Error::RowNotFound));
        assert!(!is_connection_lost(&sqlx::Error::PoolTimedOut));
    }
}
