//! The demo's reporting set-up, in each demo association (once): the
//! chart of accounts (a SIREN for the FEC's name, the first plan's dues
//! without counterpart in 7561, the others in 7562), the monthly payments
//! journal scheduled for the treasurer, and their alerts (failed payments,
//! arrears above 200.00).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;

use crate::contributions::plans::{self, PlanFilter};
use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::reporting::accounting::chart::{self, Chart};
use crate::reporting::alerts::store::{self as alerts, Alerts};
use crate::reporting::reports::schedules::{self, NewSchedule};
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (n, (slug, _)) in manifests.iter().enumerate() {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        if seed_tenant(&mut tx, n).await? {
            tx.commit().await?;
            println!("seeded the reporting set-up of {slug}");
        }
    }
    Ok(())
}

async fn seed_tenant(tx: &mut TenantTx, n: usize) -> anyhow::Result<bool> {
    if !schedules::list(tx).await?.is_empty() {
        return Ok(false);
    }
    let Some((treasurer, _, _)) = super::contributions::logins(tx).await? else {
        return Ok(false);
    };
    let plan_accounts: HashMap<i64, String> = plans::list(tx, PlanFilter::default())
        .await?
        .iter()
        .enumerate()
        .map(|(i, plan)| (plan.id, if i == 0 { "7561" } else { "7562" }.to_owned()))
        .collect();
    let demo = Chart {
        siren: Some(format!("{:09}", 900_000_001 + n)),
        plan_accounts,
        ..Chart::default()
    };
    chart::save(tx, &demo.checked()?).await?;
    let monthly = NewSchedule {
        report: "payments".into(),
        format: "xlsx".into(),
        frequency: "monthly".into(),
        plan_id: None,
        method: None,
        status: None,
        recipient_id: Some(treasurer),
    };
    schedules::create(tx, &monthly, treasurer, Utc::now().date_naive()).await?;
    let wanted = Alerts {
        payment_failed: true,
        arrears_above_minor: Some(20_000),
    };
    alerts::save(tx, treasurer, &wanted).await?;
    Ok(true)
}
