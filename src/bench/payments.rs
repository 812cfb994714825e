//! Contributions of the `bench` data set: per tenant 200 member accounts
//! (the payers), 3 plans, 400 memberships each paid by one payment spread
//! over 24 months (allocations and ledger lines included), and one
//! treasurer, [`treasurer_email`], who signs in for W2. `--export-rows N`
//! tops one tenant up to N payments for W6.
//!
//! Everything is set-based (`INSERT … SELECT generate_series`, one
//! statement per table), so seeding stays as fast as before. Rows are
//! linked by keys the generator makes unique: a membership and its payment
//! share their payer and their `created_at`.

use std::sync::Arc;

use super::bench_slug;
use crate::accounts::Status;
use crate::accounts::store::{self, CreateError, NewAccount};
use crate::auth::Role;
use crate::db::{Database, TenantTx};
use crate::model::Email;
use crate::tenancy::{Slug, registry};

/// Payments (and memberships) per tenant.
pub const PAYMENTS_PER_TENANT: i64 = 400;
/// Member accounts that pay them.
pub const PAYERS_PER_TENANT: i64 = 200;
/// Password of every tenant's treasurer (W2 signs in with it).
pub const TREASURER_PASSWORD: &str = "bench treasurer phrase 2026";

/// `treasurer@<slug>.bench`.
pub fn treasurer_email(slug: &str) -> String {
    format!("treasurer@{slug}.bench")
}

/// Adds payers, plans, memberships, payments and ledger lines to a tenant
/// that has no plan yet; false when it already had some.
pub async fn fill(tx: &mut TenantTx, slug: &str) -> anyhow::Result<bool> {
    let plans: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM plans"#)
        .fetch_one(tx.conn().await?)
        .await?;
    if plans > 0 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO accounts (email, display_name, role, status, email_verified_at)
         SELECT 'payer' || g || '@' || $1 || '.bench', 'Member ' || g || ' of ' || $1,
                'member', 'active', now()
         FROM generate_series(1, $2::bigint) AS g
         ON CONFLICT DO NOTHING",
        slug,
        PAYERS_PER_TENANT
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO plans (name, period, anchor, free_amount, minimum_minor, suggested_minor, position)
         VALUES ('Adhésion annuelle', 'yearly', 'season', false, NULL, NULL, 1),
                ('Adhésion famille', 'yearly', 'season', false, NULL, NULL, 2),
                ('Soutien', 'yearly', 'anniversary', true, 1000, 5000, 3)"
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO plan_tiers (plan_id, code, label, amount_minor, position)
         SELECT p.id, t.code, t.label, t.amount, t.position
         FROM plans p
         JOIN (VALUES (1, 'standard', 'Standard', 3000::bigint, 1),
                      (1, 'reduced', 'Réduit', 1500::bigint, 2),
                      (2, 'family', 'Famille', 6000::bigint, 1))
              AS t (plan_position, code, label, amount, position)
           ON t.plan_position = p.position"
    )
    .execute(tx.conn().await?)
    .await?;
    memberships_and_payments(tx, slug).await?;
    Ok(true)
}

/// Payment `g` (1..=400) pays membership `g`: payer `(g-1) % 200 + 1`,
/// plan `(g-1) % 3 + 1`, made `(400-g) × 1.825` days ago (24 months).
async fn memberships_and_payments(tx: &mut TenantTx, slug: &str) -> anyhow::Result<()> {
    sqlx::query!(
        "INSERT INTO memberships (account_id, plan_id, tier_id, payer_id, starts_on, ends_on,
                                  amount_minor, currency, created_at)
         SELECT a.id, p.id, t.id, a.id, s.at::date, (s.at::date + interval '1 year' - interval '1 day')::date,
                COALESCE(t.amount_minor, 2000 + (s.g % 5) * 500), 'EUR', s.at
         FROM (SELECT g, now() - make_interval(secs => ((400 - g) * 157680)::double precision) AS at
               FROM generate_series(1, $2::bigint) AS g) AS s
         JOIN accounts a ON a.email = 'payer' || ((s.g - 1) % $3 + 1) || '@' || $1 || '.bench'
         JOIN plans p ON p.position = (s.g - 1) % 3 + 1
         LEFT JOIN plan_tiers t ON t.plan_id = p.id AND t.position = 1",
        slug,
        PAYMENTS_PER_TENANT,
        PAYERS_PER_TENANT
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO payments (payer_id, amount_minor, currency, method, status, received_on,
                               created_at, paid_at, cheque_number, cheque_bank)
         SELECT m.payer_id, m.amount_minor, 'EUR',
                (ARRAY['cash', 'cheque', 'transfer', 'card'])[m.id % 4 + 1], 'paid',
                m.created_at::date, m.created_at, m.created_at,
                CASE WHEN m.id % 4 = 1 THEN lpad(m.id::text, 7, '0') END,
                CASE WHEN m.id % 4 = 1 THEN 'Banque Bench' END
         FROM memberships m ORDER BY m.created_at"
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO payment_allocations (payment_id, membership_id, amount_minor)
         SELECT p.id, m.id, p.amount_minor
         FROM payments p JOIN memberships m ON m.payer_id = p.payer_id AND m.created_at = p.created_at"
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO ledger_entries (account_id, kind, amount_minor, currency, membership_id,
                                     payment_id, memo, at)
         SELECT m.account_id, 'charge', m.amount_minor, 'EUR', m.id, NULL, 'Membership', m.created_at
         FROM memberships m
         UNION ALL
         SELECT p.payer_id, 'payment', -p.amount_minor, 'EUR', a.membership_id, p.id, 'Payment', p.created_at
         FROM payments p JOIN payment_allocations a ON a.payment_id = p.id"
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// The treasurer W2 signs in as (kept if already there).
pub async fn add_treasurer(
    tx: &mut TenantTx,
    slug: &str,
    password_hash: &str,
) -> anyhow::Result<()> {
    let email = Email::parse(&treasurer_email(slug))?;
    let treasurer = NewAccount {
        email: &email,
        display_name: "Bench Treasurer",
        role: Role::Treasurer,
        status: Status::Active,
        password_hash: Some(password_hash),
        locale: None,
        email_verified: true,
    };
    match store::create(tx, treasurer).await {
        Ok(_) | Err(CreateError::Taken) => Ok(()),
        Err(CreateError::Database(error)) => Err(error.into()),
    }
}

/// Tops tenant `n` up to `rows` payments (W6), one every 631 s back from
/// now (100,000 span two years); returns how many were added. Payers are
/// the tenant's bench members, in turn; every tenth note looks like a
/// formula, which the CSV must defuse.
pub async fn fill_export(db: &Database, n: usize, rows: i64) -> anyhow::Result<i64> {
    let slug = Slug::parse(&bench_slug(n))?;
    let tenant = registry::find_by_slug(db.platform(), &slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{slug} does not exist: seed it first"))?;
    let mut tx = TenantTx::begin(db, Arc::new(tenant)).await?;
    let existing: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM payments"#)
        .fetch_one(tx.conn().await?)
        .await?;
    let missing = (rows - existing).max(0);
    sqlx::query!(
        "INSERT INTO payments (payer_id, amount_minor, currency, method, status, received_on,
                               created_at, paid_at, reference, note)
         SELECT a.id, 1000 + (g % 97) * 50, 'EUR',
                (ARRAY['cash', 'transfer', 'card', 'other'])[g % 4 + 1], 'paid',
                (now() - make_interval(secs => (g * 631)::double precision))::date,
                now() - make_interval(secs => (g * 631)::double precision),
                now() - make_interval(secs => (g * 631)::double precision),
                'BENCH-' || $3::bigint + g,
                CASE WHEN g % 10 = 0 THEN '=HYPERLINK(\"x\") note ' || g END
         FROM generate_series(1, $2::bigint) AS g
         JOIN accounts a ON a.email = 'payer' || (g % $4 + 1) || '@' || $1 || '.bench'",
        slug.as_str(),
        missing,
        existing,
        PAYERS_PER_TENANT
    )
    .execute(tx.conn().await?)
    .await?;
    tx.commit().await?;
    tracing::debug!(tenant = %slug, added = missing, "export rows");
    Ok(missing)
}
