//! The demo's notifications, seeded once per demo tenant (skipped when it
//! has notices): news for everyone, a renewal and a payment notice for the
//! first demo member (their mails land in the outbox), one of them read,
//! and that member's choice of pushes for payments. Everything goes
//! through `notifications::notify` and the member's own preference store,
//! as producers and people do.

use std::sync::Arc;

use crate::db::TenantTx;
use crate::manifest::Manifest;
use crate::notifications::store::{self, KindChoice};
use crate::notifications::{Audience, Channels, Kind, Notice, notify};
use crate::state::AppState;
use crate::tenancy::{Slug, registry};

/// Seeds every listed tenant that has no notice yet.
pub async fn seed_all(state: &AppState, manifests: &[(Slug, Manifest)]) -> anyhow::Result<()> {
    for (slug, _) in manifests {
        let Some(tenant) = registry::find_by_slug(state.db.platform(), slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(&state.db, Arc::new(tenant)).await?;
        if seed_tenant(&mut tx).await? {
            tx.commit().await?;
            println!("seeded demo notifications for {slug}");
        }
    }
    Ok(())
}

/// False (nothing written) when the tenant has notices or no member.
pub async fn seed_tenant(tx: &mut TenantTx) -> anyhow::Result<bool> {
    let seeded = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM notices) AS "n!""#)
        .fetch_one(tx.conn().await?)
        .await?;
    let member = sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE status = 'active' AND role = 'member' ORDER BY id LIMIT 1"
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(member) = member.filter(|_| !seeded) else {
        return Ok(false);
    };
    let french = tx.tenant().locale.starts_with("fr");
    let mut first = None;
    for notice in demo_notices(french, member) {
        let fanout = notify(tx, notice).await?;
        first.get_or_insert(fanout.notice_id);
    }
    if let Some(id) = first {
        store::mark_read(tx, member, id).await?;
    }
    let payments = KindChoice {
        kind: Kind::Payments,
        channels: Channels {
            in_app: true,
            email: true,
            push: true,
        },
    };
    store::save_preferences(tx, member, &[payments], false).await?;
    Ok(true)
}

/// The demo's notices: kind, for everyone (or the member), French and
/// English title and body, link.
type Demo = (Kind, bool, [&'static str; 4], &'static str);

const DEMO: [Demo; 4] = [
    (
        Kind::Announcements,
        true,
        [
            "Bienvenue sur le nouveau portail",
            "Welcome to the new portal",
            "Adhésions, paiements et nouvelles de l’association, au même endroit.",
            "Memberships, payments and news of the association, in one place.",
        ],
        "/",
    ),
    (
        Kind::Projects,
        true,
        [
            "Chantier de printemps : on cherche des bras",
            "Spring work day: helping hands wanted",
            "Rendez-vous samedi à 9 h. Inscrivez-vous auprès du bureau.",
            "Saturday at 9. Tell the committee if you can come.",
        ],
        "/",
    ),
    (
        Kind::Renewals,
        false,
        [
            "Votre adhésion arrive à échéance",
            "Your membership ends soon",
            "Renouvelez-la en deux clics depuis « Mon adhésion ».",
            "Renew it in two clicks from “My membership”.",
        ],
        "/membership",
    ),
    (
        Kind::Payments,
        false,
        [
            "Paiement reçu, merci !",
            "Payment received, thank you!",
            "Votre reçu est disponible dans « Mon adhésion ».",
            "Your receipt is in “My membership”.",
        ],
        "/membership",
    ),
];

/// News for everyone, a renewal and a payment for `member`.
fn demo_notices(french: bool, member: i64) -> Vec<Notice> {
    let pick = |fr: &str, en: &str| if french { fr.to_owned() } else { en.to_owned() };
    DEMO.iter()
        .map(
            |(kind, everyone, [title_fr, title_en, body_fr, body_en], url)| Notice {
                kind: *kind,
                audience: if *everyone {
                    Audience::Everyone
                } else {
                    Audience::Account(member)
                },
                title: pick(title_fr, title_en),
                body: pick(body_fr, body_en),
                url: (*url).to_owned(),
            },
        )
        .collect()
}
