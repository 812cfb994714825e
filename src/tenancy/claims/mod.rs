//! Claims on custom domains (`platform.domain_claims`): a tenant asks for a
//! hostname, proves it controls it, and only then does the host route (a
//! `platform.domains` row tied to the claim). One owner per domain: the
//! database refuses a second verified claim. Removing a claim removes its
//! routing row in the same statement (`ON DELETE CASCADE`). Reads and the
//! model are here; the writes are in [`changes`].

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sqlx::PgConnection;

use super::{Hostname, TenantId};

/// Where a claim stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimState {
    /// Waiting for proof; does not route.
    Pending,
    /// Ownership proven; routes.
    Verified,
    /// Verified, and DNS points here.
    Active,
    /// Nobody proved it in time.
    Expired,
}

impl ClaimState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Verified => "verified",
            Self::Active => "active",
            Self::Expired => "expired",
        }
    }

    fn from_column(value: &str) -> Self {
        match value {
            "verified" => Self::Verified,
            "active" => Self::Active,
            "expired" => Self::Expired,
            _ => Self::Pending,
        }
    }

    /// Whether a claim in this state routes.
    pub fn routes(self) -> bool {
        matches!(self, Self::Verified | Self::Active)
    }
}

/// One tenant's claim on one hostname.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Claim {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub tenant_id: TenantId,
    pub hostname: String,
    pub state: ClaimState,
    /// How ownership was proven: `dns_txt`, `http` or `operator`.
    pub method: Option<String>,
    /// The value to publish (`tessera-verify=<token>`) or serve.
    pub token: String,
    /// Whether DNS points here: `unknown`, `ok`, `missing`, `wrong_target`.
    pub dns_status: String,
    /// The certificate: `none`, `pending`, `issued`, `failed`.
    pub cert_status: String,
    pub is_primary: bool,
    pub created_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub next_check_at: DateTime<Utc>,
    pub check_failures: i32,
    /// Why the last check failed, as a code (`txt_missing`, `dns_timeout` …).
    pub last_error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("the domain {0} belongs to another site")]
    Taken(String),
    #[error("a site may have at most {0} custom domains")]
    Limit(i64),
    #[error("this site has no claim on that domain")]
    NotFound,
    #[error("only an active domain (verified, and pointing here) can be the primary one")]
    NotActive,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

struct Row {
    id: i64,
    tenant_id: i64,
    hostname: String,
    state: String,
    method: Option<String>,
    token: String,
    dns_status: String,
    cert_status: String,
    is_primary: bool,
    created_at: DateTime<Utc>,
    verified_at: Option<DateTime<Utc>>,
    last_checked_at: Option<DateTime<Utc>>,
    next_check_at: DateTime<Utc>,
    check_failures: i32,
    last_error: Option<String>,
}

impl From<Row> for Claim {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            tenant_id: TenantId::new(row.tenant_id),
            hostname: row.hostname,
            state: ClaimState::from_column(&row.state),
            method: row.method,
            token: row.token,
            dns_status: row.dns_status,
            cert_status: row.cert_status,
            is_primary: row.is_primary,
            created_at: row.created_at,
            verified_at: row.verified_at,
            last_checked_at: row.last_checked_at,
            next_check_at: row.next_check_at,
            check_failures: row.check_failures,
            last_error: row.last_error,
        }
    }
}

/// A fresh token: 20 random bytes in lowercase base32 (32 characters, fits
/// a DNS label and needs no quoting anywhere).
fn new_token() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    data_encoding::BASE32_NOPAD
        .encode(&bytes)
        .to_ascii_lowercase()
}

/// The tenant's claims, newest last.
pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<Claim>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, tenant_id, hostname, state, method, token, dns_status, cert_status,
                is_primary, created_at, verified_at, last_checked_at, next_check_at,
                check_failures, last_error
         FROM platform.domain_claims WHERE tenant_id = $1 ORDER BY created_at, id",
        tenant.get()
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Claim::from).collect())
}

/// The tenant's claim on `host`, locked for the caller's transaction.
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    host: &Hostname,
) -> Result<Option<Claim>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, tenant_id, hostname, state, method, token, dns_status, cert_status,
                is_primary, created_at, verified_at, last_checked_at, next_check_at,
                check_failures, last_error
         FROM platform.domain_claims WHERE tenant_id = $1 AND hostname = $2 FOR UPDATE",
        tenant.get(),
        host.as_str()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Claim::from))
}

/// Claims whose next check is due, each leased for `lease` (its next
/// check pushed back) so that no other instance checks it meanwhile; the
/// checks themselves run outside any transaction (DNS may take seconds).
pub async fn lease_due(
    conn: &mut PgConnection,
    limit: i64,
    lease: chrono::Duration,
) -> Result<Vec<Claim>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "UPDATE platform.domain_claims SET next_check_at = now() + $2::bigint * interval '1 second'
         WHERE id IN (SELECT id FROM platform.domain_claims
                      WHERE next_check_at <= now() AND state <> 'expired'
                      ORDER BY next_check_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, tenant_id, hostname, state, method, token, dns_status, cert_status,
                   is_primary, created_at, verified_at, last_checked_at, next_check_at,
                   check_failures, last_error",
        limit,
        lease.num_seconds()
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Claim::from).collect())
}

/// The tenant whose verified claim holds `host`, if any.
pub async fn owner(
    conn: &mut PgConnection,
    host: &Hostname,
) -> Result<Option<TenantId>, sqlx::Error> {
    let owner = sqlx::query_scalar!(
        "SELECT tenant_id FROM platform.domain_claims
         WHERE hostname = $1 AND state IN ('verified', 'active')",
        host.as_str()
    )
    .fetch_optional(conn)
    .await?;
    Ok(owner.map(TenantId::new))
}

/// Whether another tenant claims `host` now, or gave it up within
/// `quarantine_days`: then only a TXT record may prove ownership, since
/// DNS still pointing here proves nothing about who controls the zone.
pub async fn contested(
    conn: &mut PgConnection,
    tenant: TenantId,
    host: &Hostname,
    quarantine_days: i32,
) -> Result<bool, sqlx::Error> {
    let contested = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM platform.domain_claims
                          WHERE hostname = $1 AND tenant_id <> $2)
               OR EXISTS (SELECT 1 FROM platform.domain_releases
                          WHERE hostname = $1 AND tenant_id <> $2
                            AND released_at > now() - make_interval(days => $3))
           AS "contested!""#,
        host.as_str(),
        tenant.get(),
        quarantine_days
    )
    .fetch_one(conn)
    .await?;
    Ok(contested)
}

/// A domain that may have a certificate (its claim is verified), and
/// whether DNS was last seen pointing here (an order can then succeed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateCandidate {
    pub hostname: String,
    pub points_here: bool,
}

/// Every verified domain: the names the platform may order certificates for.
pub async fn certificate_candidates(
    conn: &mut PgConnection,
) -> Result<Vec<CertificateCandidate>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT hostname, state = 'active' OR dns_status = 'ok' AS "points_here!"
           FROM platform.domain_claims WHERE state IN ('verified', 'active')"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| CertificateCandidate {
            hostname: row.hostname,
            points_here: row.points_here,
        })
        .collect())
}

mod changes;
pub use changes::{
    CheckRecord, add, assert_by_operator, record_check, remove, set_cert_status, set_primary,
    unverify, verify,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fit_the_column_check() {
        let token = new_token();
        assert_eq!(token.len(), 32);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c))
        );
        assert_ne!(token, new_token());
    }
}
