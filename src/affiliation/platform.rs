//! The platform's own programme, on the same engine as the associations'
//! with its books in schema `platform`: a partner (an association already
//! on the platform, or a person) brings a new association; the binding is
//! made when that association's sign-up is confirmed; the platform fees
//! operators record for it are the sales; rewards are money or a fee credit
//! (`platform.fee_credits`), used up by the next fees. Only tenants appear
//! in these books, never a tenant's members.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Postgres, Transaction};

use super::books::Books;
use super::cookie::Visit;
use super::ledger::{self, Reckoning, Sale};
use super::model::{AffiliateStatus, RewardKind};
use super::{Error, affiliates, programs, referrals, rulebook};
use crate::db::Platform;
use crate::model::{Currency, TenantId};

/// The platform signs its referral cookies as "tenant 0" (no tenant has it).
pub const OWNER: TenantId = TenantId::new(0);

/// A platform transaction with the platform's books open in it.
pub async fn begin(platform: &Platform) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = platform.begin().await?;
    Books::platform(&mut tx).await?;
    Ok(tx)
}

/// What brought a sign-up, kept with it until its tenant exists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brought {
    pub code: Option<String>,
    pub typed: bool,
    pub click: Option<uuid::Uuid>,
    pub at: Option<DateTime<Utc>>,
    pub device: Vec<u8>,
}

impl Brought {
    pub fn of(visit: Option<Visit>, typed: Option<&str>, device: Vec<u8>) -> Option<Self> {
        match (typed.map(str::trim).filter(|c| !c.is_empty()), visit) {
            (Some(code), _) => Some(Self {
                code: Some(code.to_owned()),
                typed: true,
                device,
                ..Self::default()
            }),
            (None, Some(visit)) => Some(Self {
                code: Some(visit.code),
                typed: false,
                click: Some(visit.click),
                at: Some(visit.at),
                device,
            }),
            (None, None) => None,
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Whether `code` is a live code of the platform's programme.
pub async fn known_code(platform: &Platform, code: &str) -> Result<bool, sqlx::Error> {
    let mut tx = begin(platform).await?;
    let found = super::links::target(&mut Books::Platform(&mut tx), code).await?;
    Ok(found.is_some())
}

/// A sign-up was confirmed and `tenant_id` created: binds it to the partner
/// whose code brought it. Never fails the sign-up: a problem is logged.
pub async fn signup_confirmed(
    platform: &Platform,
    tenant_id: i64,
    name: &str,
    email: &str,
    brought: Option<&Value>,
    ip: Option<std::net::IpAddr>,
) {
    let Some(brought) = brought.and_then(|v| serde_json::from_value::<Brought>(v.clone()).ok())
    else {
        return;
    };
    if let Err(error) = bind(platform, tenant_id, name, email, &brought, ip).await {
        tracing::warn!(%error, tenant_id, "platform referral not recorded");
    }
}

async fn bind(
    platform: &Platform,
    tenant_id: i64,
    name: &str,
    email: &str,
    brought: &Brought,
    ip: Option<std::net::IpAddr>,
) -> Result<(), Error> {
    let mut tx = begin(platform).await?;
    let mut books = Books::Platform(&mut tx);
    let visit = match (&brought.code, brought.click, brought.at, brought.typed) {
        (Some(code), Some(click), Some(at), false) => Some(Visit {
            code: code.clone(),
            click,
            at,
        }),
        _ => None,
    };
    let arrival = referrals::Arrival {
        party_id: tenant_id,
        name,
        email,
        ip,
        device: &brought.device,
        visit,
        typed_code: brought.code.as_deref().filter(|_| brought.typed),
    };
    referrals::attribute(&mut books, arrival, Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// A fee to charge an association.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewFee {
    pub tenant_id: i64,
    pub label: String,
    pub amount_minor: i64,
    #[serde(default = "euro")]
    pub currency: String,
}

fn euro() -> String {
    "EUR".to_owned()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Fee {
    pub id: i64,
    pub tenant_id: i64,
    pub label: String,
    pub amount_minor: i64,
    /// Paid with the association's fee credit.
    pub credit_minor: i64,
    pub refunded_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

/// Records a fee: the association's fee credit pays what it can, the rest
/// is money, and the partner who brought the association earns from it.
pub async fn charge(platform: &Platform, fee: NewFee, by: Option<i64>) -> Result<Fee, Error> {
    let label = fee.label.trim();
    if label.is_empty() || label.chars().count() > 120 {
        return Err(Error::invalid(
            "label",
            "name",
            "a label of 1 to 120 characters",
        ));
    }
    let currency = Currency::parse(&fee.currency)
        .map_err(|_| Error::invalid("currency", "currency", "an ISO 4217 code"))?;
    if !(1..=crate::model::MAX_MINOR).contains(&fee.amount_minor) {
        return Err(Error::invalid(
            "amount_minor",
            "amount",
            "an amount above zero",
        ));
    }
    let mut tx = begin(platform).await?;
    let known = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM platform.tenants WHERE id = $1"#,
        fee.tenant_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if known == 0 {
        return Err(Error::invalid(
            "tenant_id",
            "unknown-tenant",
            "no such association",
        ));
    }
    let balance = credit_balance(&mut tx, fee.tenant_id, currency).await?;
    let credit = balance.clamp(0, fee.amount_minor);
    let id = sqlx::query_scalar!(
        "INSERT INTO platform.fee_charges (tenant_id, label, amount_minor, credit_minor, currency, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        fee.tenant_id,
        label,
        fee.amount_minor,
        credit,
        currency.code(),
        by
    )
    .fetch_one(&mut *tx)
    .await?;
    if credit > 0 {
        sqlx::query!(
            "INSERT INTO platform.fee_credits (tenant_id, amount_minor, currency, memo, charge_id) VALUES ($1, $2, $3, 'used', $4)",
            fee.tenant_id,
            -credit,
            currency.code(),
            id
        )
        .execute(&mut *tx)
        .await?;
    }
    reckon(&mut tx, id).await?;
    let fee = find(&mut tx, id).await?.ok_or(Error::NotFound("fee"))?;
    tx.commit().await?;
    Ok(fee)
}

/// Gives back `amount_minor` of a fee's money part; the commission follows.
pub async fn refund(platform: &Platform, id: i64, amount_minor: i64) -> Result<Fee, Error> {
    let mut tx = begin(platform).await?;
    let done = sqlx::query!(
        "UPDATE platform.fee_charges SET refunded_minor = refunded_minor + $2::bigint
         WHERE id = $1 AND $2::bigint > 0 AND refunded_minor + $2::bigint <= amount_minor - credit_minor",
        id,
        amount_minor
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::invalid(
            "amount_minor",
            "over-refund",
            "above zero and at most what was paid in money",
        ));
    }
    reckon(&mut tx, id).await?;
    let fee = find(&mut tx, id).await?.ok_or(Error::NotFound("fee"))?;
    tx.commit().await?;
    Ok(fee)
}

/// An association's fee credit with the platform, in euros.
pub async fn fee_credit(
    tx: &mut Transaction<'static, Postgres>,
    tenant_id: i64,
) -> Result<i64, sqlx::Error> {
    credit_balance(tx, tenant_id, Currency::EUR).await
}

async fn credit_balance(
    tx: &mut Transaction<'static, Postgres>,
    tenant_id: i64,
    currency: Currency,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_minor), 0)::bigint AS "n!" FROM platform.fee_credits WHERE tenant_id = $1 AND currency = $2"#,
        tenant_id,
        currency.code()
    )
    .fetch_one(&mut **tx)
    .await
}

async fn find(
    tx: &mut Transaction<'static, Postgres>,
    id: i64,
) -> Result<Option<Fee>, sqlx::Error> {
    sqlx::query_as!(
        Fee,
        "SELECT id, tenant_id, label, amount_minor, credit_minor, refunded_minor, currency, created_at
         FROM platform.fee_charges WHERE id = $1",
        id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Reckons fee `id` for the referral of the association it charges.
async fn reckon(tx: &mut Transaction<'static, Postgres>, id: i64) -> Result<(), Error> {
    let fee = find(tx, id).await?.ok_or(Error::NotFound("fee"))?;
    let mut books = Books::Platform(tx);
    for referral in referrals::lock_of_party(&mut books, fee.tenant_id).await? {
        let Some(program) = programs::find(&mut books, referral.program_id).await? else {
            continue;
        };
        let affiliate = affiliates::find(&mut books, referral.affiliate_id).await?;
        let Some(affiliate) = affiliate.filter(|a| a.status == AffiliateStatus::Active) else {
            continue;
        };
        let rules = if program.settings.active {
            rulebook::rules(&mut books, program.id).await?
        } else {
            Vec::new()
        };
        let ctx = Reckoning {
            referral: &referral,
            group_id: affiliate.group_id,
            rules: &rules,
            holding_days: program.settings.holding_days,
            currency: &program.currency,
            now: Utc::now(),
        };
        let sale = Sale {
            payment_id: fee.id,
            gross_minor: fee.amount_minor - fee.credit_minor,
            refunded_minor: fee.refunded_minor,
            paid: true,
        };
        ledger::reckon(&mut books, &ctx, sale).await?;
    }
    Ok(())
}

/// Free days mean nothing to an association's fees: the platform's rules
/// are money, a share, or a fee credit.
pub fn check_reward(reward: RewardKind) -> Result<(), Error> {
    match reward {
        RewardKind::FreeDays | RewardKind::Donation => Err(Error::invalid(
            "reward",
            "not-on-the-platform",
            "the platform's programme rewards with money, a share of fees or a fee credit",
        )),
        _ => Ok(()),
    }
}

/// The platform's sweep: holds, holding periods, and fee credits given.
pub async fn sweep(platform: &Platform, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let mut tx = begin(platform).await?;
    super::mature::run(&mut Books::Platform(&mut tx), now).await?;
    let owed = super::mature::owed_in_kind(&mut Books::Platform(&mut tx), 500).await?;
    let mut given = 0;
    for reward in owed {
        let Some(tenant_id) = reward.party_id.filter(|_| reward.days == 0) else {
            continue;
        };
        sqlx::query!(
            "INSERT INTO platform.fee_credits (tenant_id, amount_minor, currency, memo) VALUES ($1, $2, $3, 'referral reward')",
            tenant_id,
            reward.credit_minor,
            reward.currency
        )
        .execute(&mut *tx)
        .await?;
        super::mature::fulfilled(&mut Books::Platform(&mut tx), reward.line_id).await?;
        given += 1;
    }
    tx.commit().await?;
    Ok(given)
}
