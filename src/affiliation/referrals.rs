//! Referrals: a referred party bound to the affiliate who brought it, for
//! life, whatever device it pays from later. The binding is made once, when
//! the party arrives (signs up) with a typed code or the referral cookie;
//! the first binding in a programme stands. Each new referral is held
//! against the programme's self-referral checks and earns its lead rewards.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::books::Books;
use super::cookie::Visit;
use super::error::Error;
use super::fraud::{self, Facts, canonical_ip};
use super::ledger::{self, NewLine};
use super::links::{self, Target};
use super::model::{LineStage, LinkKind, ReferralStatus, Side, Stage, Via};
use super::{affiliates, programs, reviews, rulebook, rules};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Referral {
    pub id: i64,
    pub program_id: i64,
    pub affiliate_id: i64,
    pub party_id: i64,
    pub name: String,
    pub via: Via,
    pub campaign: Option<String>,
    pub status: ReferralStatus,
    pub created_at: DateTime<Utc>,
}

/// Someone arriving: who they are and what brought them.
pub struct Arrival<'a> {
    pub party_id: i64,
    pub name: &'a str,
    pub email: &'a str,
    pub ip: Option<IpAddr>,
    pub device: &'a [u8],
    /// The referral cookie, already verified.
    pub visit: Option<Visit>,
    /// A code typed in the form (a coupon or a link's code); it wins over
    /// the cookie, being the person's own choice.
    pub typed_code: Option<&'a str>,
}

/// The live link of a typed code, or a form error naming the field.
pub async fn typed_target(books: &mut Books<'_>, code: &str) -> Result<Target, Error> {
    links::target(books, code).await?.ok_or_else(|| {
        Error::invalid(
            "referral_code",
            "unknown-code",
            "no such referral or coupon code",
        )
    })
}

/// Binds the arriving party to an affiliate if something brought it.
pub async fn attribute(
    books: &mut Books<'_>,
    arrival: Arrival<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Referral>, Error> {
    let (target, via, click) = match (arrival.typed_code, &arrival.visit) {
        (Some(code), _) => {
            let target = typed_target(books, code).await?;
            let via = match target.kind {
                LinkKind::Coupon => Via::Coupon,
                LinkKind::Link => Via::Link,
            };
            (target, via, None)
        }
        (None, Some(visit)) => match links::target(books, &visit.code).await? {
            Some(target) if visit.within(target.cookie_days, now) => {
                (target, Via::Link, Some(visit.click))
            }
            _ => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let Some(affiliate) = affiliates::find(books, target.affiliate_id).await? else {
        return Ok(None);
    };
    if affiliate.party_id == Some(arrival.party_id) {
        return Ok(None);
    }
    let email_norm = fraud::normalise_email(arrival.email);
    let ip = arrival.ip.map(canonical_ip).map(|ip| ip.to_string());
    let id = sqlx::query_scalar!(
        "INSERT INTO aff_referrals (program_id, affiliate_id, link_id, click_id, party_id, name, email_norm, via, campaign, ip, device)
         VALUES ($1, $2, $3, $4::text::uuid, $5, $6, $7, $8, $9, $10::text::inet, $11)
         ON CONFLICT (program_id, party_id) DO NOTHING RETURNING id",
        target.program_id,
        affiliate.id,
        target.link_id,
        click.map(|c| c.to_string()),
        arrival.party_id,
        arrival.name.chars().take(120).collect::<String>(),
        email_norm,
        via.as_str(),
        target.campaign,
        ip,
        arrival.device
    )
    .fetch_optional(books.conn().await?)
    .await?;
    // Bound already in this programme: the first binding stands.
    let Some(id) = id else { return Ok(None) };
    let checks = rulebook::checks(books, target.program_id).await?;
    let facts = Facts {
        affiliate_email_norm: affiliate.email_norm.clone(),
        referred_email_norm: email_norm,
        hours_since_same_ip: hours_since_seen(books, affiliate.id, ip.as_deref(), None).await?,
        hours_since_same_device: hours_since_seen(books, affiliate.id, None, Some(arrival.device))
            .await?,
        shared_payment_reference: false,
    };
    let reasons = fraud::flags(&checks, &facts);
    let program = programs::find(books, target.program_id)
        .await?
        .ok_or(Error::NotFound("program"))?;
    if !reasons.is_empty() {
        reviews::open(books, id, &reasons, program.settings.review_days, now).await?;
    }
    let referral = find(books, id).await?.ok_or(Error::NotFound("referral"))?;
    lead_rewards(books, &referral, affiliate.group_id, &program, now).await?;
    Ok(Some(referral))
}

async fn hours_since_seen(
    books: &mut Books<'_>,
    affiliate_id: i64,
    ip: Option<&str>,
    device: Option<&[u8]>,
) -> Result<Option<i64>, sqlx::Error> {
    if ip.is_none() && device.is_none() {
        return Ok(None);
    }
    sqlx::query_scalar!(
        r#"SELECT (extract(epoch FROM now() - max(seen_at)) / 3600)::bigint AS "hours"
           FROM aff_sightings
           WHERE affiliate_id = $1 AND ($2::text IS NULL OR ip = $2::text::inet) AND ($3::bytea IS NULL OR device = $3)"#,
        affiliate_id,
        ip,
        device
    )
    .fetch_one(books.conn().await?)
    .await
}

async fn lead_rewards(
    books: &mut Books<'_>,
    referral: &Referral,
    group_id: Option<i64>,
    program: &programs::Program,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let all = rulebook::rules(books, program.id).await?;
    for side in [Side::Referrer, Side::Referred] {
        let Some(rule) = rules::pick(&all, Stage::Lead, side, referral.affiliate_id, group_id)
        else {
            continue;
        };
        let Some(award) = rule.terms.award(1, 0, 0) else {
            continue;
        };
        let (status, due_at) =
            ledger::first_status(referral, side, program.settings.holding_days, now);
        let line = NewLine {
            program_id: program.id,
            affiliate_id: referral.affiliate_id,
            referral_id: Some(referral.id),
            payment_id: None,
            rule_id: Some(rule.id),
            stage: LineStage::Lead,
            side,
            reward: award.reward,
            amount_minor: award.amount_minor,
            days: award.days,
            currency: &program.currency,
            memo: "",
            status,
            due_at,
        };
        ledger::append(books, &line).await?;
    }
    Ok(())
}

macro_rules! referral_rows {
    ($books:expr, $filter:literal, $($arg:expr),*) => {
        sqlx::query!(
            "SELECT id, program_id, affiliate_id, party_id, name, via, campaign, status, created_at
             FROM aff_referrals " + $filter,
            $($arg),*
        )
        .fetch_all($books.conn().await?)
        .await?
        .into_iter()
        .map(|r| Referral {
            id: r.id,
            program_id: r.program_id,
            affiliate_id: r.affiliate_id,
            party_id: r.party_id,
            name: r.name,
            via: r.via.parse().unwrap_or(Via::Manual),
            campaign: r.campaign,
            status: r.status.parse().unwrap_or(ReferralStatus::Review),
            created_at: r.created_at,
        })
        .collect::<Vec<_>>()
    };
}

pub async fn find(books: &mut Books<'_>, id: i64) -> Result<Option<Referral>, sqlx::Error> {
    Ok(referral_rows!(books, "WHERE id = $1", id)
        .into_iter()
        .next())
}

/// The party's referrals (one per programme), locked until the
/// transaction ends: reckonings of one party run one after another.
pub async fn lock_of_party(
    books: &mut Books<'_>,
    party_id: i64,
) -> Result<Vec<Referral>, sqlx::Error> {
    Ok(referral_rows!(
        books,
        "WHERE party_id = $1 ORDER BY id FOR UPDATE",
        party_id
    ))
}

pub async fn of_affiliate(
    books: &mut Books<'_>,
    affiliate_id: i64,
    limit: i64,
) -> Result<Vec<Referral>, sqlx::Error> {
    Ok(referral_rows!(
        books,
        "WHERE affiliate_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        affiliate_id,
        limit
    ))
}

/// Binds a party by hand (staff), e.g. a referral told at the desk.
pub async fn bind_by_hand(
    books: &mut Books<'_>,
    affiliate_id: i64,
    party_id: i64,
    name: &str,
    email: &str,
) -> Result<Referral, Error> {
    let affiliate = affiliates::find(books, affiliate_id)
        .await?
        .ok_or(Error::NotFound("affiliate"))?;
    if affiliate.party_id == Some(party_id) {
        return Err(Error::invalid(
            "party_id",
            "self-referral",
            "an affiliate cannot refer themselves",
        ));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO aff_referrals (program_id, affiliate_id, party_id, name, email_norm, via)
         VALUES ($1, $2, $3, $4, $5, 'manual') ON CONFLICT (program_id, party_id) DO NOTHING RETURNING id",
        affiliate.program_id,
        affiliate.id,
        party_id,
        name.chars().take(120).collect::<String>(),
        fraud::normalise_email(email)
    )
    .fetch_optional(books.conn().await?)
    .await?
    .ok_or_else(|| Error::conflict("already-referred", "already referred in this programme"))?;
    find(books, id).await?.ok_or(Error::NotFound("referral"))
}
