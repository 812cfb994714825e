//! `Branding`: how a tenant's portal looks, stored as JSON in its tenant row,
//! rendered as CSS custom properties, and checked against WCAG AA contrast.

use serde::{Deserialize, Serialize};

use super::Colour;
use super::TenantId;

/// A tenant's visual identity. Every field is optional; the theme supplies
/// defaults for what a tenant leaves out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Branding {
    /// Header background and link colour (on white).
    pub primary: Option<Colour>,
    /// Footer and secondary surfaces.
    pub secondary: Option<Colour>,
    /// Buttons and highlights.
    pub accent: Option<Colour>,
    /// Short line shown under the name in the header.
    pub tagline: Option<String>,
    /// An https URL, or the path of one of the tenant's static files.
    pub logo: Option<String>,
    pub favicon: Option<String>,
    pub font: Option<Font>,
    pub footer_text: Option<String>,
    pub footer_links: Vec<Link>,
    pub social_links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// Type families built from fonts people already have: nothing to download.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Font {
    #[default]
    System,
    Humanist,
    Geometric,
    Serif,
    Rounded,
}

impl Font {
    pub fn stack(self) -> &'static str {
        match self {
            Self::System => "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
            Self::Humanist => {
                "Seravek, 'Gill Sans Nova', Ubuntu, Calibri, 'DejaVu Sans', source-sans-pro, sans-serif"
            }
            Self::Geometric => {
                "Avenir, Montserrat, Corbel, 'URW Gothic', source-sans-pro, sans-serif"
            }
            Self::Serif => "Charter, 'Bitstream Charter', 'Sitka Text', Cambria, Georgia, serif",
            Self::Rounded => {
                "ui-rounded, 'Hiragino Maru Gothic ProN', Quicksand, Comfortaa, Manjari, \
                              'Arial Rounded MT', Calibri, source-sans-pro, sans-serif"
            }
        }
    }
}

/// The colour a tenant gets when it names none.
pub const DEFAULT_PRIMARY: Colour = Colour::rgb(0x1f, 0x5f, 0x8b);
const DEFAULT_SECONDARY: Colour = Colour::rgb(0x2d, 0x34, 0x3f);
const DEFAULT_ACCENT: Colour = Colour::rgb(0xe0, 0x8a, 0x1e);
const WHITE: Colour = Colour::rgb(0xff, 0xff, 0xff);
/// WCAG 2.x level AA for normal text.
pub const AA_CONTRAST: f64 = 4.5;

/// A branding that would leave text unreadable, or is otherwise unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BrandError {
    #[error(
        "{role} colour {colour} has a contrast of {ratio:.2}:1 with {against}, below the 4.5:1 WCAG AA \
         minimum; try the {direction} shade {suggestion}"
    )]
    Contrast {
        role: &'static str,
        colour: Colour,
        against: &'static str,
        ratio: f64,
        direction: &'static str,
        suggestion: Colour,
    },
    #[error("{0}")]
    Invalid(String),
}

impl Branding {
    pub fn primary_or_default(&self) -> Colour {
        self.primary.unwrap_or(DEFAULT_PRIMARY)
    }

    fn colours(&self) -> [(&'static str, Colour); 3] {
        [
            ("primary", self.primary_or_default()),
            ("secondary", self.secondary.unwrap_or(DEFAULT_SECONDARY)),
            ("accent", self.accent.unwrap_or(DEFAULT_ACCENT)),
        ]
    }

    /// The brand as CSS custom properties, each colour with a readable text
    /// colour for use on top of it. Colours are validated `#rrggbb`, so the
    /// result is safe to place in a `<style>` element.
    pub fn css_variables(&self) -> String {
        let mut css = String::from(":root{");
        for (name, colour) in self.colours() {
            css.push_str(&format!(
                "--brand-{name}:{colour};--brand-{name}-text:{};",
                colour.readable_text()
            ));
        }
        // Only a chosen font is set, so each theme keeps its own default.
        if let Some(font) = self.font {
            css.push_str(&format!("--brand-font:{};", font.stack()));
        }
        css.push('}');
        css
    }

    /// Refuses colours that fail WCAG AA where the themes use them (primary
    /// as link text on white; every colour as a background under its own text
    /// colour), suggesting the nearest shade that passes. Also checks links.
    pub fn validate(&self) -> Result<(), BrandError> {
        let primary = self.primary_or_default();
        check(primary.contrast(WHITE), "primary", primary, "a white page")?;
        for (role, colour) in self.colours() {
            let text = colour.readable_text();
            let against = if text == WHITE {
                "white text"
            } else {
                "dark text"
            };
            check(colour.contrast(text), role, colour, against)?;
        }
        for link in self.footer_links.iter().chain(&self.social_links) {
            let label_ok = !link.label.trim().is_empty() && link.label.chars().count() <= 60;
            let url_ok = link.url.starts_with("https://")
                || link.url.starts_with("mailto:")
                || link.url.starts_with('/');
            if !label_ok || !url_ok || link.url.len() > 500 {
                return Err(BrandError::Invalid(format!(
                    "link \"{}\": labels are 1-60 characters, URLs start with https://, mailto: or /",
                    link.label
                )));
            }
        }
        for (field, value) in [("logo", &self.logo), ("favicon", &self.favicon)] {
            if let Some(value) = value
                && (value.starts_with("http:") || value.contains("..") || value.len() > 500)
            {
                return Err(BrandError::Invalid(format!(
                    "{field}: use an https:// URL or the path of one of the tenant's static files"
                )));
            }
        }
        Ok(())
    }
}

/// Reading a brand back from the tenant row. The strict rules
/// (`deny_unknown_fields`, [`Branding::validate`]) are for writes; a stored
/// brand that no longer meets them (a field added by a newer release then
/// rolled back, a value edited by hand) must not make the tenant
/// unservable. What cannot be read is left to the theme's default, with a
/// warning naming the tenant and the field.
impl Branding {
    pub fn from_stored(tenant_id: TenantId, stored: serde_json::Value) -> Self {
        let mut brand = Self::default();
        let serde_json::Value::Object(fields) = stored else {
            tracing::warn!(
                %tenant_id,
                "stored brand is not a JSON object; using the defaults"
            );
            return brand;
        };
        for (field, value) in fields {
            if let Err(error) = brand.read_field(&field, value) {
                tracing::warn!(%tenant_id, field, %error, "stored brand field ignored");
            }
        }
        brand
    }

    fn read_field(&mut self, field: &str, value: serde_json::Value) -> Result<(), String> {
        match field {
            "primary" => self.primary = lenient(value)?,
            "secondary" => self.secondary = lenient(value)?,
            "accent" => self.accent = lenient(value)?,
            "tagline" => self.tagline = lenient(value)?,
            "logo" => self.logo = lenient(value)?,
            "favicon" => self.favicon = lenient(value)?,
            "font" => self.font = lenient(value)?,
            "footer_text" => self.footer_text = lenient(value)?,
            "footer_links" => self.footer_links = stored_links(value)?,
            "social_links" => self.social_links = stored_links(value)?,
            _ => return Err("unknown field".to_owned()),
        }
        Ok(())
    }
}

fn lenient<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|error| error.to_string())
}

/// Links one by one: an unreadable link is dropped, not the whole list.
fn stored_links(value: serde_json::Value) -> Result<Vec<Link>, String> {
    #[derive(Deserialize)]
    struct StoredLink {
        label: String,
        url: String,
    }
    let items: Vec<serde_json::Value> = lenient(value)?;
    let links = items.into_iter().filter_map(|item| {
        let link: StoredLink = serde_json::from_value(item).ok()?;
        Some(Link {
            label: link.label,
            url: link.url,
        })
    });
    Ok(links.collect())
}

fn check(
    ratio: f64,
    role: &'static str,
    colour: Colour,
    against: &'static str,
) -> Result<(), BrandError> {
    if ratio >= AA_CONTRAST {
        return Ok(());
    }
    let (direction, suggestion) =
        colour.nearest_readable_shade(AA_CONTRAST, against == "dark text");
    Err(BrandError::Contrast {
        role,
        colour,
        against,
        ratio,
        direction,
        suggestion,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colour(hex: &str) -> Option<Colour> {
        Colour::parse(hex).ok()
    }

    #[test]
    fn readable_brands_pass() {
        let brand = Branding {
            primary: colour("#0b6e4f"),
            accent: colour("#f2c14e"),
            ..Branding::default()
        };
        assert_eq!(brand.validate(), Ok(()));
        assert_eq!(Branding::default().validate(), Ok(()));
    }

    #[test]
    fn a_pale_primary_is_refused_with_a_darker_suggestion() {
        let brand = Branding {
            primary: colour("#7fb3d5"),
            ..Branding::default()
        };
        let refused = brand.validate();
        // The variant matters: another error would carry no suggestion.
        assert!(
            matches!(refused, Err(BrandError::Contrast { .. })),
            "a pale primary must be refused for its contrast, got {refused:?}"
        );
        if let Err(BrandError::Contrast {
            direction,
            suggestion,
            role,
            ..
        }) = refused
        {
            assert_eq!((role, direction), ("primary", "darker"));
            assert!(suggestion.contrast(WHITE) >= AA_CONTRAST);
            let fixed = Branding {
                primary: Some(suggestion),
                ..brand
            };
            assert_eq!(fixed.validate(), Ok(()));
        }
    }

    #[test]
    fn bad_links_are_refused() {
        let brand = Branding {
            footer_links: vec![Link {
                label: "x".into(),
                url: "javascript:alert(1)".into(),
            }],
            ..Branding::default()
        };
        assert!(matches!(brand.validate(), Err(BrandError::Invalid(_))));
    }

    #[test]
    fn css_carries_colours_and_font() {
        let css = Branding {
            font: Some(Font::Serif),
            ..Branding::default()
        }
        .css_variables();
        assert!(css.contains("--brand-primary:#1f5f8b;--brand-primary-text:#ffffff;"));
        assert!(css.contains("--brand-font:Charter"));
    }

    #[test]
    fn stored_brands_read_back_every_field() {
        let brand = Branding {
            primary: colour("#0b6e4f"),
            secondary: colour("#222222"),
            accent: colour("#f2c14e"),
            tagline: Some("t".into()),
            logo: Some("/logo.png".into()),
            favicon: Some("/fav.ico".into()),
            font: Some(Font::Rounded),
            footer_text: Some("f".into()),
            footer_links: vec![Link {
                label: "a".into(),
                url: "/a".into(),
            }],
            social_links: vec![Link {
                label: "b".into(),
                url: "https://b.example".into(),
            }],
        };
        let read = serde_json::to_value(&brand)
            .ok()
            .map(|stored| Branding::from_stored(TenantId::new(1), stored));
        assert_eq!(read, Some(brand));
    }

    #[test]
    fn unreadable_stored_fields_fall_back_to_defaults() {
        let stored = serde_json::json!({
            "primary": "#0b6e4f",
            "accent": "not a colour",
            "font": "comic",
            "hero_image": "/hero.png",
            "footer_links": [{"label": "ok", "url": "/ok", "rel": "me"}, {"label": 3}],
        });
        assert!(serde_json::from_value::<Branding>(stored.clone()).is_err());
        let brand = Branding::from_stored(TenantId::new(1), stored);
        assert_eq!(brand.primary, colour("#0b6e4f"));
        assert_eq!((brand.accent, brand.font), (None, None));
        assert_eq!(brand.footer_links.len(), 1);
        assert_eq!(
            Branding::from_stored(TenantId::new(1), serde_json::json!([1])),
            Branding::default()
        );
    }
}
