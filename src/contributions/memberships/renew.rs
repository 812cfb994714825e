//! Renewing and upgrading. A renewal follows the payer: renewing one
//! membership renews every membership the same payer holds on the same
//! plan for the same period (the household), at today's prices. A period
//! renewed after it expired starts afresh on the renewal day's period.
//! An upgrade moves to a dearer plan for the rest of the period, credited
//! with what was paid when the new plan allows it.

use chrono::NaiveDate;
use serde_json::json;

use super::join::{
    self, JoinRequest, Joined, household_prices, lines_and_total, open_plan, with_actor,
};
use super::view;
use crate::audit::{self, Entry};
use crate::contributions::dates::{self, Span};
use crate::contributions::error::Error;
use crate::contributions::ledger::{self, Line};
use crate::contributions::model::{LedgerKind, Status};
use crate::contributions::plans::{self, Plan};
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::model::Amount;

/// Renews `membership_id` and the rest of its payer's group; `by` is the
/// person asking (the payer, or staff with `by_staff`).
pub async fn renew(
    tx: &mut TenantTx,
    membership_id: i64,
    by: i64,
    by_staff: bool,
    on: NaiveDate,
) -> Result<Joined, Error> {
    let current = view::find(tx, membership_id)
        .await?
        .ok_or(Error::NotFound("membership"))?;
    if !by_staff && by != current.payer_id && by != current.account_id {
        return Err(Error::NotFound("membership"));
    }
    if current.renewed {
        return Err(Error::conflict(
            "already-renewed",
            "this period was already renewed",
        ));
    }
    if !current.renewable {
        return Err(Error::conflict(
            "not-renewable",
            "this membership is not renewed",
        ));
    }
    let plan = plans::find(tx, current.plan_id)
        .await?
        .ok_or(Error::NotFound("plan"))?;
    let group = payer_group(tx, &current).await?;
    let season = settings::get(tx).await?.season_start_month;
    let cycle = plan.cycle(season);
    let lapsed = current.status == Status::Expired;
    let span = if lapsed {
        cycle.joining(on)
    } else {
        let chain_start = chain_start(tx, membership_id).await?;
        let previous = Span {
            starts_on: current.starts_on,
            ends_on: current.ends_on,
        };
        cycle
            .following(chain_start, previous)
            .ok_or_else(|| Error::conflict("not-renewable", "this membership is not renewed"))?
    };
    let amount = (plan.free_amount).then_some(current.amount);
    let tier = tier_code(&plan, tx, membership_id).await?;
    let (tier_id, price) = plan.price(tier.as_deref(), amount)?;
    let one = if lapsed && !plan.free_amount {
        dates::pro_rated(price.minor(), plan.pro_rata, span, on, &cycle)
    } else {
        price.minor()
    };
    let members: Vec<i64> = group.iter().map(|(_, account)| *account).collect();
    let request = JoinRequest {
        plan_id: plan.id,
        tier,
        amount,
        members: members.clone(),
        household_id: current.household_id,
        payer_id: current.payer_id,
        instalments: current
            .instalments
            .min(dates::max_instalments(plan.period, plan.max_instalments)),
        on,
        by_staff: true,
    };
    let prices = household_prices(&plan, one, members.len());
    let quote = lines_and_total(&plan, &members, tier_id, span, &prices, &request)?;
    let previous: Vec<i64> = group.iter().map(|(id, _)| *id).collect();
    let ids = join::write(tx, &quote, &request, Some(&previous), Some(by)).await?;
    audit::record(
        tx,
        Entry::new("contributions.membership.renew")
            .by(by)
            .on(current.payer_id)
            .with(json!({ "renewed": previous, "memberships": ids, "total_minor": quote.total.minor() })),
    )
    .await?;
    Ok(Joined {
        membership_ids: ids,
        quote,
    })
}

/// The not-yet-renewed memberships of the same payer, plan and period
/// (membership id, member), the asked one first.
async fn payer_group(
    tx: &mut TenantTx,
    current: &view::MembershipView,
) -> Result<Vec<(i64, i64)>, Error> {
    let rows = sqlx::query!(
        "SELECT m.id, m.account_id FROM memberships m
         WHERE m.payer_id = $1 AND m.plan_id = $2 AND m.starts_on = $3 AND m.cancelled_at IS NULL
           AND m.household_id IS NOT DISTINCT FROM $4
           AND NOT EXISTS (SELECT 1 FROM memberships r WHERE r.previous_id = m.id AND r.cancelled_at IS NULL)
         ORDER BY m.id = $5 DESC, m.id",
        current.payer_id,
        current.plan_id,
        current.starts_on,
        current.household_id,
        current.id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id, row.account_id))
        .collect())
}

/// The first day of the chain of renewals `membership_id` belongs to.
async fn chain_start(tx: &mut TenantTx, membership_id: i64) -> Result<NaiveDate, Error> {
    sqlx::query_scalar!(
        r#"WITH RECURSIVE chain AS (
               SELECT id, previous_id, starts_on, 0 AS depth FROM memberships WHERE id = $1
               UNION ALL
               SELECT m.id, m.previous_id, m.starts_on, c.depth + 1
               FROM memberships m JOIN chain c ON m.id = c.previous_id WHERE c.depth < 500)
           SELECT starts_on AS "starts_on!" FROM chain ORDER BY depth DESC LIMIT 1"#,
        membership_id
    )
    .fetch_one(tx.conn().await?)
    .await
    .map_err(Error::from)
}

/// The code of the tier the membership was on, if it is still offered.
async fn tier_code(
    plan: &Plan,
    tx: &mut TenantTx,
    membership_id: i64,
) -> Result<Option<String>, Error> {
    let tier_id = sqlx::query_scalar!(
        "SELECT tier_id FROM memberships WHERE id = $1",
        membership_id
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(tier_id
        .and_then(|id| plan.tiers.iter().find(|tier| tier.id == id))
        .map(|tier| tier.code.clone()))
}

/// Moves `membership_id` to the dearer `plan_id` from `on` to the end of
/// its period; the old membership is cancelled.
pub async fn upgrade(
    tx: &mut TenantTx,
    membership_id: i64,
    plan_id: i64,
    tier: Option<String>,
    by: i64,
    by_staff: bool,
    on: NaiveDate,
) -> Result<Joined, Error> {
    let old = view::find(tx, membership_id)
        .await?
        .ok_or(Error::NotFound("membership"))?;
    if !by_staff && by != old.payer_id {
        return Err(Error::NotFound("membership"));
    }
    if !old.status.is_active() || old.ends_on.is_none() {
        return Err(Error::conflict(
            "not-upgradable",
            "only a running, dated membership can be upgraded",
        ));
    }
    let plan = open_plan(tx, plan_id, by_staff).await?;
    if plan.id == old.plan_id || plan.currency != old.amount.currency() {
        return Err(Error::invalid(
            "plan_id",
            "not-dearer",
            "choose another plan in the same currency",
        ));
    }
    let season = settings::get(tx).await?.season_start_month;
    let cycle = plan.cycle(season);
    let (tier_id, price) = plan.price(tier.as_deref(), None)?;
    let new_price = dates::pro_rated(price.minor(), plan.pro_rata, cycle.joining(on), on, &cycle);
    if new_price <= old.amount.minor() {
        return Err(Error::invalid(
            "plan_id",
            "not-dearer",
            "an upgrade goes to a dearer plan",
        ));
    }
    let paid = old.paid.minor() + old.credit.minor();
    let (_, credit) = dates::upgrade_due(new_price, paid, plan.upgrade_credit);
    let span = Span {
        starts_on: on.max(old.starts_on),
        ends_on: old.ends_on,
    };
    let request = JoinRequest {
        plan_id: plan.id,
        tier,
        amount: None,
        members: vec![old.account_id],
        household_id: old.household_id,
        payer_id: old.payer_id,
        instalments: 1,
        on,
        by_staff,
    };
    let quote = lines_and_total(
        &plan,
        &[old.account_id],
        tier_id,
        span,
        &[new_price],
        &request,
    )?;
    super::staff::cancel(tx, old.id, &format!("upgraded to plan {}", plan.id), by).await?;
    let ids = join::write(tx, &quote, &request, None, Some(by)).await?;
    if let Some(new_id) = ids.first().copied().filter(|_| credit > 0) {
        carry_credit(
            tx,
            new_id,
            old.payer_id,
            Amount::new(credit, plan.currency),
            by,
        )
        .await?;
    }
    audit::record(
        tx,
        with_actor(Entry::new("contributions.membership.upgrade"), Some(by))
            .on(old.account_id)
            .with(json!({ "from": old.id, "to": ids, "credit_minor": credit })),
    )
    .await?;
    Ok(Joined {
        membership_ids: ids,
        quote,
    })
}

async fn carry_credit(
    tx: &mut TenantTx,
    membership_id: i64,
    payer_id: i64,
    credit: Option<Amount>,
    by: i64,
) -> Result<(), Error> {
    let credit = credit.ok_or_else(|| Error::invalid("amount", "too-large", "amount too large"))?;
    sqlx::query!(
        "UPDATE memberships SET credit_minor = $2 WHERE id = $1",
        membership_id,
        credit.minor()
    )
    .execute(tx.conn().await?)
    .await?;
    let negative = Amount::zero(credit.currency())
        .checked_sub(credit)
        .map_err(|e| Error::money("amount", e))?;
    ledger::append(
        tx,
        Line {
            account_id: payer_id,
            kind: LedgerKind::Credit,
            amount: negative,
            membership_id: Some(membership_id),
            payment_id: None,
            memo: "upgrade credit",
            recorded_by: Some(by),
        },
    )
    .await?;
    Ok(())
}
