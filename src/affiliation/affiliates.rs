//! Affiliates: who joined a programme, their group, their payout details,
//! a ban, and where they were last seen (for the same-IP and same-device
//! checks).

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::books::Books;
use super::error::Error;
use super::fraud::{canonical_ip, normalise_email};
use super::model::AffiliateStatus;
use super::payouts::bank;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Affiliate {
    pub id: i64,
    pub program_id: i64,
    /// The account (on the platform: the partner association) it is.
    pub party_id: Option<i64>,
    pub name: String,
    pub email: String,
    #[serde(skip)]
    pub email_norm: String,
    pub group_id: Option<i64>,
    pub status: AffiliateStatus,
    pub ban_reason: Option<String>,
    pub payee_name: Option<String>,
    /// Shown masked to anyone but the affiliate and the treasurer.
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Someone joining.
pub struct Joining<'a> {
    pub program_id: i64,
    pub party_id: Option<i64>,
    pub name: &'a str,
    pub email: &'a str,
}

/// Joins a programme, or returns the party's existing affiliate.
pub async fn join(books: &mut Books<'_>, joining: Joining<'_>) -> Result<Affiliate, Error> {
    let name = joining.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid(
            "name",
            "name",
            "a name of 1 to 120 characters",
        ));
    }
    let email = crate::model::Email::parse(joining.email)
        .map_err(|_| Error::invalid("email", "email", "not an e-mail address"))?;
    sqlx::query!(
        "INSERT INTO aff_affiliates (program_id, party_id, name, email, email_norm) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (program_id, party_id) DO NOTHING",
        joining.program_id,
        joining.party_id,
        name,
        email.as_str(),
        normalise_email(email.as_str())
    )
    .execute(books.conn().await?)
    .await?;
    let id = match joining.party_id {
        Some(party) => sqlx::query_scalar!(
            "SELECT id FROM aff_affiliates WHERE program_id = $1 AND party_id = $2",
            joining.program_id,
            party
        )
        .fetch_one(books.conn().await?)
        .await?,
        None => sqlx::query_scalar!(
            "SELECT id FROM aff_affiliates WHERE program_id = $1 AND party_id IS NULL ORDER BY id DESC LIMIT 1",
            joining.program_id
        )
        .fetch_one(books.conn().await?)
        .await?,
    };
    find(books, id).await?.ok_or(Error::NotFound("affiliate"))
}

macro_rules! affiliate_rows {
    ($books:expr, $filter:literal, $($arg:expr),*) => {
        sqlx::query!(
            "SELECT id, program_id, party_id, name, email, email_norm, group_id, status, ban_reason,
                    payee_name, iban, iban_sealed, bic, created_at
             FROM aff_affiliates " + $filter,
            $($arg),*
        )
        .fetch_all($books.conn().await?)
        .await?
        .into_iter()
        .map(|r| Affiliate {
            id: r.id,
            program_id: r.program_id,
            party_id: r.party_id,
            name: r.name,
            email: r.email,
            email_norm: r.email_norm,
            group_id: r.group_id,
            status: r.status.parse().unwrap_or(AffiliateStatus::Banned),
            ban_reason: r.ban_reason,
            payee_name: r.payee_name,
            iban: bank::read($books, r.iban_sealed.as_deref(), r.iban, bank::AFFILIATE_IBAN),
            bic: r.bic,
            created_at: r.created_at,
        })
        .collect::<Vec<_>>()
    };
}

pub async fn find(books: &mut Books<'_>, id: i64) -> Result<Option<Affiliate>, sqlx::Error> {
    Ok(affiliate_rows!(books, "WHERE id = $1", id)
        .into_iter()
        .next())
}

/// The party's affiliates, one per programme it joined.
pub async fn of_party(books: &mut Books<'_>, party_id: i64) -> Result<Vec<Affiliate>, sqlx::Error> {
    Ok(affiliate_rows!(
        books,
        "WHERE party_id = $1 ORDER BY program_id",
        party_id
    ))
}

pub async fn list(books: &mut Books<'_>, program_id: i64) -> Result<Vec<Affiliate>, sqlx::Error> {
    Ok(affiliate_rows!(
        books,
        "WHERE program_id = $1 ORDER BY name, id",
        program_id
    ))
}

/// Bans an affiliate: their links stop attributing and what they had not
/// been paid yet is void. Lifting a ban gives nothing back.
pub async fn ban(books: &mut Books<'_>, id: i64, reason: &str) -> Result<(), Error> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(Error::invalid(
            "reason",
            "reason",
            "give a reason of at most 300 characters",
        ));
    }
    let done = sqlx::query!(
        "UPDATE aff_affiliates SET status = 'banned', ban_reason = $2 WHERE id = $1",
        id,
        reason
    )
    .execute(books.conn().await?)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("affiliate"));
    }
    sqlx::query!(
        "UPDATE aff_lines SET status = 'void'
         WHERE affiliate_id = $1 AND side = 'referrer' AND status IN ('held', 'pending', 'due') AND payout_id IS NULL",
        id
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}

pub async fn unban(books: &mut Books<'_>, id: i64) -> Result<(), Error> {
    sqlx::query!(
        "UPDATE aff_affiliates SET status = 'active', ban_reason = NULL WHERE id = $1",
        id
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}

pub async fn set_group(books: &mut Books<'_>, id: i64, group_id: Option<i64>) -> Result<(), Error> {
    let done = sqlx::query!(
        "UPDATE aff_affiliates a SET group_id = $2
         WHERE a.id = $1 AND ($2::bigint IS NULL OR EXISTS (SELECT 1 FROM aff_groups g WHERE g.id = $2 AND g.program_id = a.program_id))",
        id,
        group_id
    )
    .execute(books.conn().await?)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::invalid(
            "group_id",
            "unknown-group",
            "no such group in this programme",
        ));
    }
    Ok(())
}

/// Where an affiliate's payouts go.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PayeeDetails {
    pub payee_name: String,
    pub iban: String,
    #[serde(default)]
    pub bic: Option<String>,
}

pub async fn set_payee(books: &mut Books<'_>, id: i64, details: PayeeDetails) -> Result<(), Error> {
    let name = details.payee_name.trim();
    if name.is_empty() || name.chars().count() > 70 {
        return Err(Error::invalid(
            "payee_name",
            "name",
            "the account holder's name, at most 70 characters",
        ));
    }
    let iban = bank::iban_field("iban", Some(details.iban))?
        .ok_or_else(|| Error::invalid("iban", "required", "give the IBAN"))?;
    let bic = bank::bic_field("bic", details.bic)?;
    let (iban, sealed) = bank::stored(books, Some(&iban), bank::AFFILIATE_IBAN)?;
    sqlx::query!(
        "UPDATE aff_affiliates SET payee_name = $2, iban = $3, iban_sealed = $4, bic = $5
         WHERE id = $1",
        id,
        name,
        iban,
        sealed,
        bic
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}

/// Notes that the affiliate was here, from this address and device.
pub async fn seen(
    books: &mut Books<'_>,
    id: i64,
    ip: Option<IpAddr>,
    device: &[u8],
) -> Result<(), sqlx::Error> {
    let Some(ip) = ip.map(canonical_ip) else {
        return Ok(());
    };
    sqlx::query!(
        "INSERT INTO aff_sightings (affiliate_id, ip, device) VALUES ($1, $2::text::inet, $3)
         ON CONFLICT (affiliate_id, ip, device) DO UPDATE SET seen_at = now()",
        id,
        ip.to_string(),
        device
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}
