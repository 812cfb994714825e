//! Figures of the projects for dashboards: each open project with a money
//! goal and what it raised so far (the donations are the contributions
//! module's, read through [`crate::contributions::earmarks`]).

use crate::contributions::earmarks;
use crate::db::TenantTx;
use crate::model::Currency;

/// An open project's way to its goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub currency: Currency,
    pub goal_minor: i64,
    pub raised_minor: i64,
    pub donors: i64,
}

/// The `limit` open projects with a goal, nearest deadline first (those
/// without one last, newest first): two statements whatever the count.
pub async fn progress(tx: &mut TenantTx, limit: i64) -> Result<Vec<Progress>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, slug, title, currency, goal_minor AS "goal_minor!"
           FROM projects
           WHERE status = 'open' AND goal_minor IS NOT NULL
           ORDER BY deadline NULLS LAST, id DESC
           LIMIT $1"#,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let raised = earmarks::raised_for(tx, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let money = raised.get(&r.id).copied().unwrap_or_default();
            Progress {
                id: r.id,
                slug: r.slug,
                title: r.title,
                currency: Currency::parse(&r.currency).unwrap_or_default(),
                goal_minor: r.goal_minor,
                raised_minor: money.minor,
                donors: money.donors,
            }
        })
        .collect())
}
