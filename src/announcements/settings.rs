//! The tenant's content settings: whether Markdown may show images from
//! other sites, and the time zone in which editors type publication dates.

use chrono_tz::Tz;
use serde::Serialize;

use crate::db::TenantTx;

#[derive(Debug, Clone, Serialize)]
pub struct ContentSettings {
    pub allow_external_images: bool,
    pub time_zone: String,
}

impl ContentSettings {
    /// The time zone; an unknown name (the table only bounds its length)
    /// reads as Paris, where most of our associations are.
    pub fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Europe::Paris)
    }
}

pub async fn get(tx: &mut TenantTx) -> Result<ContentSettings, sqlx::Error> {
    sqlx::query_as!(
        ContentSettings,
        "SELECT allow_external_images, time_zone FROM content_settings"
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Saves the settings; the caller has checked the zone parses.
pub async fn save(tx: &mut TenantTx, settings: &ContentSettings) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE content_settings SET allow_external_images = $1, time_zone = $2, updated_at = now()",
        settings.allow_external_images,
        settings.time_zone
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}
