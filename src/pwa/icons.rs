//! The installed portal's icons, drawn from the tenant's logo: its own
//! SVG or raster file placed on a square (with the safe margin a
//! "maskable" icon needs), or, without a logo of its own, its initials on
//! its brand colour. Rendered by resvg, so a logo with a script or a link
//! to elsewhere draws nothing but shapes: usvg reads no external resource.

use std::sync::{Arc, LazyLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

/// The sizes the manifest lists (Chrome wants 192 and 512).
pub const SIZES: [u32; 2] = [192, 512];

/// What to draw on the square.
pub enum Mark<'a> {
    /// A logo file and its content type.
    Logo {
        content_type: &'a str,
        bytes: &'a [u8],
    },
    /// Up to two letters on the brand colour.
    Initials { text: &'a str, colour: &'a str },
}

#[derive(Debug, thiserror::Error)]
pub enum IconError {
    #[error("the logo cannot be drawn: {0}")]
    Unreadable(String),
    #[error("no such size")]
    Size,
}

/// A PNG of `size` pixels. `maskable` keeps the mark in the middle 70 %,
/// where launchers never crop.
pub fn render(mark: &Mark<'_>, size: u32, maskable: bool) -> Result<Vec<u8>, IconError> {
    if !SIZES.contains(&size) {
        return Err(IconError::Size);
    }
    let svg = square(mark, maskable);
    let options = usvg::Options {
        fontdb: FONTS.clone(),
        font_family: "Libertinus Serif".to_owned(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_data(svg.as_bytes(), &options)
        .map_err(|e| IconError::Unreadable(e.to_string()))?;
    let mut pixmap = Pixmap::new(size, size).ok_or(IconError::Size)?;
    let scale = size as f32 / 100.0;
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| IconError::Unreadable(e.to_string()))
}

/// The icon as an SVG of 100 × 100 units.
fn square(mark: &Mark<'_>, maskable: bool) -> String {
    let margin = if maskable { 15 } else { 6 };
    let inner = 100 - 2 * margin;
    let corner = if maskable { 0 } else { 18 };
    match mark {
        Mark::Logo {
            content_type,
            bytes,
        } => format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="{corner}" fill="#ffffff"/><image x="{margin}" y="{margin}" width="{inner}" height="{inner}" href="data:{content_type};base64,{}"/></svg>"##,
            STANDARD.encode(bytes)
        ),
        Mark::Initials { text, colour } => format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="{corner}" fill="{colour}"/><text x="50" y="64" font-size="{}" text-anchor="middle" font-weight="bold" fill="#ffffff">{}</text></svg>"##,
            if maskable { 38 } else { 46 },
            escape(text)
        ),
    }
}

/// Up to two initials of `name` ("Vélo Club de Lyon" → "VC").
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|word| word.chars().next().is_some_and(char::is_uppercase))
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect::<String>()
        .chars()
        .chain(name.chars().filter(|c| c.is_alphanumeric()))
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The fonts of initials: embedded, so icons do not depend on the machine.
static FONTS: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    for font in typst_assets::fonts() {
        db.load_font_data(font.to_vec());
    }
    Arc::new(db)
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_capitalised_words() {
        assert_eq!(initials("Vélo Club de Lyon"), "VC");
        assert_eq!(initials("harbour choir"), "HA");
        assert_eq!(initials("APE École Jaurès"), "AÉ");
    }

    #[test]
    fn an_svg_logo_becomes_a_png_of_the_size_asked() {
        let logo = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b6e4f"/></svg>"##;
        let mark = Mark::Logo {
            content_type: "image/svg+xml",
            bytes: logo,
        };
        let png = render(&mark, 192, true).unwrap_or_default();
        assert_eq!(png.get(..4), Some(&b"\x89PNG"[..]));
        let width = png
            .get(16..20)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        assert_eq!(width, Some(192));
        assert!(render(&mark, 100, true).is_err());
    }
}
