//! The member directory: the members who consented to be listed, showing
//! only the fields each chose, to the association's members only. What a
//! member did not choose is never selected, so it cannot leak from here.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::consents::Purpose;
use crate::accounts::model::{Account, Status};
use crate::accounts::store;
use crate::db::TenantTx;
use crate::model::text_enum;

text_enum!(
    /// A detail a member may show in the directory.
    Field {
        DisplayName = "display_name",
        Email = "email",
        Phone = "phone",
        Town = "town",
    }
);

/// A member as the directory shows them: only the chosen fields are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Listing {
    pub account_id: i64,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub town: Option<String>,
}

/// The fields `account_id` chose to show.
pub async fn fields_of(tx: &mut TenantTx, account_id: i64) -> Result<Vec<Field>, sqlx::Error> {
    let rows = sqlx::query_scalar!(
        "SELECT field FROM directory_fields WHERE account_id = $1 ORDER BY field",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.iter().filter_map(|f| f.parse().ok()).collect())
}

/// Replaces the fields `account_id` shows.
pub async fn choose(
    tx: &mut TenantTx,
    account_id: i64,
    fields: &[Field],
) -> Result<(), sqlx::Error> {
    let fields: Vec<&str> = fields.iter().map(Field::as_str).collect();
    sqlx::query!(
        "DELETE FROM directory_fields WHERE account_id = $1",
        account_id
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "INSERT INTO directory_fields (account_id, field)
         SELECT $1, f FROM unnest($2::text[]) AS f ON CONFLICT DO NOTHING",
        account_id,
        &fields as &[&str]
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// The directory: active members whose consent to be listed holds, by
/// name, each with the fields they chose and nothing else.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Listing>, sqlx::Error> {
    let chosen = sqlx::query!(
        r#"SELECT c.account_id, array_agg(d.field) AS "fields!"
           FROM consents c JOIN directory_fields d ON d.account_id = c.account_id
           WHERE c.purpose = $1 AND c.withdrawn_at IS NULL
           GROUP BY c.account_id
           LIMIT 5000"#,
        Purpose::Directory.as_str()
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let ids: Vec<i64> = chosen.iter().map(|r| r.account_id).collect();
    let accounts: HashMap<i64, Account> = store::find_many(tx, &ids)
        .await?
        .into_iter()
        .map(|account| (account.id, account))
        .collect();
    let mut listings: Vec<Listing> = chosen
        .into_iter()
        .filter_map(|row| {
            let account = accounts
                .get(&row.account_id)
                .filter(|a| a.status == Status::Active)?;
            let shows = |field: Field| row.fields.iter().any(|f| f == field.as_str());
            Some(Listing {
                account_id: account.id,
                display_name: shows(Field::DisplayName).then(|| account.display_name.clone()),
                email: shows(Field::Email).then(|| account.email.clone()),
                phone: shows(Field::Phone).then(|| account.phone.clone()).flatten(),
                town: shows(Field::Town)
                    .then(|| account.address.town.clone())
                    .flatten(),
            })
        })
        .collect();
    listings.sort_by_cached_key(|l| {
        let name = l.display_name.as_deref().or(l.email.as_deref());
        (name.unwrap_or("").to_lowercase(), l.account_id)
    });
    Ok(listings)
}
