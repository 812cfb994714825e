//! Characters that have no place in a name or an address people type: the
//! control characters, and the invisible formatting ones (bidirectional
//! overrides, zero-width spaces) that make one text display as another.

/// Whether `c` is a control or an invisible formatting character.
pub fn is_hidden_or_control(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// Whether `next` (a "come back here" parameter) is a path on this very
/// host: never another origin (`//evil`, `\\evil`), nothing hidden in it.
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(is_hidden_or_control)
        && next.len() <= 2000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoofing_characters_are_caught_and_letters_are_not() {
        for hidden in [
            '\u{202E}', '\u{200B}', '\u{FEFF}', '\u{0}', '\n', '\u{2066}',
        ] {
            assert!(is_hidden_or_control(hidden), "{hidden:?}");
        }
        for plain in ['é', 'ß', '中', 'ا', ' ', '-', '\''] {
            assert!(!is_hidden_or_control(plain), "{plain:?}");
        }
    }
}
