//! The projects table: what readers see listed (open, then closed ones of
//! the visibilities they may read), one project by id or slug, what staff
//! list and write. Every write touches `updated_at`.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{Draft, Project, Status, Visibility};
use crate::db::TenantTx;
use crate::model::{Amount, Currency};

struct Row {
    id: i64,
    slug: String,
    title: String,
    summary: String,
    description: String,
    goal_minor: Option<i64>,
    currency: String,
    deadline: Option<NaiveDate>,
    status: String,
    visibility: String,
    volunteering: bool,
    volunteers_wanted: Option<i32>,
    volunteer_roles: String,
    comments_locked: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Project {
    fn from(row: Row) -> Self {
        // The table's CHECKs admit only known words; the fallbacks are the
        // safe readings (a draft is staff-only, members-only hides more).
        let currency = Currency::parse(&row.currency).unwrap_or_default();
        Self {
            id: row.id,
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            description: row.description,
            goal: row
                .goal_minor
                .and_then(|minor| Amount::new(minor, currency)),
            currency,
            deadline: row.deadline,
            status: Status::parse(&row.status).unwrap_or(Status::Draft),
            visibility: Visibility::parse(&row.visibility).unwrap_or(Visibility::Members),
            volunteering: row.volunteering,
            volunteers_wanted: row.volunteers_wanted,
            volunteer_roles: row.volunteer_roles,
            comments_locked: row.comments_locked,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A page of the listed projects of `visibilities`: open ones first (the
/// nearest deadline first), then closed ones; drafts and archived ones
/// never.
pub async fn listed(
    tx: &mut TenantTx,
    visibilities: &[String],
    offset: i64,
    limit: i64,
) -> Result<Vec<Project>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, slug, title, summary, description, goal_minor, currency, deadline, status,
                visibility, volunteering, volunteers_wanted, volunteer_roles, comments_locked,
                created_at, updated_at
         FROM projects
         WHERE status IN ('open', 'closed') AND visibility = ANY($1)
         ORDER BY status = 'closed', deadline NULLS LAST, id DESC
         OFFSET $2 LIMIT $3",
        visibilities,
        offset,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// How many projects [`listed`] has in all (for the pager).
pub async fn listed_count(tx: &mut TenantTx, visibilities: &[String]) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM projects
           WHERE status IN ('open', 'closed') AND visibility = ANY($1)"#,
        visibilities
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Every project in `status` (all with `None`), for staff: drafts and
/// open ones first, newest first.
pub async fn all(
    tx: &mut TenantTx,
    status: Option<Status>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Project>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, slug, title, summary, description, goal_minor, currency, deadline, status,
                visibility, volunteering, volunteers_wanted, volunteer_roles, comments_locked,
                created_at, updated_at
         FROM projects
         WHERE $1::text IS NULL OR status = $1
         ORDER BY array_position(ARRAY['draft', 'open', 'closed', 'archived'], status), id DESC
         OFFSET $2 LIMIT $3",
        status.map(Status::as_str),
        offset,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One project by id, whatever its state (callers check who may read it).
pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Project>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, slug, title, summary, description, goal_minor, currency, deadline, status,
                visibility, volunteering, volunteers_wanted, volunteer_roles, comments_locked,
                created_at, updated_at
         FROM projects WHERE id = $1",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// One project by its slug.
pub async fn find_by_slug(tx: &mut TenantTx, slug: &str) -> Result<Option<Project>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, slug, title, summary, description, goal_minor, currency, deadline, status,
                visibility, volunteering, volunteers_wanted, volunteer_roles, comments_locked,
                created_at, updated_at
         FROM projects WHERE slug = $1",
        slug
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// Slugs `base` and `base-…` already taken by projects other than `except`.
pub async fn slugs_like(
    tx: &mut TenantTx,
    base: &str,
    except: Option<i64>,
) -> Result<Vec<String>, sqlx::Error> {
    // A slug holds only [a-z0-9-]: no LIKE wildcard can come from it.
    sqlx::query_scalar!(
        "SELECT slug FROM projects
         WHERE (slug = $1 OR slug LIKE $1 || '-%') AND id IS DISTINCT FROM $2",
        base,
        except
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Keeps a new project (a draft) under `slug`, in `currency`.
pub async fn create(
    tx: &mut TenantTx,
    draft: &Draft,
    slug: &str,
    currency: Currency,
    author: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO projects (slug, title, summary, description, goal_minor, currency, deadline,
                               visibility, volunteering, volunteers_wanted, volunteer_roles, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        slug,
        draft.title,
        draft.summary,
        draft.description,
        draft.goal_minor,
        currency.code(),
        draft.deadline,
        draft.visibility.as_str(),
        draft.volunteering,
        draft.volunteers_wanted,
        draft.volunteer_roles,
        author
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Replaces what an editor writes of `id`; false when there is none.
pub async fn update(
    tx: &mut TenantTx,
    id: i64,
    draft: &Draft,
    slug: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE projects
         SET slug = $2, title = $3, summary = $4, description = $5, goal_minor = $6, deadline = $7,
             visibility = $8, volunteering = $9, volunteers_wanted = $10, volunteer_roles = $11,
             updated_at = now()
         WHERE id = $1",
        id,
        slug,
        draft.title,
        draft.summary,
        draft.description,
        draft.goal_minor,
        draft.deadline,
        draft.visibility.as_str(),
        draft.volunteering,
        draft.volunteers_wanted,
        draft.volunteer_roles
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves `id` to `status`; false when there is none or it is there already.
pub async fn set_status(tx: &mut TenantTx, id: i64, status: Status) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE projects SET status = $2, updated_at = now() WHERE id = $1 AND status <> $2",
        id,
        status.as_str()
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks (or unlocks) the comments of `id`; false when nothing changed.
pub async fn set_comments_locked(
    tx: &mut TenantTx,
    id: i64,
    locked: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE projects SET comments_locked = $2, updated_at = now()
         WHERE id = $1 AND comments_locked <> $2",
        id,
        locked
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The project row locked until the transaction ends: sign-ups to one
/// project run one after the other, so "full" holds.
pub async fn lock(tx: &mut TenantTx, id: i64) -> Result<Option<Project>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, slug, title, summary, description, goal_minor, currency, deadline, status,
                visibility, volunteering, volunteers_wanted, volunteer_roles, comments_locked,
                created_at, updated_at
         FROM projects WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// Deletes `id` with its updates, comments and volunteers; the caller has
/// checked no payment is earmarked for it.
pub async fn delete(tx: &mut TenantTx, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("DELETE FROM projects WHERE id = $1", id)
        .execute(tx.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}
