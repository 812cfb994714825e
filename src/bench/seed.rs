//! The `bench` data set: `tessera bench seed --tenants N`.
//!
//! Tenants `bench-00001`… with hosts `<slug>.bench.localhost`, each with its
//! own name and brand colour, 200 members and 10 announcements (5 published).
//! Rows are written with set-based `INSERT … SELECT generate_series` (one
//! statement per table and tenant), tenants in parallel. Idempotent: existing
//! tenants are kept, and only empty ones are filled. Every tenant also has
//! one active member, [`SIGN_IN_EMAIL`], who signs in during W3, and the
//! contributions of [`super::payments`] (plans, payments, a treasurer).

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;

use super::{BENCH_DOMAIN, bench_slug};
use crate::accounts::Status;
use crate::accounts::store::{self, CreateError, NewAccount};
use crate::auth::{Passwords, Role};
use crate::db::{Database, TenantTx};
use crate::model::Email;
use crate::tenancy::provision::{NewTenant, Provisioner};
use crate::tenancy::{Hostname, Slug, registry};
use crate::themes::{Branding, Colour};

pub const MEMBERS_PER_TENANT: i64 = 200;
pub const ANNOUNCEMENTS_PER_TENANT: i64 = 10;
pub const PUBLISHED_PER_TENANT: i64 = 5;
/// W3 signs in as this member of every bench tenant.
pub const SIGN_IN_EMAIL: &str = "member@bench.test";
pub const SIGN_IN_PASSWORD: &str = "bench sign-in phrase 2026";

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct SeedReport {
    pub tenants: usize,
    pub created: usize,
    pub filled: usize,
    pub elapsed_s: f64,
}

/// The provisioner the data set uses: hosts under `bench.localhost`.
pub fn provisioner(
    db: &Database,
    platform_host: Hostname,
) -> Result<Provisioner, crate::tenancy::HostnameError> {
    Ok(Provisioner::new(
        db.platform().clone(),
        Hostname::parse(BENCH_DOMAIN)?,
        platform_host,
    ))
}

/// Creates and fills tenants 1..=`tenants`, `parallel` at a time.
pub async fn seed(
    db: &Database,
    provisioner: &Provisioner,
    tenants: usize,
    parallel: usize,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    // One hash for every tenant's bench member (a salt shared by a data set
    // nobody uses for real changes nothing W3 measures).
    let passwords = Passwords::new(1)?;
    let hash = passwords.hash(SIGN_IN_PASSWORD).await?;
    let treasurer = passwords.hash(super::payments::TREASURER_PASSWORD).await?;
    let hashes = (hash.as_str(), treasurer.as_str());
    let results: Vec<anyhow::Result<(bool, bool)>> = futures::stream::iter(1..=tenants)
        .map(|n| seed_one(db, provisioner, n, hashes))
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    let mut report = SeedReport {
        tenants,
        ..SeedReport::default()
    };
    for result in results {
        let (created, filled) = result?;
        report.created += usize::from(created);
        report.filled += usize::from(filled);
    }
    report.elapsed_s = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Gathers the planner's statistics of every table, as after any bulk
/// load: the workloads measure a database in its steady state, where
/// autovacuum has analysed what was written, not one just filled.
pub async fn analyze(db: &Database) -> anyhow::Result<()> {
    let started = Instant::now();
    // Outside a transaction: ANALYZE then commits table by table instead
    // of holding a lock on every table of every tenant at once.
    let mut conn = db.platform().acquire().await?;
    // The catalogue's shared tables are the superuser's: not a warning each.
    sqlx::query("SET client_min_messages = error")
        .execute(&mut *conn)
        .await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    sqlx::query("RESET client_min_messages")
        .execute(&mut *conn)
        .await?;
    eprintln!("analysed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The name and colour tenant `n` gets; the W1 checks expect exactly these.
pub fn identity(n: usize) -> (String, Colour) {
    (format!("Bench Association {n:05}"), distinct_colour(n))
}

/// `host<TAB>name<TAB>colour` for tenants 1..=`tenants`, one per line.
pub fn hosts_table(tenants: usize) -> String {
    (1..=tenants)
        .map(|n| {
            let (name, colour) = identity(n);
            format!("{}.{BENCH_DOMAIN}\t{name}\t{colour}\n", bench_slug(n))
        })
        .collect()
}

async fn seed_one(
    db: &Database,
    provisioner: &Provisioner,
    n: usize,
    (password_hash, treasurer_hash): (&str, &str),
) -> anyhow::Result<(bool, bool)> {
    let slug = Slug::parse(&bench_slug(n))?;
    let existing = registry::find_by_slug(db.platform(), &slug).await?;
    let created = existing.is_none();
    let tenant = match existing {
        Some(tenant) => tenant,
        None => {
            let (name, colour) = identity(n);
            let mut new = NewTenant::new(slug.clone(), name);
            new.locale = if n.is_multiple_of(3) { "en" } else { "fr" }.into();
            new.brand = Branding {
                primary: Some(colour),
                ..Branding::default()
            };
            provisioner.create(&new, "bench").await?;
            registry::find_by_slug(db.platform(), &slug)
                .await?
                .ok_or_else(|| anyhow::anyhow!("{slug} vanished after creation"))?
        }
    };
    let mut tx = TenantTx::begin(db, Arc::new(tenant)).await?;
    let filled = fill(&mut tx, slug.as_str()).await?;
    add_sign_in_member(&mut tx, password_hash).await?;
    let contributions = super::payments::fill(&mut tx, slug.as_str()).await?;
    super::payments::add_treasurer(&mut tx, slug.as_str(), treasurer_hash).await?;
    super::referrals::add_link(&mut tx, SIGN_IN_EMAIL).await?;
    tx.commit().await?;
    let filled = filled || contributions;
    Ok((created, filled))
}

/// Fills an empty tenant; false when it already had members.
async fn fill(tx: &mut TenantTx, slug: &str) -> anyhow::Result<bool> {
    let members: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM members"#)
        .fetch_one(tx.conn().await?)
        .await?;
    if members > 0 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO members (email, full_name, joined_on)
         SELECT 'member' || g || '@' || $1 || '.bench', 'Member ' || g || ' of ' || $1,
                current_date - (g * 3 % 720)::int
         FROM generate_series(1, $2::bigint) AS g",
        slug,
        MEMBERS_PER_TENANT
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO announcements (title, body, published_at)
         SELECT 'Announcement ' || g || ' of ' || $1,
                'Details of announcement ' || g || ' for the members of ' || $1 || '.',
                CASE WHEN g <= $3 THEN now() - make_interval(days => g::int) END
         FROM generate_series(1, $2::bigint) AS g",
        slug,
        ANNOUNCEMENTS_PER_TENANT,
        PUBLISHED_PER_TENANT
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(true)
}

/// The member W3 signs in as (kept if already there).
async fn add_sign_in_member(tx: &mut TenantTx, password_hash: &str) -> anyhow::Result<()> {
    let email = Email::parse(SIGN_IN_EMAIL)?;
    let member = NewAccount {
        email: &email,
        display_name: "Bench Member",
        role: Role::Member,
        status: Status::Active,
        password_hash: Some(password_hash),
        locale: None,
        email_verified: true,
    };
    match store::create(tx, member).await {
        Ok(_) | Err(CreateError::Taken) => Ok(()),
        Err(CreateError::Database(error)) => Err(error.into()),
    }
}

/// Well-spread hues (golden angle) at a lightness white text reads on.
fn distinct_colour(n: usize) -> Colour {
    let hue = (n as f64 * 137.508) % 360.0;
    let (saturation, lightness) = (0.6, 0.28);
    let chroma = (1.0 - (2.0 * lightness - 1.0_f64).abs()) * saturation;
    let x = chroma * (1.0 - ((hue / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (hue / 60.0) as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    let channel = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    Colour::rgb(channel(r), channel(g), channel(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_tenants_get_different_readable_colours() {
        let colours: Vec<Colour> = (1..=200).map(distinct_colour).collect();
        let mut unique = colours.clone();
        unique.sort_by_key(|c| c.channels());
        unique.dedup();
        assert!(unique.len() >= 190, "{} distinct colours", unique.len());
        let white = Colour::rgb(255, 255, 255);
        assert!(colours.iter().all(|c| c.contrast(white) >= 4.5));
    }
}
