//! The languages Tessera speaks: every user-visible string exists in each.

/// Locales every user-visible string exists in.
pub const SUPPORTED_LOCALES: &[&str] = &["fr", "en"];

pub fn is_supported_locale(locale: &str) -> bool {
    SUPPORTED_LOCALES.contains(&locale)
}

/// Falls back to French (the platform's home locale) for anything unknown.
pub fn supported_or_default(locale: &str) -> &'static str {
    SUPPORTED_LOCALES
        .iter()
        .copied()
        .find(|l| *l == locale)
        .unwrap_or(SUPPORTED_LOCALES[0])
}
