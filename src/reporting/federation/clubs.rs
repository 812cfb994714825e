//! What a federation sees of its clubs: each club with an ACTIVE link, its
//! latest published aggregates and the dues it owes (licences × the
//! federation's rate), and the named lists it chose to share. Every query
//! joins the link and checks it is active at the time of the read: a club
//! that leaves disappears from the next request.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::contributions::published::{LicenceHolder, PlanCount};
use crate::db::Platform;
use crate::error::Refusal;

/// What a federation charges per licence.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Dues {
    /// Minor units (cents) per licence.
    pub per_licence_minor: i64,
    /// ISO 4217.
    pub currency: String,
}

/// One club as its federation sees it: aggregates only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Club {
    pub slug: String,
    pub name: String,
    pub member_since: DateTime<Utc>,
    /// The day of the figures; `None` until the club first published.
    pub day: Option<NaiveDate>,
    pub licences: i64,
    pub members: i64,
    pub new_members: i64,
    pub lapsed: i64,
    pub by_plan: Vec<PlanCount>,
    /// `licences × per_licence_minor`, in the dues' currency.
    pub dues_owed_minor: i64,
    /// Names of the lists the club shares.
    pub shared_lists: Vec<String>,
}

/// The federation's dues (none set: zero, in euros).
pub async fn dues(platform: &Platform, parent: i64) -> Result<Dues, sqlx::Error> {
    let found = sqlx::query_as!(
        Dues,
        "SELECT per_licence_minor, currency FROM platform.federation_dues WHERE parent_id = $1",
        parent
    )
    .fetch_optional(platform)
    .await?;
    Ok(found.unwrap_or(Dues {
        per_licence_minor: 0,
        currency: "EUR".into(),
    }))
}

pub async fn set_dues(platform: &Platform, parent: i64, dues: &Dues) -> Result<(), Refusal> {
    if !(0..=100_000_000).contains(&dues.per_licence_minor) {
        return Err(Refusal::invalid(
            "per_licence_minor",
            "out-of-range",
            "between 0 and 1,000,000.00",
        ));
    }
    let currency = crate::model::Currency::parse(dues.currency.trim())
        .map_err(|error| Refusal::money("currency", error))?;
    sqlx::query!(
        "INSERT INTO platform.federation_dues (parent_id, per_licence_minor, currency)
         VALUES ($1, $2, $3)
         ON CONFLICT (parent_id) DO UPDATE
         SET per_licence_minor = EXCLUDED.per_licence_minor, currency = EXCLUDED.currency,
             updated_at = now()",
        parent,
        dues.per_licence_minor,
        currency.code()
    )
    .execute(platform)
    .await?;
    Ok(())
}

/// The clubs of `parent` with an active link now, by name.
pub async fn clubs(platform: &Platform, parent: i64) -> Result<Vec<Club>, sqlx::Error> {
    let rate = dues(platform, parent).await?.per_licence_minor;
    let rows = sqlx::query!(
        r#"SELECT c.slug, c.name, greatest(l.parent_accepted_at, l.child_accepted_at) AS "since!",
                  f.day AS "day?", f.licences AS "licences?", f.members AS "members?",
                  f.new_members AS "new_members?", f.lapsed AS "lapsed?", f.by_plan AS "by_plan?",
                  coalesce((SELECT array_agg(s.name ORDER BY s.name)
                            FROM platform.federation_shared_lists s WHERE s.link_id = l.id),
                           '{}') AS "lists!"
           FROM platform.federation_links l
           JOIN platform.tenants c ON c.id = l.child_id
           LEFT JOIN LATERAL (SELECT * FROM platform.published_figures pf
                              WHERE pf.tenant_id = l.child_id
                              ORDER BY pf.day DESC LIMIT 1) f ON true
           WHERE l.parent_id = $1 AND l.ended_at IS NULL
             AND l.parent_accepted_at IS NOT NULL AND l.child_accepted_at IS NOT NULL
           ORDER BY c.name, c.slug"#,
        parent
    )
    .fetch_all(platform)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let licences = r.licences.unwrap_or(0);
            Club {
                slug: r.slug,
                name: r.name,
                member_since: r.since,
                day: r.day,
                licences,
                members: r.members.unwrap_or(0),
                new_members: r.new_members.unwrap_or(0),
                lapsed: r.lapsed.unwrap_or(0),
                by_plan: r
                    .by_plan
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default(),
                dues_owed_minor: licences.saturating_mul(rate),
                shared_lists: r.lists,
            }
        })
        .collect())
}

/// A named list a club shares, as its federation reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedList {
    pub club_slug: String,
    pub name: String,
    pub shared_at: DateTime<Utc>,
    pub rows: Vec<LicenceHolder>,
}

/// The list `name` of club `club` shared with `parent`, if the link is
/// active now.
pub async fn shared_list(
    platform: &Platform,
    parent: i64,
    club: &str,
    name: &str,
) -> Result<Option<SharedList>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT c.slug, s.name, s.shared_at, s.rows
         FROM platform.federation_shared_lists s
         JOIN platform.federation_links l ON l.id = s.link_id
         JOIN platform.tenants c ON c.id = l.child_id
         WHERE l.parent_id = $1 AND c.slug = $2 AND s.name = $3 AND l.ended_at IS NULL
           AND l.parent_accepted_at IS NOT NULL AND l.child_accepted_at IS NOT NULL",
        parent,
        club,
        name
    )
    .fetch_optional(platform)
    .await?;
    Ok(row.map(|r| SharedList {
        club_slug: r.slug,
        name: r.name,
        shared_at: r.shared_at,
        rows: serde_json::from_value(r.rows).unwrap_or_default(),
    }))
}

/// The club shares (or replaces) the list `name` through its active link.
pub async fn share(
    platform: &Platform,
    link: i64,
    name: &str,
    rows: &[LicenceHolder],
) -> Result<(), Refusal> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Refusal::invalid(
            "name",
            "name",
            "a name of 1 to 80 characters",
        ));
    }
    let rows =
        serde_json::to_value(rows).map_err(|e| Refusal::invalid("rows", "rows", e.to_string()))?;
    sqlx::query!(
        "INSERT INTO platform.federation_shared_lists (link_id, name, rows) VALUES ($1, $2, $3)
         ON CONFLICT (link_id, name) DO UPDATE SET rows = EXCLUDED.rows, shared_at = now()",
        link,
        name,
        rows
    )
    .execute(platform)
    .await?;
    Ok(())
}

/// The club withdraws the list `name`; whether there was one.
pub async fn withdraw(platform: &Platform, link: i64, name: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM platform.federation_shared_lists WHERE link_id = $1 AND name = $2",
        link,
        name.trim()
    )
    .execute(platform)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The names of the lists shared through link `link` (the club's view).
pub async fn lists_of_link(platform: &Platform, link: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT name FROM platform.federation_shared_lists WHERE link_id = $1 ORDER BY name",
        link
    )
    .fetch_all(platform)
    .await
}
