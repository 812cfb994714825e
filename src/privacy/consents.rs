//! Consents: newsletters, a listing in the member directory, the use of a
//! photo. Each record keeps the wording the person agreed to, in their
//! language, where it was given and when; a withdrawal dates the record at
//! once, and consenting again makes a new record, so the history is whole.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::model::text_enum;

text_enum!(
    /// What a consent is for.
    Purpose {
        /// The association's newsletters and news by mail.
        Newsletter = "newsletter",
        /// A listing in the member directory, with the fields chosen.
        Directory = "directory",
        /// Photos where the person appears, on the portal and in print.
        Photo = "photo",
    }
);

text_enum!(
    /// Where a consent was given.
    Source {
        Portal = "portal",
        Api = "api",
        Staff = "staff",
        Import = "import",
    }
);

impl Purpose {
    /// The wording a person agrees to, in `locale` (`fr` or `en`): what the
    /// record keeps. Changing it here changes what later consents keep,
    /// never what earlier ones say.
    pub fn wording(self, locale: &str) -> &'static str {
        match (self, locale) {
            (Purpose::Newsletter, "fr") => {
                "J'accepte de recevoir par courriel les lettres d'information et les nouvelles de l'association. Je peux retirer ce consentement à tout moment depuis mon profil."
            }
            (Purpose::Newsletter, _) => {
                "I agree to receive the association's newsletters and news by e-mail. I may withdraw this consent at any time from my profile."
            }
            (Purpose::Directory, "fr") => {
                "J'accepte de figurer dans l'annuaire réservé aux membres de l'association, avec les seules informations que je choisis. Je peux retirer ce consentement à tout moment depuis mon profil."
            }
            (Purpose::Directory, _) => {
                "I agree to be listed in the directory that only the association's members see, with the details I choose and nothing else. I may withdraw this consent at any time from my profile."
            }
            (Purpose::Photo, "fr") => {
                "J'accepte que l'association utilise des photos où j'apparais, sur son portail et ses documents, sans contrepartie. Je peux retirer ce consentement à tout moment depuis mon profil."
            }
            (Purpose::Photo, _) => {
                "I agree that the association may use photos in which I appear, on its portal and in its documents, without payment. I may withdraw this consent at any time from my profile."
            }
        }
    }
}

/// One consent record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Consent {
    pub id: i64,
    pub purpose: Purpose,
    /// The text agreed to, as it was shown.
    pub wording: String,
    pub locale: String,
    pub source: Source,
    pub granted_at: DateTime<Utc>,
    /// When it was withdrawn; absent while it holds.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    pub fn is_live(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}

/// Every consent record of `account_id`, the latest first.
pub async fn history(tx: &mut TenantTx, account_id: i64) -> Result<Vec<Consent>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, purpose, wording, locale, source, granted_at, withdrawn_at FROM consents
         WHERE account_id = $1 ORDER BY granted_at DESC, id DESC",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let word = |e: crate::model::UnknownWord| sqlx::Error::Decode(Box::new(e));
    rows.into_iter()
        .map(|r| {
            Ok(Consent {
                id: r.id,
                purpose: r.purpose.parse().map_err(word)?,
                wording: r.wording,
                locale: r.locale,
                source: r.source.parse().map_err(word)?,
                granted_at: r.granted_at,
                withdrawn_at: r.withdrawn_at,
            })
        })
        .collect()
}

/// Whether `account_id`'s consent to `purpose` holds now.
pub async fn holds(
    tx: &mut TenantTx,
    account_id: i64,
    purpose: Purpose,
) -> Result<bool, sqlx::Error> {
    let live = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM consents
                          WHERE account_id = $1 AND purpose = $2 AND withdrawn_at IS NULL) AS "live!""#,
        account_id,
        purpose.as_str()
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(live)
}

/// Records `account_id`'s consent to `purpose` with the wording of
/// `locale`; nothing changes when one already holds. Returns whether a
/// record was made.
pub async fn grant(
    tx: &mut TenantTx,
    account_id: i64,
    purpose: Purpose,
    locale: &str,
    source: Source,
) -> Result<bool, sqlx::Error> {
    let locale = if locale == "fr" { "fr" } else { "en" };
    let made = sqlx::query_scalar!(
        "INSERT INTO consents (account_id, purpose, wording, locale, source)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (account_id, purpose) WHERE withdrawn_at IS NULL DO NOTHING
         RETURNING id",
        account_id,
        purpose.as_str(),
        purpose.wording(locale),
        locale,
        source.as_str()
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(id) = made else { return Ok(false) };
    let entry = Entry::new("privacy.consent.granted")
        .by(account_id)
        .on(account_id)
        .with(json!({ "consent": id, "purpose": purpose.as_str(), "source": source.as_str() }));
    audit::record(tx, entry).await?;
    Ok(true)
}

/// Withdraws `account_id`'s consent to `purpose`, now. Returns whether one
/// held.
pub async fn withdraw(
    tx: &mut TenantTx,
    account_id: i64,
    purpose: Purpose,
) -> Result<bool, sqlx::Error> {
    let withdrawn = sqlx::query_scalar!(
        "UPDATE consents SET withdrawn_at = now()
         WHERE account_id = $1 AND purpose = $2 AND withdrawn_at IS NULL RETURNING id",
        account_id,
        purpose.as_str()
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(id) = withdrawn else {
        return Ok(false);
    };
    let entry = Entry::new("privacy.consent.withdrawn")
        .by(account_id)
        .on(account_id)
        .with(json!({ "consent": id, "purpose": purpose.as_str() }));
    audit::record(tx, entry).await?;
    Ok(true)
}
