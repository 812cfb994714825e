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

/// News for everyone, a renewal and a payment for `member`.
fn demo_notices(french: bool, member: i64) -> Vec<Notice> {
    let text = |fr: &str, en: &str| if french { fr.to_owned() } else { en.to_owned() };
    let notice = |kind, audience, title: String, body: String, url: &str| Notice {
        kind,
        audience,
        title,
        body,
        url: url.to_owned(),
    };
    vec![
        notice(
            Kind::Announcements,
            Audience::Everyone,
            text(
                "Bienvenue sur le nouveau portail",
                "Welcome to the new portal",
            ),
            text(
                "Adhésions, paiements et nouvelles de l’association, au même endroit.",
                "Memberships, payments and news of the association, in one place.",
            ),
            "/",
        ),
        notice(
            Kind::Projects,
            Audience::Everyone,
            text(
                "Chantier de printemps : on cherche des bras",
                "Spring work day: helping hands wanted",
            ),
            text(
                "Rendez-vous samedi à 9 h. Inscrivez-vous auprès du bureau.",
                "Saturday at 9. Tell the committee if you can come.",
            ),
            "/",
        ),
        notice(
            Kind::Renewals,
            Audience::Account(member),
            text(
                "Votre adhésion arrive à échéance",
                "Your membership ends soon",
            ),
            text(
                "Renouvelez-la en deux clics depuis « Mon adhésion ».",
                "Renew it in two clicks from “My membership”.",
            ),
            "/membership",
        ),
        notice(
            Kind::Payments,
            Audience::Account(member),
            text("Paiement reçu, merci !", "Payment received, thank you!"),
            text(
                "Votre reçu est disponible dans « Mon adhésion ».",
                "Your receipt is in “My membership”.",
            ),
            "/membership",
        ),
    ]
}
