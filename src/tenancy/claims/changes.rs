//! Writes to claims: starting one, proving it (which routes its host),
//! recording a check, taking the proof back, removing, the primary domain,
//! and domains an operator vouches for.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{Claim, ClaimError, ClaimState, find, new_token, owner};
use crate::tenancy::domains::unique_violation;
use crate::tenancy::{Hostname, TenantId};

/// Starts a claim on `host` for `tenant` (or returns the one it has; an
/// expired one starts again). Refused when another tenant owns the host or
/// the tenant already has `max` claims.
pub async fn add(
    conn: &mut PgConnection,
    tenant: TenantId,
    host: &Hostname,
    max: i64,
) -> Result<Claim, ClaimError> {
    if owner(conn, host)
        .await?
        .is_some_and(|owner| owner != tenant)
    {
        return Err(ClaimError::Taken(host.to_string()));
    }
    if let Some(claim) = find(conn, tenant, host).await? {
        if claim.state == ClaimState::Expired {
            restart(conn, claim.id).await?;
            return find(conn, tenant, host).await?.ok_or(ClaimError::NotFound);
        }
        return Ok(claim);
    }
    let held = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM platform.domain_claims
           WHERE tenant_id = $1 AND state <> 'expired'"#,
        tenant.get()
    )
    .fetch_one(&mut *conn)
    .await?;
    if held >= max {
        return Err(ClaimError::Limit(max));
    }
    sqlx::query!(
        "INSERT INTO platform.domain_claims (tenant_id, hostname, token) VALUES ($1, $2, $3)",
        tenant.get(),
        host.as_str(),
        new_token()
    )
    .execute(&mut *conn)
    .await?;
    find(conn, tenant, host).await?.ok_or(ClaimError::NotFound)
}

async fn restart(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.domain_claims
         SET state = 'pending', created_at = now(), next_check_at = now(),
             check_failures = 0, last_error = NULL
         WHERE id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the claim proven by `method` and routes its host. Fails with
/// [`ClaimError::Taken`] if another tenant proved it first.
pub async fn verify(
    conn: &mut PgConnection,
    claim: &Claim,
    method: &str,
    active: bool,
) -> Result<(), ClaimError> {
    let taken = |e: &sqlx::Error| {
        matches!(
            unique_violation(e),
            Some("domain_claims_one_owner_idx" | "domains_pkey")
        )
    };
    let state = if active { "active" } else { "verified" };
    let updated = sqlx::query!(
        "UPDATE platform.domain_claims
         SET state = $2, method = $3, verified_at = now(), check_failures = 0, last_error = NULL
         WHERE id = $1",
        claim.id,
        state,
        method
    )
    .execute(&mut *conn)
    .await;
    match updated {
        Err(e) if taken(&e) => return Err(ClaimError::Taken(claim.hostname.clone())),
        other => other?,
    };
    let routed = sqlx::query!(
        "INSERT INTO platform.domains (hostname, tenant_id, kind, claim_id)
         VALUES ($1, $2, 'custom', $3)
         ON CONFLICT (claim_id) DO NOTHING",
        claim.hostname,
        claim.tenant_id.get(),
        claim.id
    )
    .execute(&mut *conn)
    .await;
    match routed {
        Err(e) if taken(&e) => Err(ClaimError::Taken(claim.hostname.clone())),
        other => other.map(drop).map_err(ClaimError::from),
    }
}

/// Takes a claim whose proof is gone back to pending: it stops routing.
pub async fn unverify(
    conn: &mut PgConnection,
    claim_id: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM platform.domains WHERE claim_id = $1", claim_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "UPDATE platform.domain_claims
         SET state = 'pending', method = NULL, verified_at = NULL, is_primary = false,
             dns_status = 'unknown', created_at = now(), check_failures = 0, last_error = $2
         WHERE id = $1",
        claim_id,
        error
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a check found, written back onto the claim.
#[derive(Debug, Clone)]
pub struct CheckRecord<'a> {
    pub state: ClaimState,
    pub dns_status: &'a str,
    pub check_failures: i32,
    pub last_error: Option<&'a str>,
    pub next_check_at: DateTime<Utc>,
}

pub async fn record_check(
    conn: &mut PgConnection,
    claim_id: i64,
    record: &CheckRecord<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.domain_claims
         SET state = $2, dns_status = $3, check_failures = $4, last_error = $5,
             next_check_at = $6, last_checked_at = now(),
             is_primary = is_primary AND $2 = 'active'
         WHERE id = $1",
        claim_id,
        record.state.as_str(),
        record.dns_status,
        record.check_failures,
        record.last_error,
        record.next_check_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the tenant's claim on `host` (and with it the route), and
/// remembers the release. False if the tenant had no such claim.
pub async fn remove(
    conn: &mut PgConnection,
    tenant: TenantId,
    host: &Hostname,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query_scalar!(
        "DELETE FROM platform.domain_claims WHERE tenant_id = $1 AND hostname = $2
         RETURNING state",
        tenant.get(),
        host.as_str()
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(state) = removed else {
        return Ok(false);
    };
    if ClaimState::from_column(&state).routes() {
        sqlx::query!(
            "INSERT INTO platform.domain_releases (hostname, tenant_id) VALUES ($1, $2)",
            host.as_str(),
            tenant.get()
        )
        .execute(conn)
        .await?;
    }
    Ok(true)
}

/// Makes `host` the tenant's primary domain (its other hosts redirect to
/// it), or none with `None`.
pub async fn set_primary(
    conn: &mut PgConnection,
    tenant: TenantId,
    host: Option<&Hostname>,
) -> Result<(), ClaimError> {
    sqlx::query!(
        "UPDATE platform.domain_claims SET is_primary = false
         WHERE tenant_id = $1 AND is_primary",
        tenant.get()
    )
    .execute(&mut *conn)
    .await?;
    let Some(host) = host else { return Ok(()) };
    let claim = find(conn, tenant, host)
        .await?
        .ok_or(ClaimError::NotFound)?;
    if claim.state != ClaimState::Active {
        return Err(ClaimError::NotActive);
    }
    sqlx::query!(
        "UPDATE platform.domain_claims SET is_primary = true WHERE id = $1",
        claim.id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A domain an operator vouches for (manifests, the CLI): verified and
/// routed at once. Taken over from a pending claim of the same tenant.
pub async fn assert_by_operator(
    conn: &mut PgConnection,
    tenant: TenantId,
    host: &Hostname,
) -> Result<(), ClaimError> {
    if owner(conn, host)
        .await?
        .is_some_and(|owner| owner != tenant)
    {
        return Err(ClaimError::Taken(host.to_string()));
    }
    sqlx::query!(
        "INSERT INTO platform.domain_claims (tenant_id, hostname, token)
         VALUES ($1, $2, $3) ON CONFLICT (tenant_id, hostname) DO NOTHING",
        tenant.get(),
        host.as_str(),
        new_token()
    )
    .execute(&mut *conn)
    .await?;
    let claim = find(conn, tenant, host)
        .await?
        .ok_or(ClaimError::NotFound)?;
    if claim.state.routes() {
        return Ok(());
    }
    verify(conn, &claim, "operator", true).await
}

/// Records where the certificate of a verified domain stands (`pending`,
/// `issued`, `failed`), shown beside its DNS status.
pub async fn set_cert_status(
    conn: &mut PgConnection,
    hostname: &str,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.domain_claims SET cert_status = $2
         WHERE hostname = $1 AND state IN ('verified', 'active') AND cert_status <> $2",
        hostname,
        status
    )
    .execute(conn)
    .await?;
    Ok(())
}
