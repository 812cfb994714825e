//! `platform.signups`: sign-up requests waiting for their address to be
//! confirmed, and the counts the rate limits read.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::model::{Slug, TenantId};

/// A request as stored.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub email: String,
    pub locale: String,
    pub theme: String,
    pub brand: serde_json::Value,
    pub expires_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// What brought it (`affiliation::platform::Brought`), if anything.
    pub referral: Option<serde_json::Value>,
}

pub struct NewRequest<'a> {
    pub slug: &'a Slug,
    pub name: &'a str,
    pub email: &'a str,
    pub locale: &'a str,
    pub theme: &'a str,
    pub brand: serde_json::Value,
    pub token_hash: &'a [u8],
    pub ip: Option<IpAddr>,
    pub expires_at: DateTime<Utc>,
    pub referral: Option<serde_json::Value>,
}

pub async fn insert(conn: &mut PgConnection, new: &NewRequest<'_>) -> Result<i64, sqlx::Error> {
    // Old requests go as new ones come: no job needed.
    sqlx::query!("DELETE FROM platform.signups WHERE expires_at < now() - interval '7 days'")
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar!(
        "INSERT INTO platform.signups
             (slug, name, email, locale, theme, brand, token_hash, ip, expires_at, referral)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::inet, $9, $10) RETURNING id",
        new.slug.as_str(),
        new.name,
        new.email,
        new.locale,
        new.theme,
        new.brand,
        new.token_hash,
        new.ip.map(|ip| ip.to_string()),
        new.expires_at,
        new.referral
    )
    .fetch_one(conn)
    .await
}

/// Requests made from `ip`, and for `email`, in the last `hours`.
pub async fn recent(
    conn: &mut PgConnection,
    ip: Option<IpAddr>,
    email: &str,
    hours: i32,
) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE ip = $1::text::inet) AS "by_ip!",
                  count(*) FILTER (WHERE lower(email) = lower($2)) AS "by_email!"
           FROM platform.signups
           WHERE created_at > now() - make_interval(hours => $3)
             AND (ip = $1::text::inet OR lower(email) = lower($2))"#,
        ip.map(|ip| ip.to_string()),
        email,
        hours
    )
    .fetch_one(conn)
    .await?;
    Ok((row.by_ip, row.by_email))
}

/// Whether `slug` is taken, or reads like a tenant's slug.
pub async fn slug_clash(conn: &mut PgConnection, slug: &Slug) -> Result<Clash, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM platform.tenants WHERE slug = $1) AS "taken!",
                  EXISTS (SELECT 1 FROM platform.tenants
                          WHERE platform.slug_skeleton(slug) = $2) AS "alike!""#,
        slug.as_str(),
        slug.skeleton()
    )
    .fetch_one(conn)
    .await?;
    Ok(match (row.taken, row.alike) {
        (true, _) => Clash::Taken,
        (false, true) => Clash::LookAlike,
        (false, false) => Clash::None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    None,
    Taken,
    LookAlike,
}

/// The request holding this token, locked until the caller's commit.
pub async fn by_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<Option<Request>, sqlx::Error> {
    sqlx::query_as!(
        Request,
        "SELECT id, slug, name, email, locale, theme, brand, expires_at, confirmed_at, referral
         FROM platform.signups WHERE token_hash = $1 FOR UPDATE",
        token_hash
    )
    .fetch_optional(conn)
    .await
}

pub async fn mark_confirmed(
    conn: &mut PgConnection,
    id: i64,
    tenant: TenantId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.signups SET confirmed_at = now(), tenant_id = $2 WHERE id = $1",
        id,
        tenant.get()
    )
    .execute(conn)
    .await?;
    Ok(())
}
