//! A project's address: a slug made from its title (`Nouveau local vélo`
//! → `nouveau-local-velo`), or typed by the editor. Accented Latin letters
//! lose their accents; anything else becomes a hyphen. A slug is never
//! only digits, so `/projects/{key}` tells an id from a slug.

use super::model::SLUG_MAX;

/// Whether `text` may be a slug as typed.
pub fn is_valid(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= SLUG_MAX
        && text.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && !text.bytes().all(|b| b.is_ascii_digit())
}

/// The slug of `title`; `projet` when nothing of it is left, and a
/// `projet-` prefix for a title of digits only.
pub fn from_title(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars().flat_map(fold) {
        match c {
            'a'..='z' | '0'..='9' => slug.push(c),
            _ if !slug.is_empty() && !slug.ends_with('-') => slug.push('-'),
            _ => {}
        }
    }
    // Cut at a hyphen (room is kept for a `-NN` suffix), never mid-word.
    let room = SLUG_MAX - 4;
    if slug.len() > room {
        let cut = slug[..room].rfind('-').unwrap_or(room);
        slug.truncate(cut);
    }
    let slug = slug.trim_matches('-').to_owned();
    match slug.is_empty() {
        true => "projet".to_owned(),
        false if slug.bytes().all(|b| b.is_ascii_digit()) => format!("projet-{slug}"),
        false => slug,
    }
}

/// `slug` made unique among `taken` (`slug`, `slug-2`, `slug-3`…).
pub fn unique(slug: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == slug) {
        return slug.to_owned();
    }
    (2..)
        .map(|n| format!("{slug}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| slug.to_owned())
}

/// One character, lowercased and without its accent (ligatures open up).
fn fold(c: char) -> Vec<char> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let plain = match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'ś' | 'š' => 's',
        'ź' | 'ż' | 'ž' => 'z',
        'ł' => 'l',
        'œ' => return vec!['o', 'e'],
        'æ' => return vec!['a', 'e'],
        'ß' => return vec!['s', 's'],
        other => other,
    };
    vec![plain]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_readable_addresses() {
        assert_eq!(from_title("Nouveau local vélo !"), "nouveau-local-velo");
        assert_eq!(from_title("Cœur d’Œuvre"), "coeur-d-oeuvre");
        assert_eq!(from_title("2027"), "projet-2027");
        assert_eq!(from_title("日本"), "projet");
        assert!(from_title(&"mot ".repeat(40)).len() <= SLUG_MAX - 4);
    }

    #[test]
    fn slugs_are_checked_and_made_unique() {
        assert!(is_valid("local-velo-2") && !is_valid("42") && !is_valid("a--b"));
        assert!(!is_valid("Local") && !is_valid("-a") && !is_valid(""));
        let taken = vec!["velo".to_owned(), "velo-2".to_owned()];
        assert_eq!(unique("velo", &taken), "velo-3");
        assert_eq!(unique("rando", &taken), "rando");
    }
}
