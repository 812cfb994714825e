//! Store-level fixtures of the contributions core tests: people, plans,
//! payments and join requests written straight through the core functions.

use std::sync::Arc;

use tessera::accounts::Status as AccountStatus;
use tessera::accounts::store::{self, NewAccount};
use tessera::auth::Role;
use tessera::contributions::memberships::{self, JoinRequest};
use tessera::contributions::payments::NewPayment;
use tessera::contributions::plans::{self, PlanInput, TierInput};
use tessera::contributions::{Anchor, HouseholdPricing, Method, PaymentStatus, Period, ProRata};
use tessera::model::{Amount, Currency, Email, Tenant};

use crate::helpers::TestApp;

pub fn eur(minor: i64) -> Amount {
    Amount::new(minor, Currency::EUR).expect("amount")
}

pub async fn person(app: &TestApp, tenant: &Arc<Tenant>, name: &str) -> i64 {
    let email = Email::parse(&format!(
        "{}@example.org",
        name.to_lowercase().replace(' ', ".")
    ))
    .expect("email");
    let mut tx = app.tenant_tx(tenant).await;
    let id = store::create(
        &mut tx,
        NewAccount {
            email: &email,
            display_name: name,
            role: Role::Member,
            status: AccountStatus::Active,
            password_hash: None,
            locale: None,
            email_verified: true,
        },
    )
    .await
    .expect("account");
    tx.commit().await.expect("commit");
    id
}

pub fn yearly_plan(price: i64) -> PlanInput {
    PlanInput {
        name: "Adhésion annuelle".into(),
        description: String::new(),
        period: Period::Yearly,
        anchor: Anchor::Season,
        currency: Currency::EUR,
        free_amount: false,
        minimum_minor: None,
        suggested_minor: None,
        pro_rata: ProRata::None,
        upgrade_credit: true,
        max_instalments: 3,
        household_pricing: HouseholdPricing::PerMember,
        household_cap_minor: None,
        public: true,
        open: true,
        member_cap: None,
        tax_receipt: false,
        tax_receipt_percent: 100,
        position: 0,
        tiers: vec![TierInput {
            code: "standard".into(),
            label: "Standard".into(),
            amount_minor: price,
        }],
    }
}

pub async fn create_plan(app: &TestApp, tenant: &Arc<Tenant>, input: &PlanInput, by: i64) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let id = plans::create(&mut tx, input, by).await.expect("plan");
    tx.commit().await.expect("commit");
    id
}

pub fn cash(payer_id: i64, minor: i64) -> NewPayment {
    NewPayment {
        payer_id,
        amount: eur(minor),
        method: Method::Cash,
        status: PaymentStatus::Paid,
        cheque_number: None,
        cheque_bank: None,
        reference: None,
        received_on: memberships::today(),
        note: None,
        allocations: vec![],
        provider: None,
    }
}

pub fn join_alone(plan_id: i64, payer_id: i64) -> JoinRequest {
    JoinRequest {
        plan_id,
        tier: None,
        amount: None,
        members: vec![],
        household_id: None,
        payer_id,
        instalments: 1,
        on: memberships::today(),
        by_staff: false,
    }
}

pub async fn receipt_numbers(app: &TestApp, tenant: &Arc<Tenant>) -> Vec<i32> {
    let mut tx = app.tenant_tx(tenant).await;
    let rows: Vec<i32> = sqlx::query_scalar("SELECT number FROM receipts ORDER BY number")
        .fetch_all(tx.conn().await.expect("conn"))
        .await
        .expect("receipts");
    rows
}

pub async fn counts(app: &TestApp, tenant: &Arc<Tenant>) -> (i64, i64, i64) {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM payments), (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM memberships)",
    )
    .fetch_one(tx.conn().await.expect("conn"))
    .await
    .expect("counts")
}
