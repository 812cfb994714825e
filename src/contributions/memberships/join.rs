//! Joining: the quote (dates and amounts each person gets, the total, the
//! instalments) and the memberships, charges and instalments it becomes.
//! The quote is computed again at `join`, in the same transaction that
//! writes it: the member pays exactly what was shown.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde_json::json;

use crate::audit::{self, Entry};
use crate::contributions::dates::{self, Span};
use crate::contributions::error::Error;
use crate::contributions::ledger::{self, Line};
use crate::contributions::model::{HouseholdPricing, LedgerKind};
use crate::contributions::plans::{self, Plan};
use crate::contributions::{households, settings};
use crate::db::TenantTx;
use crate::model::Amount;

/// Who joins which plan, how, and who pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinRequest {
    pub plan_id: i64,
    /// A tier code (fixed-price plans); `None`: the first tier.
    pub tier: Option<String>,
    /// The amount chosen on a free-amount plan.
    pub amount: Option<Amount>,
    /// The people joining; empty: the payer alone.
    pub members: Vec<i64>,
    pub household_id: Option<i64>,
    pub payer_id: i64,
    pub instalments: u8,
    pub on: NaiveDate,
    /// Staff may use hidden plans; members only offered ones.
    pub by_staff: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuoteLine {
    pub account_id: i64,
    pub tier_id: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quote {
    pub plan_id: i64,
    pub lines: Vec<QuoteLine>,
    pub total: Amount,
    /// Due dates and amounts of the whole order.
    pub instalments: Vec<(NaiveDate, Amount)>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Joined {
    pub membership_ids: Vec<i64>,
    pub quote: Quote,
}

/// What joining would create, without writing anything.
pub async fn quote(tx: &mut TenantTx, request: &JoinRequest) -> Result<Quote, Error> {
    let plan = open_plan(tx, request.plan_id, request.by_staff).await?;
    let members = members_of(tx, request).await?;
    check_not_already_members(tx, &plan, &members, request.on).await?;
    check_cap(tx, &plan, members.len(), request.on).await?;
    let season = settings::get(tx).await?.season_start_month;
    let cycle = plan.cycle(season);
    let span = cycle.joining(request.on);
    let (tier_id, price) = plan.price(request.tier.as_deref(), request.amount)?;
    let one = if plan.free_amount {
        price.minor()
    } else {
        dates::pro_rated(price.minor(), plan.pro_rata, span, request.on, &cycle)
    };
    let prices = household_prices(&plan, one, members.len());
    lines_and_total(&plan, &members, tier_id, span, &prices, request)
}

/// Writes the memberships of the quote, their charges on the payer's
/// ledger and their instalments.
pub async fn join(
    tx: &mut TenantTx,
    request: &JoinRequest,
    by: Option<i64>,
) -> Result<Joined, Error> {
    let quote = quote(tx, request).await?;
    let ids = write(tx, &quote, request, None, by).await?;
    audit::record(
        tx,
        with_actor(Entry::new("contributions.membership.join"), by)
            .on(request.payer_id)
            .with(json!({ "plan": request.plan_id, "memberships": ids, "total_minor": quote.total.minor() })),
    )
    .await?;
    Ok(Joined {
        membership_ids: ids,
        quote,
    })
}

pub(super) fn with_actor(entry: Entry<'_>, by: Option<i64>) -> Entry<'_> {
    match by {
        Some(actor) => entry.by(actor),
        None => entry,
    }
}

pub(super) async fn open_plan(
    tx: &mut TenantTx,
    plan_id: i64,
    by_staff: bool,
) -> Result<Plan, Error> {
    let plan = plans::find(tx, plan_id)
        .await?
        .filter(|plan| by_staff || plan.public)
        .ok_or_else(|| Error::invalid("plan_id", "unknown-plan", "no such plan"))?;
    if plan.archived || !plan.open {
        return Err(Error::invalid(
            "plan_id",
            "plan-closed",
            "this plan does not take new members",
        ));
    }
    Ok(plan)
}

/// The people joining: checked against the household when there is one.
async fn members_of(tx: &mut TenantTx, request: &JoinRequest) -> Result<Vec<i64>, Error> {
    let mut members = if request.members.is_empty() {
        vec![request.payer_id]
    } else {
        request.members.clone()
    };
    let mut seen = HashSet::new();
    members.retain(|id| seen.insert(*id));
    if members.len() > households::MAX_MEMBERS {
        return Err(Error::invalid(
            "members",
            "too-many-members",
            "at most 20 people at once",
        ));
    }
    match request.household_id {
        Some(id) => {
            let household = households::find(tx, id).await?.ok_or_else(|| {
                Error::invalid("household_id", "unknown-household", "no such household")
            })?;
            if household.payer_id != request.payer_id {
                return Err(Error::invalid(
                    "household_id",
                    "not-payer",
                    "only the household's payer pays for it",
                ));
            }
            if members
                .iter()
                .any(|id| !household.members.iter().any(|m| m.account_id == *id))
            {
                return Err(Error::invalid(
                    "members",
                    "not-in-household",
                    "someone is not in this household",
                ));
            }
        }
        None if members != [request.payer_id] => {
            return Err(Error::invalid(
                "household_id",
                "household-required",
                "several people join as a household",
            ));
        }
        None => {}
    }
    let live = crate::accounts::store::find(tx, request.payer_id).await?;
    if live.is_none_or(|account| account.status == crate::accounts::Status::Deactivated) {
        return Err(Error::invalid(
            "payer_id",
            "unknown-member",
            "unknown or deactivated person",
        ));
    }
    Ok(members)
}

async fn check_not_already_members(
    tx: &mut TenantTx,
    plan: &Plan,
    members: &[i64],
    on: NaiveDate,
) -> Result<(), Error> {
    let already: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM memberships
           WHERE plan_id = $1 AND account_id = ANY($2) AND cancelled_at IS NULL
             AND starts_on <= $3 AND (ends_on IS NULL OR ends_on >= $3)"#,
        plan.id,
        members,
        on
    )
    .fetch_one(tx.conn().await?)
    .await?;
    if already > 0 {
        return Err(Error::conflict(
            "already-member",
            "already a member on this plan for this period: renew instead",
        ));
    }
    Ok(())
}

async fn check_cap(
    tx: &mut TenantTx,
    plan: &Plan,
    joining: usize,
    on: NaiveDate,
) -> Result<(), Error> {
    let Some(cap) = plan.member_cap else {
        return Ok(());
    };
    let now = plans::members_on(tx, plan.id, on).await?;
    if now + i64::try_from(joining).unwrap_or(i64::MAX) > i64::from(cap) {
        return Err(Error::conflict("plan-full", "this plan has no room left"));
    }
    Ok(())
}

/// Each member's price: their own (capped for the household), or one
/// price for the household carried by the first member.
pub(super) fn household_prices(plan: &Plan, one: i64, members: usize) -> Vec<i64> {
    let cap = plan.household_cap.map(|cap| cap.minor());
    match plan.household_pricing {
        HouseholdPricing::PerMember => dates::capped(&vec![one; members], cap),
        HouseholdPricing::PerHousehold => {
            let whole = cap.map_or(one, |cap| one.min(cap));
            (0..members)
                .map(|n| if n == 0 { whole } else { 0 })
                .collect()
        }
    }
}

pub(super) fn lines_and_total(
    plan: &Plan,
    members: &[i64],
    tier_id: Option<i64>,
    span: Span,
    prices: &[i64],
    request: &JoinRequest,
) -> Result<Quote, Error> {
    let too_large = || Error::invalid("amount", "too-large", "amount too large");
    let mut lines = Vec::with_capacity(members.len());
    let mut total = Amount::zero(plan.currency);
    for (account_id, price) in members.iter().zip(prices) {
        let amount = Amount::new(*price, plan.currency).ok_or_else(too_large)?;
        total = total
            .checked_add(amount)
            .map_err(|e| Error::money("amount", e))?;
        lines.push(QuoteLine {
            account_id: *account_id,
            tier_id,
            starts_on: span.starts_on,
            ends_on: span.ends_on,
            amount,
        });
    }
    let count = request.instalments.max(1);
    if count > dates::max_instalments(plan.period, plan.max_instalments) {
        return Err(Error::invalid(
            "instalments",
            "instalments",
            "this plan cannot be paid in that many parts",
        ));
    }
    let instalments = dates::instalments(total.minor(), count, request.on)
        .into_iter()
        .filter_map(|(due, minor)| Some((due, Amount::new(minor, plan.currency)?)))
        .collect();
    Ok(Quote {
        plan_id: plan.id,
        lines,
        total,
        instalments,
    })
}

/// Inserts the quote's memberships (each continuing `previous[i]` when
/// renewing), their charges and their instalments.
pub(super) async fn write(
    tx: &mut TenantTx,
    quote: &Quote,
    request: &JoinRequest,
    previous: Option<&[i64]>,
    by: Option<i64>,
) -> Result<Vec<i64>, Error> {
    let count = i16::from(request.instalments.max(1));
    let mut ids = Vec::with_capacity(quote.lines.len());
    for (n, line) in quote.lines.iter().enumerate() {
        let previous_id = previous.and_then(|p| p.get(n).copied());
        let currency = line.amount.currency();
        let id = sqlx::query_scalar!(
            "INSERT INTO memberships (account_id, plan_id, tier_id, household_id, payer_id, starts_on, ends_on,
                                      amount_minor, currency, instalments, previous_id, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            line.account_id,
            quote.plan_id,
            line.tier_id,
            request.household_id,
            request.payer_id,
            line.starts_on,
            line.ends_on,
            line.amount.minor(),
            currency.code(),
            count,
            previous_id,
            by
        )
        .fetch_one(tx.conn().await?)
        .await
        .map_err(already_renewed)?;
        ledger::append(
            tx,
            Line {
                account_id: request.payer_id,
                kind: LedgerKind::Charge,
                amount: line.amount,
                membership_id: Some(id),
                payment_id: None,
                memo: "membership",
                recorded_by: by,
            },
        )
        .await?;
        if count > 1 {
            write_instalments(tx, id, line.amount, request.instalments, request.on).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Two renewals of one period: the unique index says so.
fn already_renewed(error: sqlx::Error) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("memberships_previous_key") => {
            Error::conflict("already-renewed", "this period was already renewed")
        }
        _ => Error::Database(error),
    }
}

async fn write_instalments(
    tx: &mut TenantTx,
    membership_id: i64,
    amount: Amount,
    count: u8,
    first: NaiveDate,
) -> Result<(), Error> {
    for (number, (due_on, minor)) in (1_i16..).zip(dates::instalments(amount.minor(), count, first))
    {
        sqlx::query!(
            "INSERT INTO membership_instalments (membership_id, number, due_on, amount_minor) VALUES ($1, $2, $3, $4)",
            membership_id,
            number,
            due_on,
            minor
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(())
}
