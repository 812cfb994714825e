//! The demo's direct debit: each association is a SEPA creditor (a test
//! identifier built with real check digits) and three of its members have
//! signed a recurrent mandate on the portal, through the same code the
//! pages mail. Idempotent: an association already set up is left alone.

use std::sync::Arc;

use crate::db::TenantTx;
use crate::direct_debit::collections;
use crate::direct_debit::mandates::{self, Kind, NewMandate};
use crate::direct_debit::settings::{self, Creditor};
use crate::manifest::Manifest;
use crate::sepa::CreditorId;
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

/// Valid test IBANs (check digits and national formats).
const IBANS: [&str; 3] = [
    "FR7630006000011234567890189",
    "DE89370400440532013000",
    "BE68539007547034",
];

pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, manifest) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        if settings::load(&mut tx).await?.is_some() {
            continue;
        }
        let signed = seed_one(&mut tx, &manifest.name).await?;
        // What those members owe becomes debits, each member told; the
        // treasurer finds them, and a first bank file, on the debits page.
        let today = chrono::Utc::now().date_naive();
        let planned = collections::plan(&mut tx, today).await?;
        if planned.debits > 0 {
            let treasurer = treasurer(&mut tx).await?.unwrap_or_default();
            collections::prepare(&mut tx, today, treasurer).await?;
        }
        tx.commit().await?;
        println!(
            "made {slug} a SEPA creditor with {signed} signed mandates and {} debits planned",
            planned.debits
        );
    }
    Ok(())
}

pub(super) async fn treasurer(tx: &mut TenantTx) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE role IN ('treasurer', 'admin') ORDER BY role DESC, id LIMIT 1"
    )
    .fetch_optional(tx.conn().await?)
    .await
}

async fn seed_one(tx: &mut TenantTx, name: &str) -> anyhow::Result<usize> {
    let national = format!("{:06}", tx.tenant().id.get() % 1_000_000);
    let digits = CreditorId::check_digits("FR", &national).unwrap_or(0);
    let fr = tx.tenant().locale.starts_with("fr");
    let creditor = Creditor {
        creditor_id: format!("FR{digits:02}ZZZ{national}"),
        name: name.chars().take(70).collect(),
        street: if fr {
            "Rue de la République"
        } else {
            "Queen Square"
        }
        .into(),
        building: "12".into(),
        post_code: if fr { "69002" } else { "BS1 4LH" }.into(),
        town: if fr { "Lyon" } else { "Bristol" }.into(),
        country: if fr { "FR" } else { "GB" }.into(),
        iban: IBANS[0].into(),
        bic: None,
        lead_days: 2,
        notice_days: 14,
    }
    .checked()?;
    let members = sqlx::query!(
        "SELECT id, display_name FROM accounts WHERE role = 'member' AND status = 'active'
         ORDER BY id LIMIT 3"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let Some(treasurer) = treasurer(tx).await? else {
        return Ok(0);
    };
    settings::save(tx, &creditor, treasurer).await?;
    let today = chrono::Utc::now().date_naive();
    for (n, member) in members.iter().enumerate() {
        let new = NewMandate {
            kind: Kind::Recurrent,
            debtor_name: member.display_name.clone(),
            street: String::new(),
            building: String::new(),
            post_code: String::new(),
            town: creditor.town.clone(),
            country: creditor.country.clone(),
            iban: IBANS[n % IBANS.len()].into(),
            bic: None,
            signed_place: creditor.town.clone(),
        }
        .checked()?;
        let locale = if fr { "fr" } else { "en" };
        let (mandate, code) = mandates::start(tx, member.id, &new, locale).await?;
        mandates::confirm(tx, member.id, mandate.id, &code, today).await?;
    }
    Ok(members.len())
}
