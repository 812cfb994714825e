//! `platform.certificates` and `platform.acme_orders`: what instances
//! load, what the issuer leases, records and counts. Challenges are in
//! [`super::challenge`], accounts in `super::accounts`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use crate::db::Platform;

/// A stored chain and its sealed key, as instances load them.
pub struct StoredCertificate {
    pub hostname: String,
    pub chain_pem: String,
    pub key_sealed: Vec<u8>,
}

/// Every certificate that has a chain.
pub async fn load_all(pool: &Platform) -> Result<Vec<StoredCertificate>, sqlx::Error> {
    sqlx::query_as!(
        StoredCertificate,
        r#"SELECT hostname, chain_pem AS "chain_pem!", key_sealed AS "key_sealed!"
           FROM platform.certificates WHERE chain_pem IS NOT NULL"#
    )
    .fetch_all(pool)
    .await
}

/// The chain of `hostname`, if it has one.
pub async fn load_one(
    pool: &Platform,
    hostname: &str,
) -> Result<Option<StoredCertificate>, sqlx::Error> {
    sqlx::query_as!(
        StoredCertificate,
        r#"SELECT hostname, chain_pem AS "chain_pem!", key_sealed AS "key_sealed!"
           FROM platform.certificates WHERE hostname = $1 AND chain_pem IS NOT NULL"#,
        hostname
    )
    .fetch_optional(pool)
    .await
}

/// A certificate as operators see it (never its key).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateInfo {
    pub hostname: String,
    /// `pending` (none yet), `valid` (one is served), `failed` (none, and
    /// the last order failed).
    pub status: String,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    pub issuer: Option<String>,
    /// When the next one is ordered (two thirds into this one's life).
    pub renew_at: Option<DateTime<Utc>>,
    pub issued_at: Option<DateTime<Utc>>,
    /// Failed orders since the last success.
    pub failures: i32,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
}

/// Every certificate, failing ones first.
pub async fn list(pool: &Platform) -> Result<Vec<CertificateInfo>, sqlx::Error> {
    sqlx::query_as!(
        CertificateInfo,
        "SELECT hostname, status, not_before, not_after, issuer, renew_at, issued_at,
                failures, last_error, last_attempt_at, next_attempt_at
         FROM platform.certificates ORDER BY failures > 0 DESC, hostname"
    )
    .fetch_all(pool)
    .await
}

/// The certificates at a glance, for the metrics: how many in each state,
/// and the soonest end among those served.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub valid: i64,
    pub pending: i64,
    pub failing: i64,
    pub soonest_end: Option<DateTime<Utc>>,
}

pub async fn summary(pool: &Platform) -> Result<Summary, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE status = 'valid') AS "valid!",
                  count(*) FILTER (WHERE status = 'pending') AS "pending!",
                  count(*) FILTER (WHERE failures > 0) AS "failing!",
                  min(not_after) FILTER (WHERE chain_pem IS NOT NULL) AS soonest_end
           FROM platform.certificates"#
    )
    .fetch_one(pool)
    .await?;
    Ok(Summary {
        valid: row.valid,
        pending: row.pending,
        failing: row.failing,
        soonest_end: row.soonest_end,
    })
}

/// The certificates of some names (a tenant's domains).
pub async fn find_many(
    pool: &Platform,
    hostnames: &[String],
) -> Result<Vec<CertificateInfo>, sqlx::Error> {
    sqlx::query_as!(
        CertificateInfo,
        "SELECT hostname, status, not_before, not_after, issuer, renew_at, issued_at,
                failures, last_error, last_attempt_at, next_attempt_at
         FROM platform.certificates WHERE hostname = ANY($1) ORDER BY hostname",
        hostnames
    )
    .fetch_all(pool)
    .await
}

/// Makes the set of rows exactly `names`: new ones start `pending`,
/// others (domains removed or no longer verified) go, keys with them.
/// Returns the names removed.
pub async fn sync_names(
    conn: &mut PgConnection,
    names: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.certificates (hostname)
         SELECT unnest($1::text[]) ON CONFLICT (hostname) DO NOTHING",
        names
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar!(
        "DELETE FROM platform.certificates WHERE hostname <> ALL($1) RETURNING hostname",
        names
    )
    .fetch_all(conn)
    .await
}

/// Names whose order is due: no chain yet or renewal time reached, past
/// their back-off, and not being ordered by another instance.
pub async fn due(pool: &Platform, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as!(
        Due,
        r#"SELECT hostname, chain_pem IS NOT NULL AS "has_chain!"
           FROM platform.certificates
           WHERE next_attempt_at <= now()
             AND (chain_pem IS NULL OR renew_at <= now())
             AND (lease_until IS NULL OR lease_until < now())
           ORDER BY chain_pem IS NOT NULL, next_attempt_at
           LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone)]
pub struct Due {
    pub hostname: String,
    pub has_chain: bool,
}

/// Takes the order of `hostname` for `instance` until the lease ends;
/// false if another instance holds it or it is no longer due. One order
/// per domain at a time, across instances.
pub async fn lease(
    pool: &Platform,
    hostname: &str,
    instance: &str,
    seconds: f64,
) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query_scalar!(
        "UPDATE platform.certificates
         SET leased_by = $2, lease_until = now() + make_interval(secs => $3)
         WHERE hostname = $1 AND (lease_until IS NULL OR lease_until < now())
           AND next_attempt_at <= now() AND (chain_pem IS NULL OR renew_at <= now())
         RETURNING hostname",
        hostname,
        instance,
        seconds
    )
    .fetch_optional(pool)
    .await?;
    Ok(taken.is_some())
}

/// A new chain, replacing the old one; clears failures and the lease.
pub struct Issued<'a> {
    pub hostname: &'a str,
    pub chain_pem: &'a str,
    pub key_sealed: &'a [u8],
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub issuer: &'a str,
}

impl Issued<'_> {
    /// Two thirds into the certificate's life.
    pub fn renew_at(&self) -> DateTime<Utc> {
        self.not_before + (self.not_after - self.not_before) * 2 / 3
    }
}

pub async fn record_issued(
    conn: &mut PgConnection,
    issued: &Issued<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.certificates
         SET status = 'valid', chain_pem = $2, key_sealed = $3, not_before = $4,
             not_after = $5, issuer = $6, renew_at = $7, issued_at = now(), failures = 0,
             last_error = NULL, last_attempt_at = now(), next_attempt_at = $7,
             alerted_at = NULL, leased_by = NULL, lease_until = NULL
         WHERE hostname = $1",
        issued.hostname,
        issued.chain_pem,
        issued.key_sealed,
        issued.not_before,
        issued.not_after,
        issued.issuer,
        issued.renew_at()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a failed order leaves: the chain (if any) stays and is served.
#[derive(Debug, Clone)]
pub struct Failure {
    pub failures: i32,
    pub has_chain: bool,
    /// True the first time failures reach the alert threshold.
    pub alert: bool,
}

/// Failure n (counting this one) waits `backoff.base * 2^(n-1)`, at most
/// `backoff.max` seconds.
pub struct Backoff {
    pub base_secs: f64,
    pub max_secs: f64,
    pub alert_after: i32,
}

pub async fn record_failure(
    conn: &mut PgConnection,
    hostname: &str,
    error: &str,
    backoff: &Backoff,
) -> Result<Option<Failure>, sqlx::Error> {
    let row = sqlx::query!(
        r#"UPDATE platform.certificates
           SET failures = failures + 1, last_error = left($2, 500), last_attempt_at = now(),
               next_attempt_at = now() + make_interval(secs => least($4, $3 * power(2, failures))),
               status = CASE WHEN chain_pem IS NULL THEN 'failed' ELSE status END,
               alerted_at = CASE WHEN failures + 1 >= $5 AND alerted_at IS NULL
                                 THEN now() ELSE alerted_at END,
               leased_by = NULL, lease_until = NULL
           WHERE hostname = $1
           RETURNING failures, chain_pem IS NOT NULL AS "has_chain!",
                     (failures >= $5 AND alerted_at = now()) AS "alert!""#,
        hostname,
        error,
        backoff.base_secs,
        backoff.max_secs,
        backoff.alert_after
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| Failure {
        failures: row.failures,
        has_chain: row.has_chain,
        alert: row.alert,
    }))
}

/// Gives the lease back without recording anything (nothing was tried).
pub async fn release(pool: &Platform, hostname: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.certificates SET leased_by = NULL, lease_until = NULL
         WHERE hostname = $1",
        hostname
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Asks for an order now (an operator's retry or renewal): false if the
/// name has no certificate row (not a verified domain).
pub async fn schedule_now(pool: &Platform, hostname: &str) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(
        "UPDATE platform.certificates
         SET next_attempt_at = now(), renew_at = LEAST(renew_at, now()), failures = 0,
             alerted_at = NULL
         WHERE hostname = $1 RETURNING hostname",
        hostname
    )
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// Orders placed in the last hour, by every instance.
pub async fn orders_last_hour(pool: &Platform) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM platform.acme_orders
           WHERE placed_at > now() - interval '1 hour'"#
    )
    .fetch_one(pool)
    .await
}

pub async fn record_order(
    pool: &Platform,
    hostname: &str,
    instance: &str,
    challenge: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO platform.acme_orders (hostname, instance, challenge)
         VALUES ($1, $2, $3) RETURNING id",
        hostname,
        instance,
        challenge
    )
    .fetch_one(pool)
    .await
}

pub async fn finish_order(
    conn: &mut PgConnection,
    id: i64,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.acme_orders
         SET outcome = CASE WHEN $2::text IS NULL THEN 'issued' ELSE 'failed' END,
             error = left($2, 500)
         WHERE id = $1",
        id,
        error
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("DELETE FROM platform.acme_orders WHERE placed_at < now() - interval '7 days'")
        .execute(conn)
        .await?;
    Ok(())
}

/// How many orders were placed for `hostname` (tests and diagnostics).
pub async fn orders_for(pool: &Platform, hostname: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM platform.acme_orders WHERE hostname = $1"#,
        hostname
    )
    .fetch_one(pool)
    .await
}
