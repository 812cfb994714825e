//! The demo's card payments. The demo cannot reach Stripe, so each
//! association gets test keys installed without being tried (paying by
//! card in the demo answers « Stripe did not answer, try again »), and a
//! little history written through the module's own functions: two members
//! gave by card (one of them every month, the card kept with their
//! consent), confirmed as Stripe's events would confirm them. Idempotent:
//! an association with keys is left alone.

use std::sync::Arc;

use crate::card_payments::reconcile::{self, Success};
use crate::card_payments::{gifts, keys, store};
use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::model::Amount;
use crate::state::AppState;
use crate::stripe::objects::{Card, PaymentMethod};
use crate::tenancy::{Slug, registry};

pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        if keys::status(&mut tx).await?.is_some() {
            continue;
        }
        let Some(treasurer) = super::direct_debit::treasurer(&mut tx).await? else {
            continue;
        };
        let secrets = (
            "sk_test_demo_not_a_real_key_0000",
            "whsec_demo_signing_secret",
        );
        keys::install(&mut tx, &state.card_payments, secrets, false, treasurer).await?;
        let gifts = seed_gifts(&mut tx).await?;
        tx.commit().await?;
        println!("set {slug} up for card payments (test keys) with {gifts} gifts by card");
    }
    Ok(())
}

async fn seed_gifts(tx: &mut TenantTx) -> anyhow::Result<usize> {
    let donors: Vec<i64> = sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE role = 'member' AND status = 'active' ORDER BY id LIMIT 2"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let currency = crate::contributions::settings::get(tx).await?.currency;
    let tenant = tx.tenant().id.get();
    for (n, donor) in donors.iter().enumerate() {
        let minor = if n == 0 { 1_500 } else { 5_000 };
        let amount = Amount::new(minor, currency).ok_or_else(|| anyhow::anyhow!("amount"))?;
        let payment = gifts::pending_gift(tx, *donor, amount, None).await?;
        let monthly = n == 0;
        let (consent, gift) = if monthly {
            let wording = crate::card_payments::gift_wording("fr", &tx.tenant().name);
            let consent = store::grant(tx, *donor, None, &wording).await?;
            let request = gifts::GiftRequest {
                amount,
                project_id: None,
                monthly,
            };
            (
                Some(consent),
                Some(gifts::start(tx, *donor, consent, &request).await?),
            )
        } else {
            (None, None)
        };
        let charge = store::NewCharge {
            payment_id: payment,
            account_id: *donor,
            renewal: false,
            consent_id: consent,
            gift_id: gift,
            charge_after: None,
            attempt: 1,
        };
        store::add_charge(tx, &charge).await?;
        let intent = format!("pi_demo_{tenant}_{payment}");
        let success = Success {
            payment_id: payment,
            payment_intent: &intent,
            amount_minor: minor,
            currency: currency.code(),
        };
        reconcile::succeeded(tx, success).await?;
        if monthly {
            let customer = format!("cus_demo_{tenant}_{donor}");
            store::add_customer(tx, *donor, &customer).await?;
            let method = PaymentMethod {
                id: format!("pm_demo_{tenant}_{donor}"),
                card: Some(Card {
                    brand: Some("visa".into()),
                    last4: Some("4242".into()),
                    exp_month: Some(12),
                    exp_year: Some(2029),
                }),
            };
            store::save_card(tx, &customer, &method).await?;
        }
    }
    Ok(donors.len())
}
