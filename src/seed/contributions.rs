//! The demo's contributions, seeded once per demo tenant (skipped when it
//! has plans): a yearly season plan (standard, reduced and family prices,
//! pro-rata by month, up to 3 instalments, a household cap), a free-amount
//! supporter plan (minimum 10, suggested 30), a monthly plan and a hidden
//! honorary life membership; households; and members in every status
//! (current, new, grace, expired, pending with a transfer on its way) with
//! a season of payments by cash, cheque and transfer. Everything goes
//! through the core functions (`memberships::join`, `payments::record`),
//! so ledgers, statuses and receipt numbers are what real use gives.

use std::sync::Arc;

use chrono::{Days, NaiveDate, Utc};
use serde_json::json;

use crate::accounts::model::Status as AccountStatus;
use crate::accounts::store::{self, NewAccount};
use crate::auth::Role;
use crate::contributions::households;
use crate::contributions::memberships::{self, JoinRequest};
use crate::contributions::model::{Method, PaymentStatus};
use crate::contributions::payments::{self, NewPayment};
use crate::contributions::plans::{self, PlanInput};
use crate::contributions::reminders;
use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::model::{Amount, Email};
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

/// Seeds every listed tenant that has no plan yet.
pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let tenant = Arc::new(tenant);
        let mut tx = TenantTx::begin(&state.db, tenant.clone()).await?;
        if seed_tenant(&mut tx).await? {
            // Its projects' donations are payments: they come with them.
            super::projects::seed_tenant(&mut tx).await?;
            tx.commit().await?;
            println!("seeded demo contributions and projects for {slug}");
            // The reminders and digest due now, in the outbox at once rather
            // than at the next hourly sweep.
            let today = Utc::now().date_naive();
            let linker = state.reminder_links();
            reminders::run(&state.db, tenant, &linker, today, reminders::BATCH).await?;
        }
    }
    Ok(())
}

struct Plans {
    season: i64,
    support: i64,
    monthly: i64,
    honorary: i64,
}

fn plan_inputs(french: bool) -> anyhow::Result<Vec<PlanInput>> {
    let text = |fr: &str, en: &str| if french { fr.to_owned() } else { en.to_owned() };
    let inputs = [
        json!({
            "name": text("Adhésion saison", "Season membership"),
            "description": text("L’adhésion de la saison, de septembre à août.", "Membership for the season, September to August."),
            "period": "yearly", "anchor": "season", "pro_rata": "monthly", "max_instalments": 3,
            "household_cap_minor": 7000, "position": 1,
            "tiers": [
                {"code": "standard", "label": text("Plein tarif", "Standard"), "amount_minor": 3000},
                {"code": "reduced", "label": text("Tarif réduit", "Reduced"), "amount_minor": 1500},
                {"code": "family", "label": text("Membre de famille", "Family member"), "amount_minor": 2000}
            ]
        }),
        json!({
            "name": text("Soutien", "Supporter"),
            "description": text("Le montant de votre choix, à partir de 10 €.", "The amount of your choice, from 10."),
            "period": "yearly", "anchor": "season", "free_amount": true,
            "minimum_minor": 1000, "suggested_minor": 3000, "tax_receipt": true, "position": 2
        }),
        json!({
            "name": text("Mensuel", "Monthly"), "period": "monthly", "anchor": "anniversary", "position": 3,
            "tiers": [{"code": "standard", "label": text("Mois", "Month"), "amount_minor": 500}]
        }),
        json!({
            "name": text("Membre d’honneur", "Honorary member"), "period": "lifetime", "public": false,
            "position": 4,
            "tiers": [{"code": "honorary", "label": text("Honneur", "Honorary"), "amount_minor": 0}]
        }),
    ];
    inputs
        .into_iter()
        .map(|input| Ok(serde_json::from_value(input)?))
        .collect()
}

async fn create_plans(tx: &mut TenantTx, by: i64, french: bool) -> anyhow::Result<Plans> {
    let mut ids = Vec::new();
    for input in plan_inputs(french)? {
        ids.push(plans::create(tx, &input, by).await?);
    }
    let [season, support, monthly, honorary] = ids[..] else {
        anyhow::bail!("four demo plans expected");
    };
    Ok(Plans {
        season,
        support,
        monthly,
        honorary,
    })
}

/// An account that does not sign in (no password): the demo's other
/// members.
async fn person(tx: &mut TenantTx, name: &str, email: &str) -> anyhow::Result<i64> {
    let email = Email::parse(email)?;
    if let Some(existing) = store::find_by_email(tx, &email).await? {
        return Ok(existing.id);
    }
    let new = NewAccount {
        email: &email,
        display_name: name,
        role: Role::Member,
        status: AccountStatus::Active,
        password_hash: None,
        locale: None,
        email_verified: true,
    };
    Ok(store::create(tx, new).await?)
}

/// The demo logins by role: (treasurer, first member, second member).
pub async fn logins(tx: &mut TenantTx) -> anyhow::Result<Option<(i64, i64, i64)>> {
    let rows = sqlx::query!(
        "SELECT id, role FROM accounts WHERE status = 'active' AND role IN ('treasurer', 'member')
         ORDER BY id"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let treasurer = rows.iter().find(|r| r.role == "treasurer").map(|r| r.id);
    let mut members = rows.iter().filter(|r| r.role == "member").map(|r| r.id);
    Ok(match (treasurer, members.next(), members.next()) {
        (Some(t), Some(a), Some(b)) => Some((t, a, b)),
        _ => None,
    })
}

struct Seeder<'a> {
    tx: &'a mut TenantTx,
    treasurer: i64,
    today: NaiveDate,
}

impl Seeder<'_> {
    fn ago(&self, days: u64) -> NaiveDate {
        self.today
            .checked_sub_days(Days::new(days))
            .unwrap_or(self.today)
    }

    async fn join(
        &mut self,
        plan: i64,
        tier: Option<&str>,
        payer: i64,
        members: Vec<i64>,
        household: Option<i64>,
        days_ago: u64,
    ) -> anyhow::Result<Amount> {
        let request = JoinRequest {
            plan_id: plan,
            tier: tier.map(str::to_owned),
            amount: None,
            members,
            household_id: household,
            payer_id: payer,
            instalments: 1,
            on: self.ago(days_ago),
            by_staff: true,
        };
        let joined = memberships::join(self.tx, &request, Some(self.treasurer)).await?;
        Ok(joined.quote.total)
    }

    async fn pay(
        &mut self,
        payer: i64,
        amount: Amount,
        method: Method,
        status: PaymentStatus,
        days_ago: u64,
    ) -> anyhow::Result<()> {
        if !amount.is_positive() {
            return Ok(());
        }
        let cheque = method == Method::Cheque;
        let payment = NewPayment {
            payer_id: payer,
            amount,
            method,
            status,
            cheque_number: cheque.then(|| format!("{}", 1_000_000 + payer * 37)),
            cheque_bank: cheque.then(|| "Crédit Mutuel".to_owned()),
            reference: None,
            received_on: self.ago(days_ago),
            note: None,
            allocations: Vec::new(),
            provider: None,
        };
        payments::record(self.tx, &payment, Some(self.treasurer)).await?;
        Ok(())
    }
}

/// False (nothing written) when the tenant has plans already or lacks the
/// demo logins.
pub async fn seed_tenant(tx: &mut TenantTx) -> anyhow::Result<bool> {
    let existing: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM plans"#)
        .fetch_one(tx.conn().await?)
        .await?;
    let Some((treasurer, first, second)) = logins(tx).await? else {
        return Ok(false);
    };
    if existing > 0 {
        return Ok(false);
    }
    let french = tx.tenant().locale.starts_with("fr");
    let plans = create_plans(tx, treasurer, french).await?;
    let domain = tx.tenant().default_host.to_string();
    let mut others = Vec::new();
    for name in [
        "Camille Roux",
        "Louis Garnier",
        "Emma Fontaine",
        "Jules Mercier",
        "Chloé Lefèvre",
        "Arthur Blanc",
        "Manon Girard",
        "Léo Durand",
        "Zoé Durand",
        "Paul Chevalier",
        "Inès Moulin",
    ] {
        let local: String = name
            .to_lowercase()
            .replace(' ', ".")
            .replace(['é', 'è'], "e")
            .replace('ö', "o");
        others.push(person(tx, name, &format!("{local}@{domain}")).await?);
    }
    let [
        camille,
        louis,
        emma,
        jules,
        chloe,
        arthur,
        manon,
        leo,
        zoe,
        paul,
        ines,
    ] = others[..]
    else {
        anyhow::bail!("eleven demo people expected");
    };
    let today = memberships::today();
    let mut s = Seeder {
        tx,
        treasurer,
        today,
    };
    // A household paid by the first demo login: two children and the
    // parent, capped, paid by cheque at the start of the season.
    let name = if french {
        "Famille Durand"
    } else {
        "The Durands"
    };
    let household = households::create(s.tx, name, first, &[leo, zoe], treasurer).await?;
    let due = s
        .join(
            plans.season,
            Some("family"),
            first,
            vec![first, leo, zoe],
            Some(household),
            20,
        )
        .await?;
    s.pay(first, due, Method::Cheque, PaymentStatus::Paid, 18)
        .await?;
    // The second demo login joined today and announced a transfer.
    let due = s
        .join(plans.season, Some("reduced"), second, Vec::new(), None, 0)
        .await?;
    s.pay(second, due, Method::Transfer, PaymentStatus::Pending, 0)
        .await?;
    // Current members, paid in cash, by transfer, by cheque.
    let due = s
        .join(
            plans.season,
            Some("standard"),
            camille,
            Vec::new(),
            None,
            60,
        )
        .await?;
    s.pay(camille, due, Method::Cash, PaymentStatus::Paid, 60)
        .await?;
    let due = s
        .join(plans.season, Some("standard"), louis, Vec::new(), None, 45)
        .await?;
    s.pay(louis, due, Method::Transfer, PaymentStatus::Paid, 42)
        .await?;
    let due = s
        .join(plans.support, None, chloe, Vec::new(), None, 30)
        .await?;
    s.pay(chloe, due, Method::Transfer, PaymentStatus::Paid, 29)
        .await?;
    s.join(
        plans.honorary,
        Some("honorary"),
        arthur,
        Vec::new(),
        None,
        300,
    )
    .await?;
    // Paying in three: the first part by cheque.
    let due = s
        .join(plans.season, Some("standard"), manon, Vec::new(), None, 10)
        .await?;
    let part = Amount::new(due.minor() / 3, due.currency()).unwrap_or(due);
    s.pay(manon, part, Method::Cheque, PaymentStatus::Paid, 9)
        .await?;
    // Monthly: one new, one expired long since, and one whose period
    // ended unpaid but whose transfer is on its way: grace, not lapsed.
    let due = s
        .join(plans.monthly, None, emma, Vec::new(), None, 45)
        .await?;
    s.pay(emma, due, Method::Cash, PaymentStatus::Paid, 44)
        .await?;
    let due = s
        .join(plans.monthly, None, jules, Vec::new(), None, 120)
        .await?;
    s.pay(jules, due, Method::Cash, PaymentStatus::Paid, 119)
        .await?;
    let due = s
        .join(plans.monthly, None, paul, Vec::new(), None, 100)
        .await?;
    s.pay(paul, due, Method::Transfer, PaymentStatus::Pending, 2)
        .await?;
    // A month that ends within a week: her renewal reminder is in the
    // outbox as soon as the demo starts.
    let due = s
        .join(plans.monthly, None, ines, Vec::new(), None, 25)
        .await?;
    s.pay(ines, due, Method::Card, PaymentStatus::Paid, 25)
        .await?;
    Ok(true)
}
