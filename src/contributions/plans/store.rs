//! Plans' SQL: reads with their tiers, writes with their tiers in the
//! caller's transaction, each audited.

use chrono::NaiveDate;
use serde_json::json;

use super::{Plan, PlanFilter, PlanInput, Tier, validate};
use crate::audit::{self, Entry};
use crate::contributions::error::Error;
use crate::db::TenantTx;
use crate::model::{Amount, Currency};

struct PlanRow {
    id: i64,
    name: String,
    description: String,
    period: String,
    anchor: String,
    currency: String,
    free_amount: bool,
    minimum_minor: Option<i64>,
    suggested_minor: Option<i64>,
    pro_rata: String,
    upgrade_credit: bool,
    max_instalments: i16,
    household_pricing: String,
    household_cap_minor: Option<i64>,
    public: bool,
    open: bool,
    member_cap: Option<i32>,
    tax_receipt: bool,
    tax_receipt_percent: i16,
    position: i32,
    archived: bool,
}

struct TierRow {
    id: i64,
    plan_id: i64,
    code: String,
    label: String,
    amount_minor: i64,
    position: i32,
}

/// Plans in display order, each with its live tiers.
pub async fn list(tx: &mut TenantTx, filter: PlanFilter) -> Result<Vec<Plan>, sqlx::Error> {
    let rows = sqlx::query_as!(
        PlanRow,
        r#"SELECT id, name, description, period, anchor, currency, free_amount, minimum_minor,
                  suggested_minor, pro_rata, upgrade_credit, max_instalments, household_pricing,
                  household_cap_minor, public, open, member_cap, tax_receipt, tax_receipt_percent,
                  position, archived_at IS NOT NULL AS "archived!"
           FROM plans
           WHERE ($1 OR archived_at IS NULL)
             AND (NOT $2 OR (public AND open AND archived_at IS NULL))
           ORDER BY position, name, id"#,
        filter.include_archived,
        filter.visible_to_members
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let tiers = tiers_of(tx, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| assemble(row, &tiers))
        .collect())
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Plan>, sqlx::Error> {
    let row = sqlx::query_as!(
        PlanRow,
        r#"SELECT id, name, description, period, anchor, currency, free_amount, minimum_minor,
                  suggested_minor, pro_rata, upgrade_credit, max_instalments, household_pricing,
                  household_cap_minor, public, open, member_cap, tax_receipt, tax_receipt_percent,
                  position, archived_at IS NOT NULL AS "archived!"
           FROM plans WHERE id = $1"#,
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let tiers = tiers_of(tx, &[row.id]).await?;
    Ok(assemble(row, &tiers))
}

async fn tiers_of(tx: &mut TenantTx, plan_ids: &[i64]) -> Result<Vec<TierRow>, sqlx::Error> {
    sqlx::query_as!(
        TierRow,
        "SELECT id, plan_id, code, label, amount_minor, position
         FROM plan_tiers WHERE plan_id = ANY($1) AND archived_at IS NULL
         ORDER BY position, amount_minor, id",
        plan_ids
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// A row as a `Plan`; `None` for a row the CHECK constraints should have
/// refused (never shown rather than shown wrong).
fn assemble(row: PlanRow, tiers: &[TierRow]) -> Option<Plan> {
    let currency = Currency::parse(&row.currency).ok()?;
    let money = |minor: Option<i64>| minor.and_then(|minor| Amount::new(minor, currency));
    Some(Plan {
        id: row.id,
        name: row.name,
        description: row.description,
        period: row.period.parse().ok()?,
        anchor: row.anchor.parse().ok()?,
        currency,
        free_amount: row.free_amount,
        minimum: money(row.minimum_minor),
        suggested: money(row.suggested_minor),
        pro_rata: row.pro_rata.parse().ok()?,
        upgrade_credit: row.upgrade_credit,
        max_instalments: u8::try_from(row.max_instalments).ok()?,
        household_pricing: row.household_pricing.parse().ok()?,
        household_cap: money(row.household_cap_minor),
        public: row.public,
        open: row.open,
        member_cap: row.member_cap,
        tax_receipt: row.tax_receipt,
        tax_receipt_percent: u8::try_from(row.tax_receipt_percent).ok()?,
        position: row.position,
        archived: row.archived,
        tiers: tiers
            .iter()
            .filter(|tier| tier.plan_id == row.id)
            .filter_map(|tier| {
                Some(Tier {
                    id: tier.id,
                    code: tier.code.clone(),
                    label: tier.label.clone(),
                    amount: Amount::new(tier.amount_minor, currency)?,
                    position: tier.position,
                })
            })
            .collect(),
    })
}

/// Creates a plan and its tiers; returns its id.
pub async fn create(tx: &mut TenantTx, input: &PlanInput, by: i64) -> Result<i64, Error> {
    validate(input)?;
    let id = sqlx::query_scalar!(
        "INSERT INTO plans (name, description, period, anchor, currency, free_amount, minimum_minor,
                            suggested_minor, pro_rata, upgrade_credit, max_instalments,
                            household_pricing, household_cap_minor, public, open, member_cap,
                            tax_receipt, tax_receipt_percent, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         RETURNING id",
        input.name.trim(),
        input.description.trim(),
        input.period.as_str(),
        input.anchor.as_str(),
        input.currency.code(),
        input.free_amount,
        input.minimum_minor,
        input.suggested_minor,
        input.pro_rata.as_str(),
        input.upgrade_credit,
        i16::from(input.max_instalments),
        input.household_pricing.as_str(),
        input.household_cap_minor,
        input.public,
        input.open,
        input.member_cap,
        input.tax_receipt,
        i16::from(input.tax_receipt_percent),
        input.position
    )
    .fetch_one(tx.conn().await?)
    .await?;
    write_tiers(tx, id, input).await?;
    audit::record(
        tx,
        Entry::new("contributions.plan.create")
            .by(by)
            .with(json!({ "plan": id, "name": input.name.trim() })),
    )
    .await?;
    Ok(id)
}

/// Rewrites a plan. Memberships already created keep their dates and
/// amounts; only what is created afterwards uses the new values.
pub async fn update(tx: &mut TenantTx, id: i64, input: &PlanInput, by: i64) -> Result<(), Error> {
    validate(input)?;
    let updated = sqlx::query!(
        "UPDATE plans SET name = $2, description = $3, period = $4, anchor = $5, currency = $6,
                free_amount = $7, minimum_minor = $8, suggested_minor = $9, pro_rata = $10,
                upgrade_credit = $11, max_instalments = $12, household_pricing = $13,
                household_cap_minor = $14, public = $15, open = $16, member_cap = $17,
                tax_receipt = $18, tax_receipt_percent = $19, position = $20, updated_at = now()
         WHERE id = $1",
        id,
        input.name.trim(),
        input.description.trim(),
        input.period.as_str(),
        input.anchor.as_str(),
        input.currency.code(),
        input.free_amount,
        input.minimum_minor,
        input.suggested_minor,
        input.pro_rata.as_str(),
        input.upgrade_credit,
        i16::from(input.max_instalments),
        input.household_pricing.as_str(),
        input.household_cap_minor,
        input.public,
        input.open,
        input.member_cap,
        input.tax_receipt,
        i16::from(input.tax_receipt_percent),
        input.position
    )
    .execute(tx.conn().await?)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::NotFound("plan"));
    }
    write_tiers(tx, id, input).await?;
    audit::record(
        tx,
        Entry::new("contributions.plan.update")
            .by(by)
            .with(json!({ "plan": id })),
    )
    .await?;
    Ok(())
}

/// Upserts the tiers by code and archives those no longer listed.
async fn write_tiers(tx: &mut TenantTx, plan_id: i64, input: &PlanInput) -> Result<(), Error> {
    let codes: Vec<&str> = input.tiers.iter().map(|tier| tier.code.as_str()).collect();
    sqlx::query!(
        "UPDATE plan_tiers SET archived_at = now()
         WHERE plan_id = $1 AND archived_at IS NULL AND NOT (code = ANY($2))",
        plan_id,
        &codes as &[&str]
    )
    .execute(tx.conn().await?)
    .await?;
    for (position, tier) in (0_i32..).zip(&input.tiers) {
        sqlx::query!(
            "INSERT INTO plan_tiers (plan_id, code, label, amount_minor, position)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (plan_id, code) DO UPDATE
             SET label = EXCLUDED.label, amount_minor = EXCLUDED.amount_minor,
                 position = EXCLUDED.position, archived_at = NULL",
            plan_id,
            tier.code,
            tier.label.trim(),
            tier.amount_minor,
            position
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(())
}

/// Hides a plan from everyone but keeps it for the memberships that use it.
pub async fn archive(tx: &mut TenantTx, id: i64, by: i64) -> Result<(), Error> {
    let archived = sqlx::query!(
        "UPDATE plans SET archived_at = coalesce(archived_at, now()), open = false, updated_at = now()
         WHERE id = $1",
        id
    )
    .execute(tx.conn().await?)
    .await?;
    if archived.rows_affected() == 0 {
        return Err(Error::NotFound("plan"));
    }
    audit::record(
        tx,
        Entry::new("contributions.plan.archive")
            .by(by)
            .with(json!({ "plan": id })),
    )
    .await?;
    Ok(())
}

/// Members holding a live (not cancelled) membership of the plan on `on`.
pub async fn members_on(
    tx: &mut TenantTx,
    plan_id: i64,
    on: NaiveDate,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(DISTINCT account_id) AS "n!" FROM memberships
           WHERE plan_id = $1 AND cancelled_at IS NULL
             AND starts_on <= $2 AND (ends_on IS NULL OR ends_on >= $2)"#,
        plan_id,
        on
    )
    .fetch_one(tx.conn().await?)
    .await
}
