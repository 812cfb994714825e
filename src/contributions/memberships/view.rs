//! Reading memberships with what was paid, what is due and their status.

use chrono::NaiveDate;

use crate::contributions::model::{Period, Status};
use crate::contributions::status::{self, Facts, Rule};
use crate::db::TenantTx;
use crate::model::{Amount, Currency};

/// A membership as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MembershipView {
    pub id: i64,
    pub account_id: i64,
    pub member_name: String,
    pub member_email: String,
    pub plan_id: i64,
    pub plan_name: String,
    pub period: Period,
    pub tier_label: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// The price copied when the period was created.
    pub amount: Amount,
    /// Carried from an upgraded membership.
    pub credit: Amount,
    pub paid: Amount,
    /// `amount - credit - paid`, never below zero.
    pub due: Amount,
    pub payment_pending: bool,
    pub status: Status,
    pub status_overridden: bool,
    pub override_reason: Option<String>,
    pub household_id: Option<i64>,
    pub payer_id: i64,
    pub previous_id: Option<i64>,
    pub instalments: u8,
    /// Whether a following period may be created now.
    pub renewable: bool,
    pub renewed: bool,
    pub cancel_reason: Option<String>,
}

/// What to read. Without `account_id` every membership of the tenant.
#[derive(Debug, Clone, Copy, Default)]
pub struct MembershipFilter {
    pub id: Option<i64>,
    /// As member or as payer.
    pub account_id: Option<i64>,
    pub plan_id: Option<i64>,
    /// Periods ending between these dates (inclusive).
    pub ends_from: Option<NaiveDate>,
    pub ends_until: Option<NaiveDate>,
    /// Only the latest period of each chain (not yet renewed).
    pub latest_only: bool,
    /// Periods overlapping `[active_from, active_until]` (lifetime ones
    /// never end).
    pub active_from: Option<NaiveDate>,
    pub active_until: Option<NaiveDate>,
    pub include_cancelled: bool,
    /// Keyset: ids below this one (newest first).
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<MembershipView>, sqlx::Error> {
    let filter = MembershipFilter {
        id: Some(id),
        include_cancelled: true,
        limit: 1,
        ..Default::default()
    };
    let rules = status::rules(tx).await?;
    let found = list(tx, &filter, &rules, super::today()).await?;
    Ok(found.into_iter().next())
}

/// Someone's memberships (as member or payer), newest first.
pub async fn for_account(
    tx: &mut TenantTx,
    account_id: i64,
) -> Result<Vec<MembershipView>, sqlx::Error> {
    let filter = MembershipFilter {
        account_id: Some(account_id),
        include_cancelled: true,
        limit: 500,
        ..Default::default()
    };
    let rules = status::rules(tx).await?;
    list(tx, &filter, &rules, super::today()).await
}

/// Memberships matching `filter`, newest first, with their status on
/// `today` under `rules`.
pub async fn list(
    tx: &mut TenantTx,
    filter: &MembershipFilter,
    rules: &[Rule],
    today: NaiveDate,
) -> Result<Vec<MembershipView>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.account_id, a.display_name, a.email, m.plan_id, p.name AS plan_name, p.period,
                  t.label AS "tier_label?", m.starts_on, m.ends_on, m.amount_minor, m.credit_minor, m.currency,
                  m.household_id, m.payer_id, m.previous_id, m.instalments, m.status_override,
                  m.override_reason, m.cancel_reason, m.cancelled_at IS NOT NULL AS "cancelled!",
                  (SELECT min(j.starts_on) FROM memberships j
                   WHERE j.account_id = m.account_id AND j.cancelled_at IS NULL) AS joined_on,
                  coalesce((SELECT sum(n.net_minor) FROM allocation_net n
                            WHERE n.membership_id = m.id AND n.status IN ('paid', 'refunded')), 0)::bigint AS "paid!",
                  EXISTS (SELECT 1 FROM allocation_net n
                          WHERE n.membership_id = m.id AND n.status = 'pending') AS "pending!",
                  EXISTS (SELECT 1 FROM payment_allocations al JOIN payments pa ON pa.id = al.payment_id
                          WHERE al.membership_id = m.id AND pa.status = 'pending' AND pa.attempt > 1) AS "retrying!",
                  EXISTS (SELECT 1 FROM memberships r
                          WHERE r.previous_id = m.id AND r.cancelled_at IS NULL) AS "renewed!",
                  p.archived_at IS NULL AND p.period NOT IN ('one_off', 'lifetime') AS "plan_renews!"
           FROM memberships m
           JOIN accounts a ON a.id = m.account_id
           JOIN plans p ON p.id = m.plan_id
           LEFT JOIN plan_tiers t ON t.id = m.tier_id
           WHERE ($1::bigint IS NULL OR m.id = $1)
             AND ($2::bigint IS NULL OR m.account_id = $2 OR m.payer_id = $2)
             AND ($3::bigint IS NULL OR m.plan_id = $3)
             AND ($4::date IS NULL OR m.ends_on >= $4)
             AND ($5::date IS NULL OR m.ends_on <= $5)
             AND ($6 OR m.cancelled_at IS NULL)
             AND ($7::bigint IS NULL OR m.id < $7)
             AND (NOT $8 OR NOT EXISTS (SELECT 1 FROM memberships r
                                        WHERE r.previous_id = m.id AND r.cancelled_at IS NULL))
             AND ($10::date IS NULL OR m.ends_on IS NULL OR m.ends_on >= $10)
             AND ($11::date IS NULL OR m.starts_on <= $11)
           ORDER BY m.id DESC
           LIMIT $9"#,
        filter.id,
        filter.account_id,
        filter.plan_id,
        filter.ends_from,
        filter.ends_until,
        filter.include_cancelled,
        filter.before_id,
        filter.latest_only,
        filter.limit.clamp(1, 5000),
        filter.active_from,
        filter.active_until
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let currency = Currency::parse(&row.currency).ok()?;
            let money = |minor: i64| Amount::new(minor, currency);
            let due = (row.amount_minor - row.credit_minor - row.paid).max(0);
            let overridden: Option<Status> =
                row.status_override.as_deref().and_then(|s| s.parse().ok());
            let facts = Facts {
                joined_on: row.joined_on.unwrap_or(row.starts_on),
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                amount_due: row.amount_minor > row.credit_minor,
                paid_any: row.paid > 0,
                payment_pending: row.pending,
                payment_retrying: row.retrying,
                cancelled: row.cancelled,
                overridden,
            };
            let status = status::status_of(rules, &facts, today);
            Some(MembershipView {
                id: row.id,
                account_id: row.account_id,
                member_name: row.display_name,
                member_email: row.email,
                plan_id: row.plan_id,
                plan_name: row.plan_name,
                period: row.period.parse().ok()?,
                tier_label: row.tier_label,
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                amount: money(row.amount_minor)?,
                credit: money(row.credit_minor)?,
                paid: money(row.paid)?,
                due: money(due)?,
                payment_pending: row.pending,
                status,
                status_overridden: overridden.is_some(),
                override_reason: row.override_reason,
                household_id: row.household_id,
                payer_id: row.payer_id,
                previous_id: row.previous_id,
                instalments: u8::try_from(row.instalments).ok()?,
                renewable: row.plan_renews && !row.renewed && !row.cancelled,
                renewed: row.renewed,
                cancel_reason: row.cancel_reason,
            })
        })
        .collect())
}
