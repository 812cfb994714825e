//! Referral links and coupon codes. A code is 3 to 40 characters of
//! lower-case letters, digits and hyphens, unique within its owner's books;
//! people may type it in any case.

use chrono::{DateTime, Utc};
use rand::Rng;

use super::books::Books;
use super::error::Error;
use super::model::{Attribution, LinkKind};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Link {
    pub id: i64,
    pub affiliate_id: i64,
    pub code: String,
    pub kind: LinkKind,
    pub campaign: Option<String>,
    pub destination: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A new link or coupon. No code: one is drawn.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct NewLink {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub coupon: bool,
    #[serde(default)]
    pub campaign: Option<String>,
    /// A path of the portal (default `/`).
    #[serde(default)]
    pub destination: Option<String>,
}

/// A code as typed, folded to how it is stored; `None` if it cannot be one.
pub fn fold(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_lowercase();
    let shape = (3..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_alphanumeric())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    shape.then_some(code)
}

/// Eight characters without look-alikes (no 0/o, 1/l/i).
fn draw() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn destination(path: Option<String>) -> Result<String, Error> {
    let path = path.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
    match path {
        None => Ok("/".to_owned()),
        Some(path) if crate::model::is_local_path(&path) && path.len() <= 200 => Ok(path),
        Some(_) => Err(Error::invalid(
            "destination",
            "destination",
            "a path of this portal, such as /accounts/signup/",
        )),
    }
}

pub async fn create(books: &mut Books<'_>, affiliate_id: i64, new: NewLink) -> Result<Link, Error> {
    let chosen = match new.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(fold(code).ok_or_else(|| {
            Error::invalid(
                "code",
                "code",
                "3 to 40 letters, digits or hyphens, starting with a letter or digit",
            )
        })?),
        None => None,
    };
    let campaign = new
        .campaign
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if campaign.as_ref().is_some_and(|c| c.chars().count() > 60) {
        return Err(Error::invalid(
            "campaign",
            "too-long",
            "at most 60 characters",
        ));
    }
    let destination = destination(new.destination)?;
    let kind = if new.coupon {
        LinkKind::Coupon
    } else {
        LinkKind::Link
    };
    // A drawn code that happens to be taken is drawn again.
    for _ in 0..5 {
        let code = chosen.clone().unwrap_or_else(draw);
        let id = sqlx::query_scalar!(
            "INSERT INTO aff_links (affiliate_id, code, kind, campaign, destination) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO NOTHING RETURNING id",
            affiliate_id,
            code,
            kind.as_str(),
            campaign,
            destination
        )
        .fetch_optional(books.conn().await?)
        .await?;
        if let Some(id) = id {
            return Ok(Link {
                id,
                affiliate_id,
                code,
                kind,
                campaign,
                destination,
                active: true,
                created_at: Utc::now(),
            });
        }
        if chosen.is_some() {
            return Err(Error::invalid("code", "code-taken", "this code is taken"));
        }
    }
    Err(Error::conflict("code-taken", "no free code: try again"))
}

pub async fn of_affiliate(
    books: &mut Books<'_>,
    affiliate_id: i64,
) -> Result<Vec<Link>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, affiliate_id, code, kind, campaign, destination, active, created_at
         FROM aff_links WHERE affiliate_id = $1 ORDER BY id",
        affiliate_id
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Link {
            id: r.id,
            affiliate_id: r.affiliate_id,
            code: r.code,
            kind: r.kind.parse().unwrap_or(LinkKind::Link),
            campaign: r.campaign,
            destination: r.destination,
            active: r.active,
            created_at: r.created_at,
        })
        .collect())
}

/// Turns a link off (or on again); `affiliate_id` must own it.
pub async fn set_active(
    books: &mut Books<'_>,
    affiliate_id: i64,
    link_id: i64,
    active: bool,
) -> Result<(), Error> {
    let done = sqlx::query!(
        "UPDATE aff_links SET active = $3 WHERE id = $1 AND affiliate_id = $2",
        link_id,
        affiliate_id,
        active
    )
    .execute(books.conn().await?)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("link"));
    }
    Ok(())
}

/// What a click or a typed code needs to know of its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub link_id: i64,
    pub affiliate_id: i64,
    pub program_id: i64,
    pub kind: LinkKind,
    pub campaign: Option<String>,
    pub destination: String,
    pub cookie_days: i32,
    pub attribution: Attribution,
}

/// The live link of `code`: active, of an active affiliate, in an active
/// programme. Anything else attributes nothing.
pub async fn target(books: &mut Books<'_>, code: &str) -> Result<Option<Target>, sqlx::Error> {
    let Some(code) = fold(code) else {
        return Ok(None);
    };
    let row = sqlx::query!(
        "SELECT l.id, l.affiliate_id, a.program_id, l.kind, l.campaign, l.destination, p.cookie_days, p.attribution
         FROM aff_links l JOIN aff_affiliates a ON a.id = l.affiliate_id JOIN aff_programs p ON p.id = a.program_id
         WHERE l.code = $1 AND l.active AND a.status = 'active' AND p.active",
        code
    )
    .fetch_optional(books.conn().await?)
    .await?;
    Ok(row.map(|r| Target {
        link_id: r.id,
        affiliate_id: r.affiliate_id,
        program_id: r.program_id,
        kind: r.kind.parse().unwrap_or(LinkKind::Link),
        campaign: r.campaign,
        destination: r.destination,
        cookie_days: r.cookie_days,
        attribution: r.attribution.parse().unwrap_or(Attribution::LastClick),
    }))
}
