//! What the report tests start from: an association with two plans, six
//! members, payments by cash and cheque (one refunded in part, one left
//! owing), seeded through the contributions core; and downloads.

use std::sync::Arc;

use serde_json::Value;

use tessera::contributions::memberships;
use tessera::contributions::payments::{self, Allocation, NewPayment};
use tessera::contributions::{Method, PaymentStatus};
use tessera::model::Tenant;

use crate::contributions_core_fixture::{cash, create_plan, eur, join_alone, person, yearly_plan};
use crate::contributions_fixture::{Desk, app, desk};
use crate::helpers::TestApp;

pub use crate::contributions_export::download;

pub struct Seeded {
    pub app: TestApp,
    pub desk: Desk,
    pub plans: [i64; 2],
}

/// Six members: four on plan A (30 €, three paid in cash, one of them
/// half refunded), two on plan B (50 €: one paid 20 € by cheque, one
/// nothing).
pub async fn seeded(prefix: &str) -> Seeded {
    let app = app().await;
    let desk = desk(&app, prefix).await;
    let tenant = desk.tenant.clone();
    let mut plan_b = yearly_plan(5_000);
    plan_b.name = "Bienfaiteur".into();
    let plans = [
        create_plan(&app, &tenant, &yearly_plan(3_000), desk.treasurer).await,
        create_plan(&app, &tenant, &plan_b, desk.treasurer).await,
    ];
    for (n, plan) in [0, 0, 0, 0, 1, 1].into_iter().enumerate() {
        let member = person(&app, &tenant, &format!("Member {prefix} {n}")).await;
        let membership = join(&app, &tenant, plans[plan], member).await;
        match n {
            0..=2 => {
                let id = record(&app, &tenant, cash(member, 3_000), membership, 3_000).await;
                if n == 2 {
                    refund(&app, &tenant, id, 1_500, desk.treasurer).await;
                }
            }
            4 => {
                let cheque = NewPayment {
                    method: Method::Cheque,
                    cheque_number: Some("0001234".into()),
                    ..cash(member, 2_000)
                };
                record(&app, &tenant, cheque, membership, 2_000).await;
            }
            _ => {}
        }
    }
    Seeded { app, desk, plans }
}

async fn join(app: &TestApp, tenant: &Arc<Tenant>, plan: i64, member: i64) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let joined = memberships::join(&mut tx, &join_alone(plan, member), Some(member))
        .await
        .expect("join");
    tx.commit().await.expect("commit");
    joined.membership_ids[0]
}

async fn record(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    mut payment: NewPayment,
    membership: i64,
    minor: i64,
) -> i64 {
    payment.status = PaymentStatus::Paid;
    payment.allocations = vec![Allocation {
        membership_id: membership,
        amount_minor: minor,
    }];
    let mut tx = app.tenant_tx(tenant).await;
    let paid = payments::record(&mut tx, &payment, None)
        .await
        .expect("payment");
    tx.commit().await.expect("commit");
    paid.id
}

async fn refund(app: &TestApp, tenant: &Arc<Tenant>, payment: i64, minor: i64, by: i64) {
    let mut tx = app.tenant_tx(tenant).await;
    payments::refund(&mut tx, payment, eur(minor), "partial", Some(by))
        .await
        .expect("refund");
    tx.commit().await.expect("commit");
}

/// Sums a decimal column ("12.50") in cents.
pub fn cents(text: &str) -> i64 {
    let (units, decimals) = text.split_once('.').unwrap_or((text, "0"));
    let sign = if units.starts_with('-') { -1 } else { 1 };
    let units: i64 = units.trim_start_matches('-').parse().expect("units");
    let decimals: i64 = format!("{decimals:0<2}")[..2].parse().expect("cents");
    sign * (units * 100 + decimals)
}

/// The sum of column `key` over the rows of a JSON report, in cents.
pub fn column_sum(report: &Value, key: &str) -> i64 {
    let columns = report["columns"].as_array().expect("columns");
    let i = columns
        .iter()
        .position(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no column {key}"));
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row[i].as_str())
        .map(cents)
        .sum()
}

/// The total of column `key` (EUR), in cents, as the report says.
pub fn total(report: &Value, key: &str) -> i64 {
    report["totals"]["sums"]
        .as_array()
        .expect("sums")
        .iter()
        .find(|s| s["column"] == key && s["currency"] == "EUR")
        .map_or(0, |s| cents(s["amount"].as_str().expect("amount")))
}

pub fn rows(report: &Value) -> usize {
    report["rows"].as_array().expect("rows").len()
}
