//! `GET /manifest.webmanifest`: the tenant's web app manifest (its name,
//! language, colours, icons and shortcuts), so a member's phone installs
//! the portal as the association's own app; and the icons it lists.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::icons::{self, Mark, SIZES};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::Themes;
use crate::web::extract::Path;

#[derive(Serialize)]
struct Manifest {
    id: &'static str,
    name: String,
    short_name: String,
    description: String,
    lang: String,
    start_url: &'static str,
    scope: &'static str,
    display: &'static str,
    background_color: &'static str,
    theme_color: String,
    icons: Vec<Icon>,
    shortcuts: Vec<Shortcut>,
}

#[derive(Serialize)]
struct Icon {
    src: String,
    sizes: String,
    #[serde(rename = "type")]
    kind: &'static str,
    purpose: &'static str,
}

#[derive(Serialize)]
struct Shortcut {
    name: &'static str,
    url: &'static str,
}

/// Launchers show about twelve characters under an icon.
const SHORT_NAME_CHARS: usize = 12;

/// `GET /manifest.webmanifest`.
pub async fn manifest(tx: TenantTx) -> Response {
    let tenant = tx.tenant();
    let french = tenant.locale == "fr";
    let version = tenant.version;
    let icons = SIZES
        .iter()
        .flat_map(|size| {
            [("any", ""), ("maskable", "-maskable")].map(|(purpose, suffix)| Icon {
                src: format!("/pwa/icon-{size}{suffix}.png?v={version}"),
                sizes: format!("{size}x{size}"),
                kind: "image/png",
                purpose,
            })
        })
        .collect();
    let manifest = Manifest {
        id: "/",
        short_name: short_name(&tenant.name),
        name: tenant.name.clone(),
        description: tenant.brand.tagline.clone().unwrap_or_default(),
        lang: tenant.locale.clone(),
        start_url: "/",
        scope: "/",
        display: "standalone",
        background_color: "#ffffff",
        theme_color: tenant.brand.primary_or_default().to_string(),
        icons,
        shortcuts: vec![
            Shortcut {
                name: if french {
                    "Ma carte d’adhérent"
                } else {
                    "My member card"
                },
                url: "/membership/card",
            },
            Shortcut {
                name: if french { "Annonces" } else { "Announcements" },
                url: "/announcements",
            },
        ],
    };
    let body = serde_json::to_string(&manifest).unwrap_or_default();
    let headers = [
        (header::CONTENT_TYPE, "application/manifest+json"),
        (header::CACHE_CONTROL, "public, max-age=3600"),
    ];
    (headers, body).into_response()
}

fn short_name(name: &str) -> String {
    if name.chars().count() <= SHORT_NAME_CHARS {
        return name.to_owned();
    }
    let initials = icons::initials(name);
    let first_word = name.split_whitespace().next().unwrap_or(name);
    match first_word.chars().count() <= SHORT_NAME_CHARS {
        true => first_word.to_owned(),
        false => initials,
    }
}

/// `GET /pwa/{file}`: `icon-192.png`, `icon-512-maskable.png`….
pub async fn icon(
    State(themes): State<Themes>,
    Path(file): Path<String>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let (size, maskable) = parse_icon_name(&file).ok_or(AppError::NotFound)?;
    let tenant = tx.tenant().clone();
    let logo = match tenant.brand.logo.as_deref() {
        Some(path) if !path.starts_with("https://") => themes.static_file(&tx, path).await?,
        _ => None,
    };
    let initials = icons::initials(&tenant.name);
    let colour = tenant.brand.primary_or_default().to_string();
    let png = tokio::task::spawn_blocking(move || {
        let drawn = logo.as_ref().and_then(|logo| {
            let mark = Mark::Logo {
                content_type: &logo.content_type,
                bytes: &logo.bytes,
            };
            icons::render(&mark, size, maskable).ok()
        });
        let initials = Mark::Initials {
            text: &initials,
            colour: &colour,
        };
        drawn.map_or_else(|| icons::render(&initials, size, maskable), Ok)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string().into()))?
    .map_err(|e| AppError::Internal(e.to_string().into()))?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        ),
    ];
    Ok((headers, png).into_response())
}

/// `icon-<size>[-maskable].png` → (size, maskable).
fn parse_icon_name(file: &str) -> Option<(u32, bool)> {
    let stem = file.strip_prefix("icon-")?.strip_suffix(".png")?;
    let (size, maskable) = match stem.strip_suffix("-maskable") {
        Some(size) => (size, true),
        None => (stem, false),
    };
    let size: u32 = size.parse().ok()?;
    SIZES.contains(&size).then_some((size, maskable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icon_names_name_a_listed_size() {
        assert_eq!(parse_icon_name("icon-192.png"), Some((192, false)));
        assert_eq!(parse_icon_name("icon-512-maskable.png"), Some((512, true)));
        assert_eq!(parse_icon_name("icon-4096.png"), None);
        assert_eq!(parse_icon_name("../icon-192.png"), None);
    }

    #[test]
    fn a_long_name_is_shortened_for_the_launcher() {
        assert_eq!(short_name("Vélo Club de Lyon"), "Vélo");
        assert_eq!(short_name("Chorale"), "Chorale");
    }
}
