//! The demo's referral programmes, through the engine's own functions.
//! In each demo association (once, after its contributions): a
//! charity-safe programme (a free month per paying newcomer for the
//! referrer, a 5.00 credit for the newcomer), the demo member as its
//! affiliate with a link and a coupon, two members they brought and a
//! payment that earned the month. On the platform: the operators'
//! partners' programme (10 % of the fees, or a 20.00 fee credit per new
//! association), the first demo association as partner, the second as an
//! association it brought, and a fee charged to it.

use std::sync::Arc;

use chrono::Utc;

use crate::affiliation::affiliates::{self, Joining};
use crate::affiliation::books::Books;
use crate::affiliation::links::{self, NewLink};
use crate::affiliation::model::{RewardKind, Side, Stage};
use crate::affiliation::programs::{self, Settings};
use crate::affiliation::rulebook::{self, Scope};
use crate::affiliation::rules::Terms;
use crate::affiliation::{platform, referrals};
use crate::contributions::model::{Method, PaymentStatus};
use crate::contributions::payments::{self, NewPayment};
use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::model::{Amount, Currency};
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

fn terms(stage: Stage, side: Side, reward: RewardKind) -> Terms {
    Terms {
        stage,
        side,
        reward,
        basis_points: None,
        amount_minor: None,
        days: None,
        intro_count: None,
        intro_basis_points: None,
        intro_amount_minor: None,
        max_sales: None,
        cap_minor: None,
    }
}

pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    let mut tenants = Vec::new();
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let tenant = Arc::new(tenant);
        let mut tx = TenantTx::begin(&state.db, tenant.clone()).await?;
        if seed_tenant(&mut tx).await? {
            tx.commit().await?;
            println!("seeded a demo referral programme for {slug}");
        }
        tenants.push(tenant);
    }
    seed_platform(state, &tenants).await
}

async fn seed_tenant(tx: &mut TenantTx) -> anyhow::Result<bool> {
    let people = sqlx::query!(
        "SELECT id, display_name, email FROM accounts WHERE status = 'active' AND role = 'member' ORDER BY id LIMIT 3"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let [ambassador, first, second] = people.as_slice() else {
        return Ok(false);
    };
    let mut books = Books::tenant(tx);
    if !programs::list(&mut books).await?.is_empty() {
        return Ok(false);
    }
    let french = books
        .tenant_tx()
        .is_some_and(|tx| tx.tenant().locale.starts_with("fr"));
    let mut settings = Settings::named(if french {
        "Les amis de l'association"
    } else {
        "Friends of the association"
    });
    settings.description = if french {
        "Un mois d'adhésion offert pour chaque personne que vous faites adhérer ; 5 € de crédit pour elle."
    } else {
        "A free month of membership for each person you bring who pays; a 5.00 credit for them."
    }
    .to_owned();
    settings.holding_days = 14;
    let program = programs::create(&mut books, settings, Currency::EUR).await?;
    let month = Terms {
        days: Some(30),
        ..terms(Stage::Sale, Side::Referrer, RewardKind::FreeDays)
    };
    let welcome = Terms {
        amount_minor: Some(500),
        ..terms(Stage::Lead, Side::Referred, RewardKind::Credit)
    };
    rulebook::add_rule(&mut books, program.id, Scope::default(), month).await?;
    rulebook::add_rule(&mut books, program.id, Scope::default(), welcome).await?;
    let joining = Joining {
        program_id: program.id,
        party_id: Some(ambassador.id),
        name: &ambassador.display_name,
        email: &ambassador.email,
    };
    let affiliate = affiliates::join(&mut books, joining).await?;
    let slug = books
        .tenant_tx()
        .map(|tx| tx.tenant().slug.to_string())
        .unwrap_or_default();
    let link = NewLink {
        code: Some(format!(
            "{}-amis",
            slug.chars().take(30).collect::<String>()
        )),
        campaign: Some("newsletter".into()),
        ..NewLink::default()
    };
    links::create(&mut books, affiliate.id, link).await?;
    let coupon = NewLink {
        coupon: true,
        ..NewLink::default()
    };
    links::create(&mut books, affiliate.id, coupon).await?;
    for person in [first, second] {
        referrals::bind_by_hand(
            &mut books,
            affiliate.id,
            person.id,
            &person.display_name,
            &person.email,
        )
        .await?;
    }
    let payment = NewPayment {
        payer_id: first.id,
        amount: Amount::new(2500, Currency::EUR).unwrap_or(Amount::zero(Currency::EUR)),
        method: Method::Transfer,
        status: PaymentStatus::Paid,
        cheque_number: None,
        cheque_bank: None,
        reference: None,
        received_on: Utc::now().date_naive(),
        note: Some("referral demo".into()),
        allocations: Vec::new(),
        provider: None,
    };
    payments::record(tx, &payment, None).await?;
    Ok(true)
}

/// The operators' programme, once.
async fn seed_platform(
    state: &AppState,
    tenants: &[Arc<crate::model::Tenant>],
) -> anyhow::Result<()> {
    let [partner, brought, ..] = tenants else {
        return Ok(());
    };
    let pool = state.db.platform();
    let mut tx = platform::begin(pool).await?;
    let mut books = Books::Platform(&mut tx);
    if !programs::list(&mut books).await?.is_empty() {
        return Ok(());
    }
    let mut settings = Settings::named("Partenaires Tessera");
    settings.holding_days = 0;
    let program = programs::create(&mut books, settings, Currency::EUR).await?;
    let share = Terms {
        basis_points: Some(1000),
        ..terms(Stage::Sale, Side::Referrer, RewardKind::Percent)
    };
    let credit = Terms {
        amount_minor: Some(2000),
        ..terms(Stage::Lead, Side::Referrer, RewardKind::Credit)
    };
    rulebook::add_rule(&mut books, program.id, Scope::default(), share).await?;
    rulebook::add_rule(&mut books, program.id, Scope::default(), credit).await?;
    let joining = Joining {
        program_id: program.id,
        party_id: Some(partner.id.get()),
        name: &partner.name,
        email: "partenariat@demo.tessera.test",
    };
    let affiliate = affiliates::join(&mut books, joining).await?;
    links::create(&mut books, affiliate.id, NewLink::default()).await?;
    let contact = format!("contact@{}", brought.default_host);
    referrals::bind_by_hand(
        &mut books,
        affiliate.id,
        brought.id.get(),
        &brought.name,
        &contact,
    )
    .await?;
    tx.commit().await?;
    let fee = platform::NewFee {
        tenant_id: brought.id.get(),
        label: "Abonnement annuel".into(),
        amount_minor: 12_000,
        currency: "EUR".into(),
    };
    platform::charge(pool, fee, None).await?;
    println!(
        "seeded the platform's partners' programme ({} brought {})",
        partner.slug, brought.slug
    );
    Ok(())
}
