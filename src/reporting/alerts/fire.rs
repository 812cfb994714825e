//! Alerts raised: a failed payment (called by `contributions` in the
//! transaction that marks it failed) and arrears above a threshold (the
//! daily check). Each goes through notifications (kind `reports`) to the
//! staff members who asked, while they are still treasurers or admins.

use chrono::NaiveDate;

use super::store;
use crate::auth::Role;
use crate::db::TenantTx;
use crate::notifications::{self, Audience, Kind, Notice, NotifyError};
use crate::reporting::reports::ReportKind;
use crate::reporting::reports::params::ReportQuery;
use crate::reporting::reports::run::summarise;

/// Tells subscribers that `payment_id` failed.
pub async fn payment_failed(tx: &mut TenantTx, payment_id: i64) -> Result<(), sqlx::Error> {
    let subscribers = store::payment_failed_subscribers(tx).await?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let Some(payment) = crate::contributions::payments::find(tx, payment_id).await? else {
        return Ok(());
    };
    let locale = tx.tenant().locale.clone();
    let amount = payment.amount.format(&locale);
    let title = match french(&locale) {
        true => format!("Paiement en échec : {} ({amount})", payment.payer_name),
        false => format!("Payment failed: {} ({amount})", payment.payer_name),
    };
    let url = format!("/treasury/payments/{payment_id}");
    tell(tx, &subscribers, &title, "", &url).await
}

/// The daily check: total arrears of the season against each threshold.
pub async fn check_arrears(tx: &mut TenantTx, today: NaiveDate) -> Result<u64, sqlx::Error> {
    let query = ReportQuery::default();
    let Some(totals) = summarise(tx, ReportKind::Arrears, &query, today).await? else {
        return Ok(0);
    };
    let due = totals
        .sums
        .iter()
        .filter(|s| s.column == "due")
        .map(|s| s.minor)
        .max()
        .unwrap_or(0);
    let subscribers = store::take_arrears_subscribers(tx, due, today).await?;
    if subscribers.is_empty() {
        return Ok(0);
    }
    let locale = tx.tenant().locale.clone();
    let sum = totals
        .sums
        .iter()
        .find(|s| s.column == "due")
        .map(|s| format!("{} {}", s.amount, s.currency))
        .unwrap_or_default();
    let title = match french(&locale) {
        true => format!("Impayés : {sum} pour {} adhésions", totals.rows),
        false => format!("Arrears: {sum} over {} memberships", totals.rows),
    };
    tell(tx, &subscribers, &title, "", "/dashboard/reports/arrears").await?;
    Ok(subscribers.len() as u64)
}

fn french(locale: &str) -> bool {
    !locale.starts_with("en")
}

/// One notice per subscriber still on the money side of the staff.
pub async fn tell(
    tx: &mut TenantTx,
    accounts: &[i64],
    title: &str,
    body: &str,
    url: &str,
) -> Result<(), sqlx::Error> {
    for &account in accounts {
        let allowed = crate::accounts::store::find(tx, account)
            .await?
            .is_some_and(|a| a.role >= Role::Treasurer);
        if !allowed {
            continue;
        }
        let notice = Notice {
            kind: Kind::Reports,
            audience: Audience::Account(account),
            title: title.to_owned(),
            body: body.to_owned(),
            url: url.to_owned(),
        };
        match notifications::notify(tx, notice).await {
            Ok(_) => {}
            Err(NotifyError::Database(error)) => return Err(error),
            Err(refused) => tracing::warn!(%refused, "an alert was not sent"),
        }
    }
    Ok(())
}
