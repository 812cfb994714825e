//! `Colour`: a brand colour as `#rrggbb`.

use std::fmt;

/// An sRGB colour written `#rrggbb` (lowercase). `#rgb` is accepted and expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Colour([u8; 3]);

const WHITE: Colour = Colour::rgb(0xff, 0xff, 0xff);
const INK: Colour = Colour::rgb(0x11, 0x14, 0x1a);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a colour: write it as #rrggbb, e.g. #1f5f8b")]
pub struct ColourError(pub String);

impl Colour {
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self([r, g, b])
    }

    pub fn parse(raw: &str) -> Result<Self, ColourError> {
        let bad = || ColourError(raw.to_owned());
        let hex = raw.trim().strip_prefix('#').ok_or_else(bad)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let expanded: String = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex.to_owned(),
            _ => return Err(bad()),
        };
        let channel = |i: usize| u8::from_str_radix(&expanded[i..i + 2], 16).map_err(|_| bad());
        Ok(Self([channel(0)?, channel(2)?, channel(4)?]))
    }

    pub fn channels(self) -> [u8; 3] {
        self.0
    }

    /// Relative luminance as defined by WCAG 2.x.
    pub fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0;
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    /// WCAG contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    /// White or near-black, whichever reads better on this colour.
    pub fn readable_text(self) -> Colour {
        if self.contrast(WHITE) >= self.contrast(INK) {
            WHITE
        } else {
            INK
        }
    }

    /// The closest shade (mixing in black, or white when `lighter`) that
    /// reaches `min` contrast with white text (darker) or dark text (lighter).
    pub fn nearest_readable_shade(self, min: f64, lighter: bool) -> (&'static str, Colour) {
        let (direction, target, against) = if lighter {
            ("lighter", WHITE, INK)
        } else {
            ("darker", INK, WHITE)
        };
        for step in 1..=50 {
            let shade = self.mix(target, f64::from(step) / 50.0);
            if shade.contrast(against) >= min {
                return (direction, shade);
            }
        }
        (direction, target)
    }

    fn mix(self, other: Colour, amount: f64) -> Colour {
        let [a, b] = [self.0, other.0];
        let channel =
            |i: usize| (f64::from(a[i]) * (1.0 - amount) + f64::from(b[i]) * amount).round() as u8;
        Colour([channel(0), channel(1), channel(2)])
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [r, g, b] = self.0;
        write!(f, "#{r:02x}{g:02x}{b:02x}")
    }
}

impl TryFrom<String> for Colour {
    type Error = ColourError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Colour> for String {
    fn from(colour: Colour) -> Self {
        colour.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_hex() {
        assert_eq!(Colour::parse("#1F5F8B"), Ok(Colour::rgb(0x1f, 0x5f, 0x8b)));
        assert_eq!(
            Colour::parse("#abc").map(|c| c.to_string()),
            Ok("#aabbcc".to_owned())
        );
        for bad in ["", "1f5f8b", "#1f5f8", "#ggg", "#1f5f8b00", "red", "#ééé"] {
            assert!(Colour::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contrast_follows_wcag() {
        let white = Colour::rgb(255, 255, 255);
        let black = Colour::rgb(0, 0, 0);
        assert!((white.contrast(black) - 21.0).abs() < 1e-9);
        assert!((white.contrast(white) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1 AA boundary.
        let grey = Colour::rgb(0x76, 0x76, 0x76);
        assert!((grey.contrast(white) - 4.54).abs() < 0.01);
        assert_eq!(
            Colour::rgb(0xff, 0xeb, 0x3b).readable_text(),
            Colour::rgb(0x11, 0x14, 0x1a)
        );
        assert_eq!(Colour::rgb(0x1f, 0x5f, 0x8b).readable_text(), white);
    }
}
