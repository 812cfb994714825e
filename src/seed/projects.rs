//! The demo's projects, seeded once per demo tenant right after its
//! contributions (skipped when it has projects, or lacks a treasurer and
//! members): a public fundraising for a new bike workshop (a 3 000 goal,
//! three earmarked donations recorded by the treasurer, an update, two
//! comments, two volunteers) and a members-only call for volunteers. It
//! goes through the core functions, so the gauge reads real payments and
//! the donors' ledgers balance.

use chrono::{Days, Utc};

use crate::contributions::earmarks;
use crate::contributions::model::{Method, PaymentStatus};
use crate::contributions::payments::NewPayment;
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::model::Amount;
use crate::projects::{self, Actor, Draft, Status, Visibility};

/// Words in the tenant's language.
struct Text {
    workshop: &'static str,
    workshop_summary: &'static str,
    workshop_body: &'static str,
    roles: &'static str,
    update_title: &'static str,
    update_body: &'static str,
    comments: [&'static str; 2],
    notes: [&'static str; 2],
    ride: &'static str,
    ride_summary: &'static str,
    ride_body: &'static str,
}

const FR: Text = Text {
    workshop: "Nouveau local vélo",
    workshop_summary: "Un atelier pour réparer ensemble, ouvert deux soirs par semaine.",
    workshop_body: "Nous avons trouvé un local de **60 m²** près de la gare.\n\n\
        Il faut :\n\n- des établis et un pied d’atelier ;\n- l’électricité aux normes ;\n\
        - un premier stock de pièces.\n\nChaque euro est affecté à ce projet.",
    roles: "Peinture, électricité, déménagement des outils (samedis matin).",
    update_title: "Le bail est signé !",
    update_body: "Les clés nous sont remises le mois prochain. Merci aux premiers donateurs.",
    comments: [
        "Super idée, je peux prêter une perceuse.",
        "Pensez à un coin pour les vélos d’enfants !",
    ],
    notes: ["Disponible le samedi.", "Électricien de métier."],
    ride: "Sortie solidaire au Vercors",
    ride_summary: "Accompagner des jeunes du quartier pour leur première sortie en montagne.",
    ride_body: "Nous cherchons des **encadrants** et des voitures pour le trajet.",
};

const EN: Text = Text {
    workshop: "A new bike workshop",
    workshop_summary: "A place to repair bikes together, open two evenings a week.",
    workshop_body: "We found a **60 m²** room near the station.\n\n\
        We need:\n\n- workbenches and a repair stand;\n- safe wiring;\n- a first stock of parts.\n\n\
        Every euro given goes to this project.",
    roles: "Painting, wiring, moving the tools (Saturday mornings).",
    update_title: "The lease is signed!",
    update_body: "We get the keys next month. Thank you to the first donors.",
    comments: [
        "Great idea, I can lend a drill.",
        "Please keep a corner for children's bikes!",
    ],
    notes: ["Free on Saturdays.", "Electrician by trade."],
    ride: "A solidarity ride in the Vercors",
    ride_summary: "Taking young people of the neighbourhood on their first mountain ride.",
    ride_body: "We look for **ride leaders** and cars for the journey.",
};

/// False (nothing written) when the tenant has projects already or lacks
/// a treasurer and three members.
pub async fn seed_tenant(tx: &mut TenantTx) -> anyhow::Result<bool> {
    let existing: i64 = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM projects"#)
        .fetch_one(tx.conn().await?)
        .await?;
    let people = sqlx::query!(
        "SELECT id, role FROM accounts WHERE status = 'active' AND role IN ('treasurer', 'member')
         ORDER BY id"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let treasurer = people.iter().find(|p| p.role == "treasurer").map(|p| p.id);
    let members: Vec<i64> = people
        .iter()
        .filter(|p| p.role == "member")
        .map(|p| p.id)
        .collect();
    let (Some(treasurer), [a, b, c, ..]) = (treasurer, members.as_slice()) else {
        return Ok(false);
    };
    if existing > 0 {
        return Ok(false);
    }
    let text = match tx.tenant().locale.starts_with("fr") {
        true => &FR,
        false => &EN,
    };
    let actor = Actor {
        account_id: treasurer,
        ip: None,
    };
    let workshop = workshop(tx, text, actor).await?;
    let gifts = [
        (*a, 15_000, Method::Cash),
        (*b, 50_000, Method::Transfer),
        (*c, 8_000, Method::Card),
    ];
    for (donor, minor, method) in gifts {
        give(tx, workshop, donor, minor, method, treasurer).await?;
    }
    let by = Some(treasurer);
    projects::updates::post(tx, workshop, text.update_title, text.update_body, by).await?;
    projects::comments::post(tx, workshop, *a, text.comments[0]).await?;
    projects::comments::post(tx, workshop, *b, text.comments[1]).await?;
    projects::volunteers::sign_up(tx, workshop, *a, text.notes[0]).await?;
    projects::volunteers::sign_up(tx, workshop, *c, text.notes[1]).await?;
    ride(tx, text, actor).await?;
    Ok(true)
}

async fn workshop(tx: &mut TenantTx, text: &Text, actor: Actor) -> anyhow::Result<i64> {
    let deadline = Utc::now().date_naive().checked_add_days(Days::new(90));
    let draft = Draft {
        title: text.workshop.to_owned(),
        summary: text.workshop_summary.to_owned(),
        description: text.workshop_body.to_owned(),
        goal_minor: Some(300_000),
        deadline,
        volunteering: true,
        volunteers_wanted: Some(8),
        volunteer_roles: text.roles.to_owned(),
        ..Draft::default()
    };
    let id = projects::write::create(tx, &draft, actor).await?;
    projects::store::set_status(tx, id, Status::Open).await?;
    Ok(id)
}

async fn ride(tx: &mut TenantTx, text: &Text, actor: Actor) -> anyhow::Result<i64> {
    let draft = Draft {
        title: text.ride.to_owned(),
        summary: text.ride_summary.to_owned(),
        description: text.ride_body.to_owned(),
        visibility: Visibility::Members,
        volunteering: true,
        volunteers_wanted: Some(4),
        ..Draft::default()
    };
    let id = projects::write::create(tx, &draft, actor).await?;
    projects::store::set_status(tx, id, Status::Open).await?;
    Ok(id)
}

/// A donation recorded by the treasurer, earmarked for `project`.
async fn give(
    tx: &mut TenantTx,
    project: i64,
    donor: i64,
    minor: i64,
    method: Method,
    treasurer: i64,
) -> anyhow::Result<()> {
    let currency = settings::get(tx).await?.currency;
    let amount = Amount::new(minor, currency).ok_or_else(|| anyhow::anyhow!("amount"))?;
    let payment = NewPayment {
        payer_id: donor,
        amount,
        method,
        status: PaymentStatus::Paid,
        cheque_number: None,
        cheque_bank: None,
        reference: None,
        received_on: Utc::now().date_naive(),
        note: None,
        allocations: Vec::new(),
        provider: None,
    };
    earmarks::record_donation(tx, &payment, project, Some(treasurer)).await?;
    Ok(())
}
