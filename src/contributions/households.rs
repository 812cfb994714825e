//! Households: one payer, several members. A person may belong to several
//! households (a child of separated parents, a grandparent paying for two
//! families); renewals of a household's memberships follow its payer.

use serde_json::json;

use super::error::Error;
use crate::audit::{self, Entry};
use crate::db::TenantTx;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Household {
    pub id: i64,
    pub name: String,
    pub payer_id: i64,
    pub payer_name: String,
    pub members: Vec<HouseholdMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdMember {
    pub account_id: i64,
    pub display_name: String,
    pub email: String,
}

/// The most people in one household.
pub const MAX_MEMBERS: usize = 20;

/// Creates a household whose payer is also a member.
pub async fn create(
    tx: &mut TenantTx,
    name: &str,
    payer_id: i64,
    members: &[i64],
    by: i64,
) -> Result<i64, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid(
            "name",
            "name",
            "a name of 1 to 120 characters",
        ));
    }
    let mut people = vec![payer_id];
    people.extend(members.iter().filter(|id| **id != payer_id));
    people.dedup();
    if people.len() > MAX_MEMBERS {
        return Err(Error::invalid(
            "members",
            "too-many-members",
            "at most 20 people in a household",
        ));
    }
    require_accounts(tx, &people).await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO households (name, payer_id) VALUES ($1, $2) RETURNING id",
        name,
        payer_id
    )
    .fetch_one(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO household_members (household_id, account_id)
         SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
        id,
        &people
    )
    .execute(tx.conn().await?)
    .await?;
    audit::record(
        tx,
        Entry::new("contributions.household.create")
            .by(by)
            .on(payer_id)
            .with(json!({ "household": id, "members": people })),
    )
    .await?;
    Ok(id)
}

/// Fails with `Invalid` unless every id is an account of this tenant that
/// is not deactivated.
async fn require_accounts(tx: &mut TenantTx, ids: &[i64]) -> Result<(), Error> {
    let found: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM accounts WHERE id = ANY($1) AND status <> 'deactivated'"#,
        ids
    )
    .fetch_one(tx.conn().await?)
    .await?;
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if usize::try_from(found).unwrap_or(0) != unique.len() {
        return Err(Error::invalid(
            "members",
            "unknown-member",
            "unknown or deactivated person",
        ));
    }
    Ok(())
}

pub async fn add_member(
    tx: &mut TenantTx,
    household_id: i64,
    account_id: i64,
    by: i64,
) -> Result<(), Error> {
    exists(tx, household_id).await?;
    require_accounts(tx, &[account_id]).await?;
    let count: i64 = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM household_members WHERE household_id = $1"#,
        household_id
    )
    .fetch_one(tx.conn().await?)
    .await?;
    if usize::try_from(count).unwrap_or(0) >= MAX_MEMBERS {
        return Err(Error::invalid(
            "members",
            "too-many-members",
            "at most 20 people in a household",
        ));
    }
    sqlx::query!(
        "INSERT INTO household_members (household_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        household_id,
        account_id
    )
    .execute(tx.conn().await?)
    .await?;
    audit::record(
        tx,
        Entry::new("contributions.household.add")
            .by(by)
            .on(account_id)
            .with(json!({ "household": household_id })),
    )
    .await?;
    Ok(())
}

/// Removes someone; the payer cannot leave their own household.
pub async fn remove_member(
    tx: &mut TenantTx,
    household_id: i64,
    account_id: i64,
    by: i64,
) -> Result<(), Error> {
    let payer = exists(tx, household_id).await?;
    if payer == account_id {
        return Err(Error::conflict(
            "payer-stays",
            "the payer cannot leave the household they pay for",
        ));
    }
    let removed = sqlx::query!(
        "DELETE FROM household_members WHERE household_id = $1 AND account_id = $2",
        household_id,
        account_id
    )
    .execute(tx.conn().await?)
    .await?;
    if removed.rows_affected() == 0 {
        return Err(Error::NotFound("household member"));
    }
    audit::record(
        tx,
        Entry::new("contributions.household.remove")
            .by(by)
            .on(account_id)
            .with(json!({ "household": household_id })),
    )
    .await?;
    Ok(())
}

/// The payer of an existing household.
async fn exists(tx: &mut TenantTx, household_id: i64) -> Result<i64, Error> {
    sqlx::query_scalar!(
        "SELECT payer_id FROM households WHERE id = $1",
        household_id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .ok_or(Error::NotFound("household"))
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Household>, sqlx::Error> {
    Ok(load(tx, Some(id), None).await?.into_iter().next())
}

/// Every household, by name.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Household>, sqlx::Error> {
    load(tx, None, None).await
}

/// The households someone belongs to (as payer or member).
pub async fn for_account(
    tx: &mut TenantTx,
    account_id: i64,
) -> Result<Vec<Household>, sqlx::Error> {
    load(tx, None, Some(account_id)).await
}

async fn load(
    tx: &mut TenantTx,
    id: Option<i64>,
    member: Option<i64>,
) -> Result<Vec<Household>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT h.id, h.name, h.payer_id, p.display_name AS payer_name,
                  a.id AS account_id, a.display_name, a.email
           FROM households h
           JOIN accounts p ON p.id = h.payer_id
           JOIN household_members m ON m.household_id = h.id
           JOIN accounts a ON a.id = m.account_id
           WHERE ($1::bigint IS NULL OR h.id = $1)
             AND ($2::bigint IS NULL OR h.id IN (SELECT household_id FROM household_members WHERE account_id = $2))
           ORDER BY h.name, h.id, (a.id = h.payer_id) DESC, a.display_name"#,
        id,
        member
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut households: Vec<Household> = Vec::new();
    for row in rows {
        let member = HouseholdMember {
            account_id: row.account_id,
            display_name: row.display_name,
            email: row.email,
        };
        match households.last_mut() {
            Some(last) if last.id == row.id => last.members.push(member),
            _ => households.push(Household {
                id: row.id,
                name: row.name,
                payer_id: row.payer_id,
                payer_name: row.payer_name,
                members: vec![member],
            }),
        }
    }
    Ok(households)
}
