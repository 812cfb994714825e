//! Reads sent to a streaming replica of the primary (`[db.replica]`):
//! reports and exports, which read much and need no write of their own,
//! go there while it keeps up, and to the primary otherwise.
//!
//! "Keeps up" is decided at most once a second: the replica is in recovery
//! and has replayed the primary's current WAL position, or is behind it by
//! no more than `max_lag_secs` (the age of the last transaction it
//! replayed). A replica that stops streaming falls behind by that measure
//! as soon as the primary writes; one that cannot be reached, or that was
//! promoted, is not used. Either way the read goes to the primary: a
//! replica only ever takes load off, it is never needed.

use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::Platform;
use super::nodes::Node;

/// How long a verdict on the replica is kept.
const RECHECK: Duration = Duration::from_secs(1);
/// The most a check may take; past it the replica is not used.
const CHECK_BUDGET: Duration = Duration::from_secs(1);

pub(super) struct Replica {
    pub(super) node: Node,
    max_lag: Duration,
    verdict: Mutex<Option<(Instant, bool)>>,
}

impl Replica {
    pub(super) fn new(node: Node, max_lag: Duration) -> Self {
        Self {
            node,
            max_lag,
            verdict: Mutex::new(None),
        }
    }

    /// Whether reads may go to the replica now.
    pub(super) async fn usable(&self, primary: &Platform) -> bool {
        let mut verdict = self.verdict.lock().await;
        if let Some((at, usable)) = *verdict
            && at.elapsed() < RECHECK
        {
            return usable;
        }
        let usable = match tokio::time::timeout(CHECK_BUDGET, self.check(primary)).await {
            Ok(Ok(usable)) => usable,
            Ok(Err(error)) => {
                tracing::warn!(%error, "replica not checked; reading from the primary");
                false
            }
            Err(_) => false,
        };
        *verdict = Some((Instant::now(), usable));
        usable
    }

    /// After a read failed there: the primary serves until the next check.
    pub(super) async fn set_aside(&self) {
        *self.verdict.lock().await = Some((Instant::now(), false));
    }

    async fn check(&self, primary: &Platform) -> Result<bool, sqlx::Error> {
        let position = sqlx::query_scalar!(r#"SELECT pg_current_wal_lsn()::text AS "lsn!""#)
            .fetch_one(primary)
            .await?;
        let replica = sqlx::query!(
            r#"SELECT pg_is_in_recovery() AS "standby!",
                      COALESCE(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false) AS "caught_up!",
                      extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
                          AS behind_secs"#,
            position
        )
        .fetch_one(&self.node.owner)
        .await?;
        let recent = replica
            .behind_secs
            .is_some_and(|secs| secs <= self.max_lag.as_secs_f64());
        Ok(replica.standby && (replica.caught_up || recent))
    }
}
