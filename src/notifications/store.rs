//! A member's own side: their list (newest first, by pages), what is
//! unread, marking read, and their preferences. Every function takes the
//! account whose data it reads or changes: nothing here reaches another
//! member's rows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Channels, Kind};
use crate::db::TenantTx;

/// One notification in a member's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Item {
    /// The notice's id (the same for every recipient of it).
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    /// A path on the portal.
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Which page of a list.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub unread_only: bool,
    /// Ids below this one (the last id of the previous page).
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Largest page.
pub const MAX_PAGE: i64 = 100;

pub async fn list(tx: &mut TenantTx, account: i64, page: Page) -> Result<Vec<Item>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT n.id, n.kind, n.title, n.body, n.url, n.created_at, x.read_at
           FROM notifications x JOIN notices n ON n.id = x.notice_id
           WHERE x.account_id = $1 AND (NOT $2 OR x.read_at IS NULL)
             AND ($3::bigint IS NULL OR x.notice_id < $3)
           ORDER BY x.notice_id DESC
           LIMIT $4"#,
        account,
        page.unread_only,
        page.before_id,
        page.limit.clamp(1, MAX_PAGE)
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Item {
                id: r.id,
                kind: Kind::parse(&r.kind)?,
                title: r.title,
                body: r.body,
                url: r.url,
                created_at: r.created_at,
                read_at: r.read_at,
            })
        })
        .collect())
}

pub async fn unread_count(tx: &mut TenantTx, account: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notifications WHERE account_id = $1 AND read_at IS NULL"#,
        account
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Marks one of the account's notifications read; `None` if it has none
/// with this id. Returns the notice's link.
pub async fn mark_read(
    tx: &mut TenantTx,
    account: i64,
    notice: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE notifications x SET read_at = coalesce(x.read_at, now())
         FROM notices n
         WHERE x.account_id = $1 AND x.notice_id = $2 AND n.id = x.notice_id
         RETURNING n.url",
        account,
        notice
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Marks all the account's notifications read; returns how many were unread.
pub async fn mark_all_read(tx: &mut TenantTx, account: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE notifications SET read_at = now() WHERE account_id = $1 AND read_at IS NULL",
        account
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected())
}

/// A member's choices: channels per kind (defaults where never chosen) and
/// digest mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Preferences {
    pub kinds: Vec<KindChoice>,
    /// Mails wait for one daily summary instead of leaving at once.
    pub digest: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct KindChoice {
    pub kind: Kind,
    #[serde(flatten)]
    pub channels: Channels,
}

pub async fn preferences(tx: &mut TenantTx, account: i64) -> Result<Preferences, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT kind, in_app, email, push FROM notification_preferences WHERE account_id = $1",
        account
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let digest = sqlx::query_scalar!(
        "SELECT digest FROM notification_settings WHERE account_id = $1",
        account
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .unwrap_or(false);
    let kinds = Kind::ALL
        .into_iter()
        .map(|kind| {
            let chosen = rows.iter().find(|r| r.kind == kind.as_str());
            let channels = chosen.map_or(kind.defaults(), |r| Channels {
                in_app: r.in_app,
                email: r.email,
                push: r.push,
            });
            KindChoice { kind, channels }
        })
        .collect();
    Ok(Preferences { kinds, digest })
}

/// Saves the given kinds' channels (others keep theirs) and digest mode.
pub async fn save_preferences(
    tx: &mut TenantTx,
    account: i64,
    kinds: &[KindChoice],
    digest: bool,
) -> Result<(), sqlx::Error> {
    let names: Vec<String> = kinds.iter().map(|k| k.kind.as_str().to_owned()).collect();
    let in_app: Vec<bool> = kinds.iter().map(|k| k.channels.in_app).collect();
    let email: Vec<bool> = kinds.iter().map(|k| k.channels.email).collect();
    let push: Vec<bool> = kinds.iter().map(|k| k.channels.push).collect();
    sqlx::query!(
        "INSERT INTO notification_preferences (account_id, kind, in_app, email, push)
         SELECT $1, * FROM unnest($2::text[], $3::bool[], $4::bool[], $5::bool[])
         ON CONFLICT (account_id, kind) DO UPDATE
         SET in_app = EXCLUDED.in_app, email = EXCLUDED.email, push = EXCLUDED.push",
        account,
        &names,
        &in_app,
        &email,
        &push
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO notification_settings (account_id, digest) VALUES ($1, $2)
         ON CONFLICT (account_id) DO UPDATE SET digest = EXCLUDED.digest",
        account,
        digest
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}
