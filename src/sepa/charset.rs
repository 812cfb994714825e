//! The SEPA Basic Latin character set: `a-z A-Z 0-9 / - ? : ( ) . , ' +`
//! and space. Every bank must accept it; anything else may be refused or
//! mangled. [`latin`] brings free text (names, remittance lines) into it
//! the way the EPC's conversion table (EPC217-08) does: a letter loses its
//! accent, a few signs become their nearest allowed sign. Ids are never
//! converted, only checked ([`is_latin`]).

/// Allowed besides ASCII letters and digits.
const SIGNS: &str = "/-?:().,'+ ";

/// Upper-case letters and signs outside the set, grouped by what they become.
/// A lower-case letter takes its upper-case form's entry, lower-cased
/// (é → É → E → e). Letters follow EPC217-08, which keeps one letter where
/// French or German would write two: Æ → A, Œ → O, ß → s, Þ → T. Greek and
/// Cyrillic follow its transliteration (Θ → TH, Ж → ZH).
const FOLDS: &[(&str, &str)] = &[
    ("ÀÁÂÃÄÅĀĂĄÆΑΆ", "A"),
    ("ÇĆĈĊČ", "C"),
    ("ÐĎĐΔД", "D"),
    ("ÈÉÊËĒĔĖĘĚΕΈЕ", "E"),
    ("ĜĞĠĢΓГ", "G"),
    ("ĤĦХ", "H"),
    ("ÌÍÎÏĨĪĬĮİĲΗΉΙΊΪИ", "I"),
    ("Ĵ", "J"),
    ("ĶΚК", "K"),
    ("ĹĻĽĿŁΛЛ", "L"),
    ("ΜМ", "M"),
    ("ÑŃŅŇΝН", "N"),
    ("ÒÓÔÕÖØŌŎŐŒΟΌΩΏО", "O"),
    ("ΠП", "P"),
    ("ŔŖŘΡР", "R"),
    ("ŚŜŞŠȘΣС", "S"),
    ("ŢŤŦȚÞΤТ", "T"),
    ("ÙÚÛÜŨŪŬŮŰŲУ", "U"),
    ("ΒВ", "V"),
    ("Ŵ", "W"),
    ("Ξ", "X"),
    ("ÝŶŸΥΎΫЙЬ", "Y"),
    ("ŹŻŽΖЗ", "Z"),
    ("Б", "B"),
    ("ΦФ", "F"),
    ("Ъ", "A"),
    ("Θ", "TH"),
    ("ΧЧ", "CH"),
    ("Ψ", "PS"),
    ("Ж", "ZH"),
    ("Ц", "TS"),
    ("Ш", "SH"),
    ("Щ", "SHT"),
    ("Ю", "YU"),
    ("Я", "YA"),
    ("€", "E"),
    ("‘’‚‛′`´«»“”„\"", "'"),
    ("‐‑‒–—―−", "-"),
    ("[{", "("),
    ("]}", ")"),
    ("\\|", "/"),
    (";", ","),
    ("¿", "?"),
    ("&", "+"),
];

/// Lower-case letters whose upper case is not one letter of [`FOLDS`].
const LOWER_FOLDS: &[(char, &str)] = &[('ß', "s"), ('ı', "i"), ('ŉ', "n")];

/// Whether `c` is in the SEPA Basic Latin set.
pub fn is_allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || SIGNS.contains(c)
}

/// Whether every character of `text` is in the set (ids must be).
pub fn is_latin(text: &str) -> bool {
    text.chars().all(is_allowed)
}

/// `text` reduced to the SEPA set: letters lose their accents, signs with an
/// allowed neighbour take it, combining accents are dropped, anything else
/// (emoji, control characters, other scripts) becomes a space. Runs of
/// spaces collapse to one and the ends are trimmed.
pub fn latin(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(&mut folded, c);
    }
    folded
        .split(' ')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first `max_chars` characters of `text` (cut on a character boundary,
/// never inside one), without trailing spaces.
pub fn truncate(text: &str, max_chars: usize) -> &str {
    let cut = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(at, _)| at);
    text[..cut].trim_end()
}

fn push_folded(out: &mut String, c: char) {
    if is_allowed(c) {
        out.push(c);
    } else if let Some(to) = fold(c) {
        out.push_str(to);
    } else if let Some(to) = fold_lower(c) {
        out.push_str(&to);
    } else if !is_combining_accent(c) {
        out.push(' ');
    }
}

fn fold(c: char) -> Option<&'static str> {
    FOLDS
        .iter()
        .find(|(from, _)| from.contains(c))
        .map(|(_, to)| *to)
}

fn fold_lower(c: char) -> Option<String> {
    if let Some((_, to)) = LOWER_FOLDS.iter().find(|(from, _)| *from == c) {
        return Some((*to).to_owned());
    }
    if !c.is_lowercase() {
        return None;
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(one), None) if one.is_alphabetic() => fold(one).map(str::to_ascii_lowercase),
        _ => None,
    }
}

/// Combining diacritical marks (U+0300–U+036F): text typed or stored
/// decomposed (e + ◌́) keeps its base letter and loses the mark.
fn is_combining_accent(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_itself_is_kept() {
        let all = "abcxyz ABCXYZ 0129 / - ? : ( ) . , ' +";
        assert_eq!(latin(all), all);
        assert!(is_latin(all));
    }

    #[test]
    fn french_text_loses_its_accents_the_epc_way() {
        assert_eq!(latin("Élodie Lefèvre-Çağlar"), "Elodie Lefevre-Caglar");
        assert_eq!(latin("Œuvre de l’Âtre"), "Ouvre de l'Atre");
        assert_eq!(
            latin("cœur, Lætitia, Noël, île, où, ÿ"),
            "cour, Latitia, Noel, ile, ou, y"
        );
        assert_eq!(latin("« Ça va ? » — 10 €"), "' Ca va ? ' - 10 E");
    }

    #[test]
    fn other_european_letters_fold_too() {
        assert_eq!(
            latin("Straße Ærøskøbing Łódź Dvořák Ștefan Þór"),
            "Strase Aroskobing Lodz Dvorak Stefan Tor"
        );
        assert_eq!(latin("Αθήνα София"), "Athina Sofiya");
        assert_eq!(latin("İstanbul ıi"), "Istanbul ii");
    }

    #[test]
    fn signs_take_their_nearest_allowed_sign() {
        assert_eq!(latin("A & B; [x] {y} a\\b|c"), "A + B, (x) (y) a/b/c");
        assert_eq!(latin("<b>\"quoted\"</b>"), "b 'quoted' /b");
    }

    #[test]
    fn decomposed_accents_are_dropped_and_the_rest_becomes_space() {
        assert_eq!(latin("Cafe\u{301} cre\u{300}me"), "Cafe creme");
        assert_eq!(
            latin("  Fête\t🎉\n\u{a0}des\u{202f}mères  "),
            "Fete des meres"
        );
        assert_eq!(latin("@#%*=_~!$"), "");
        assert_eq!(latin("漢字 ok"), "ok");
    }

    #[test]
    fn truncation_cuts_on_characters_and_trims() {
        assert_eq!(truncate("héllo world", 5), "héllo");
        assert_eq!(truncate("hello world", 6), "hello");
        assert_eq!(truncate("short", 70), "short");
        assert_eq!(truncate("", 3), "");
        assert_eq!(truncate("ééé", 0), "");
    }
}
