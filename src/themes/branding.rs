//! `Branding`: how a tenant's portal looks, stored as JSON in its tenant row.

use serde::{Deserialize, Serialize};

use super::Colour;

/// A tenant's visual identity. Every field is optional; the theme supplies
/// defaults for what a tenant leaves out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Branding {
    pub primary: Option<Colour>,
    pub secondary: Option<Colour>,
    pub accent: Option<Colour>,
    /// Short line shown under the name in the header.
    pub tagline: Option<String>,
    /// URL or tenant-relative path of the logo image.
    pub logo: Option<String>,
    pub favicon: Option<String>,
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

/// The colour a tenant gets when it names none.
pub const DEFAULT_PRIMARY: Colour = Colour::rgb(0x1f, 0x5f, 0x8b);

const DEFAULT_SECONDARY: Colour = Colour::rgb(0x2d, 0x34, 0x3f);
const DEFAULT_ACCENT: Colour = Colour::rgb(0xe0, 0x8a, 0x1e);

impl Branding {
    pub fn primary_or_default(&self) -> Colour {
        self.primary.unwrap_or(DEFAULT_PRIMARY)
    }

    /// The brand as CSS custom properties, each colour with a readable text
    /// colour for use on top of it. Colours are validated `#rrggbb`, so the
    /// result is safe to place in a `<style>` element.
    pub fn css_variables(&self) -> String {
        let mut css = String::from(":root{");
        let colours = [
            ("primary", self.primary_or_default()),
            ("secondary", self.secondary.unwrap_or(DEFAULT_SECONDARY)),
            ("accent", self.accent.unwrap_or(DEFAULT_ACCENT)),
        ];
        for (name, colour) in colours {
            css.push_str(&format!(
                "--brand-{name}:{colour};--brand-{name}-text:{};",
                colour.readable_text()
            ));
        }
        css.push('}');
        css
    }
}
