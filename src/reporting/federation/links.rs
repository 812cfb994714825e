//! Federation links in `platform.federation_links`: proposed by an
//! operator, accepted by each side, ended by either side or an operator.
//! A club has at most one live link (proposed or active); a federation may
//! not be a club of one of its own clubs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Platform;
use crate::error::Refusal;

/// Which end of a link a tenant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The federation.
    Parent,
    /// The club.
    Child,
}

/// A link as both sides and operators see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Link {
    pub id: i64,
    pub parent_slug: String,
    pub parent_name: String,
    pub child_slug: String,
    pub child_name: String,
    /// `proposed` (waiting for one side or both), `active` or `ended`.
    pub state: String,
    pub proposed_at: DateTime<Utc>,
    pub parent_accepted_at: Option<DateTime<Utc>>,
    pub child_accepted_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `operator`, `parent` or `child`.
    pub ended_by: Option<String>,
    #[serde(skip)]
    pub parent_id: i64,
    #[serde(skip)]
    pub child_id: i64,
}

impl Link {
    pub fn active(&self) -> bool {
        self.state == "active"
    }

    /// The side `tenant` is on, if any.
    pub fn side_of(&self, tenant: i64) -> Option<Side> {
        if tenant == self.parent_id {
            Some(Side::Parent)
        } else if tenant == self.child_id {
            Some(Side::Child)
        } else {
            None
        }
    }
}

/// The live links (proposed or active) `tenant` is part of, on either
/// side (`None`: every live link, for operators), newest first.
pub async fn live(platform: &Platform, tenant: Option<i64>) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as!(
        Link,
        r#"SELECT l.id, l.parent_id, l.child_id, p.slug AS parent_slug, p.name AS parent_name,
                  c.slug AS child_slug, c.name AS child_name,
                  CASE WHEN l.ended_at IS NOT NULL THEN 'ended'
                       WHEN l.parent_accepted_at IS NOT NULL AND l.child_accepted_at IS NOT NULL
                       THEN 'active' ELSE 'proposed' END AS "state!",
                  l.proposed_at, l.parent_accepted_at, l.child_accepted_at, l.ended_at, l.ended_by
           FROM platform.federation_links l
           JOIN platform.tenants p ON p.id = l.parent_id
           JOIN platform.tenants c ON c.id = l.child_id
           WHERE l.ended_at IS NULL
             AND ($1::bigint IS NULL OR l.parent_id = $1 OR l.child_id = $1)
           ORDER BY l.id DESC"#,
        tenant
    )
    .fetch_all(platform)
    .await
}

/// Proposes `parent` as the federation of `child` (operators only).
pub async fn propose(
    platform: &Platform,
    parent: i64,
    child: i64,
    operator: Option<i64>,
) -> Result<i64, Refusal> {
    if parent == child {
        return Err(Refusal::invalid(
            "child",
            "same-tenant",
            "a tenant cannot be its own federation",
        ));
    }
    let cycle = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM platform.federation_links
                          WHERE ended_at IS NULL AND parent_id = $1 AND child_id = $2) AS "x!""#,
        child,
        parent
    )
    .fetch_one(platform)
    .await?;
    if cycle {
        return Err(Refusal::conflict(
            "cycle",
            "the federation is itself a club of this tenant",
        ));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO platform.federation_links (parent_id, child_id, proposed_by)
         VALUES ($1, $2, $3)
         ON CONFLICT (child_id) WHERE ended_at IS NULL DO NOTHING
         RETURNING id",
        parent,
        child,
        operator
    )
    .fetch_optional(platform)
    .await?;
    id.ok_or_else(|| Refusal::conflict("linked", "this club already has a federation link"))
}

/// `tenant` accepts link `id` on its side. Returns the link after the
/// change (`NotFound` when `tenant` is not part of a live link `id`).
pub async fn accept(platform: &Platform, tenant: i64, id: i64) -> Result<Link, Refusal> {
    sqlx::query!(
        "UPDATE platform.federation_links
         SET parent_accepted_at = CASE WHEN parent_id = $1 THEN coalesce(parent_accepted_at, now())
                                       ELSE parent_accepted_at END,
             child_accepted_at = CASE WHEN child_id = $1 THEN coalesce(child_accepted_at, now())
                                      ELSE child_accepted_at END
         WHERE id = $2 AND ended_at IS NULL AND (parent_id = $1 OR child_id = $1)",
        tenant,
        id
    )
    .execute(platform)
    .await?;
    live(platform, Some(tenant))
        .await?
        .into_iter()
        .find(|link| link.id == id)
        .ok_or(Refusal::NotFound("link"))
}

/// Ends link `id` (refused, left, or ended by an operator when `tenant` is
/// `None`) and deletes the lists the club shared through it, in one
/// transaction. Returns the link's club, `None` when nothing was live.
pub async fn end(
    platform: &Platform,
    tenant: Option<i64>,
    id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = platform.begin().await?;
    let child = sqlx::query_scalar!(
        "UPDATE platform.federation_links
         SET ended_at = now(),
             ended_by = CASE WHEN $1::bigint IS NULL THEN 'operator'
                             WHEN parent_id = $1 THEN 'parent' ELSE 'child' END
         WHERE id = $2 AND ended_at IS NULL
           AND ($1::bigint IS NULL OR parent_id = $1 OR child_id = $1)
         RETURNING child_id",
        tenant,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM platform.federation_shared_lists WHERE link_id = $1",
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(child)
}

/// The active link in which `tenant` is the club.
pub async fn active_of_child(
    platform: &Platform,
    tenant: i64,
) -> Result<Option<Link>, sqlx::Error> {
    Ok(live(platform, Some(tenant))
        .await?
        .into_iter()
        .find(|link| link.child_id == tenant && link.active()))
}

/// A tenant's id by slug (deleted tenants are not found).
pub async fn tenant_id(platform: &Platform, slug: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM platform.tenants WHERE slug = $1 AND status <> 'deleted'",
        slug.trim()
    )
    .fetch_optional(platform)
    .await
}
