//! Volunteers: a signed-in member signs up for an open project that asks
//! for help (with an optional note: when they are free, what they can do)
//! and may withdraw while it is open. Staff see who (name, email, note)
//! and may take someone off the list. Sign-ups lock the project's row, so
//! two people cannot take its last place at once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{Error, Refusal};
use super::model::Invalid;
use super::store;
use crate::db::TenantTx;

/// The longest note, in characters.
pub const NOTE_MAX: usize = 500;

/// One volunteer, as staff see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Volunteer {
    pub account_id: i64,
    pub name: String,
    pub email: String,
    pub note: String,
    pub signed_up_at: DateTime<Utc>,
}

pub fn check_note(text: &str) -> Result<String, Invalid> {
    let note = text.trim().to_owned();
    match note.chars().count() > NOTE_MAX {
        true => Err(Invalid {
            field: "note",
            key: "projects-error-note-long",
        }),
        false => Ok(note),
    }
}

/// Signs `account_id` up for `project_id` (the caller checked they may see it).
pub async fn sign_up(
    tx: &mut TenantTx,
    project_id: i64,
    account_id: i64,
    note: &str,
) -> Result<(), Error> {
    let note = check_note(note).map_err(|invalid| vec![invalid])?;
    let project = store::lock(tx, project_id).await?.ok_or(Error::NotFound)?;
    if !project.takes_volunteers() {
        return Err(Refusal::NotOpen.into());
    }
    if is_signed_up(tx, project_id, account_id).await? {
        return Err(Refusal::Already.into());
    }
    if project.is_full(count(tx, project_id).await?) {
        return Err(Refusal::Full.into());
    }
    sqlx::query!(
        "INSERT INTO project_volunteers (project_id, account_id, note) VALUES ($1, $2, $3)",
        project_id,
        account_id,
        note
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Takes `account_id` off the list of an open project, at their request.
pub async fn withdraw(tx: &mut TenantTx, project_id: i64, account_id: i64) -> Result<(), Error> {
    let project = store::lock(tx, project_id).await?.ok_or(Error::NotFound)?;
    if !project.takes_volunteers() {
        return Err(Refusal::NotOpen.into());
    }
    match remove(tx, project_id, account_id).await? {
        true => Ok(()),
        false => Err(Refusal::NotSignedUp.into()),
    }
}

/// Takes `account_id` off the list whatever the project's state (staff);
/// false when they were not on it.
pub async fn remove(
    tx: &mut TenantTx,
    project_id: i64,
    account_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM project_volunteers WHERE project_id = $1 AND account_id = $2",
        project_id,
        account_id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn is_signed_up(
    tx: &mut TenantTx,
    project_id: i64,
    account_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM project_volunteers
                          WHERE project_id = $1 AND account_id = $2) AS "signed!""#,
        project_id,
        account_id
    )
    .fetch_one(tx.conn().await?)
    .await
}

pub async fn count(tx: &mut TenantTx, project_id: i64) -> Result<i64, sqlx::Error> {
    let counts = counts(tx, &[project_id]).await?;
    Ok(counts.get(&project_id).copied().unwrap_or(0))
}

/// How many volunteers each of `project_ids` has (absent: none).
pub async fn counts(
    tx: &mut TenantTx,
    project_ids: &[i64],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT project_id, count(*) AS "count!" FROM project_volunteers
           WHERE project_id = ANY($1) GROUP BY project_id"#,
        project_ids
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(|r| (r.project_id, r.count)).collect())
}

/// Everyone signed up for `project_id`, in the order they came.
pub async fn list(tx: &mut TenantTx, project_id: i64) -> Result<Vec<Volunteer>, sqlx::Error> {
    sqlx::query_as!(
        Volunteer,
        "SELECT v.account_id, a.display_name AS name, a.email, v.note, v.signed_up_at
         FROM project_volunteers v JOIN accounts a ON a.id = v.account_id
         WHERE v.project_id = $1
         ORDER BY v.signed_up_at, v.account_id",
        project_id
    )
    .fetch_all(tx.conn().await?)
    .await
}
