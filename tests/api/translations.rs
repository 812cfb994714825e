//! Every user-visible string exists in French and in English.

use std::collections::BTreeSet;
use std::path::Path;

use tessera::themes::Themes;
use tessera::themes::source::read_tree;

/// `t(key="…")` keys written literally in a template.
fn literal_keys(source: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("t(key=") {
        rest = &rest[at + 6..];
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = rest[1..].find(quote) {
            // `t(key="error-" ~ code)` is built at render time: not a literal.
            let dynamic = rest[2 + end..].trim_start().starts_with('~');
            if !dynamic {
                keys.insert(rest[1..1 + end].to_owned());
            }
        }
    }
    keys
}

/// The `.html` files under `dir`, with the walker the server uses (which
/// refuses symbolic links).
fn templates_in(dir: &Path) -> Vec<(String, String)> {
    read_tree(dir, None)
        .unwrap()
        .into_iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, content)| {
            let source = String::from_utf8(content).unwrap();
            (dir.join(path).display().to_string(), source)
        })
        .collect()
}

#[test]
fn every_theme_has_the_same_keys_in_both_languages() {
    let themes = Themes::load(Path::new("themes"), false, None).unwrap();
    assert!(themes.names().len() >= 3, "{:?}", themes.names());
    for name in themes.names() {
        let catalog = themes.env(&name).catalog.clone();
        let (fr, en) = (catalog.keys("fr"), catalog.keys("en"));
        let only_fr: Vec<_> = fr.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&fr).collect();
        assert!(
            only_fr.is_empty() && only_en.is_empty(),
            "{name}: only in fr {only_fr:?}, only in en {only_en:?}"
        );
    }
}

#[test]
fn every_key_a_template_uses_is_translated() {
    let themes = Themes::load(Path::new("themes"), false, None).unwrap();
    let mut checked = 0;
    let sources = themes
        .names()
        .into_iter()
        .flat_map(|name| {
            templates_in(&Path::new("themes").join(&name))
                .into_iter()
                .map(move |t| (name.clone(), t))
        })
        .chain(
            templates_in(Path::new("tenants"))
                .into_iter()
                .map(|t| ("default".to_owned(), t)),
        );
    for (theme, (file, source)) in sources {
        let catalog = themes.env(&theme).catalog.clone();
        for key in literal_keys(&source) {
            for locale in ["fr", "en"] {
                assert!(
                    catalog.keys(locale).contains(&key),
                    "{file}: \"{key}\" has no {locale} translation"
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked > 30,
        "only {checked} keys found: is the scan broken?"
    );
    // Keys built at render time: error pages name their problem code.
    let catalog = themes.env("default").catalog.clone();
    for code in [
        "not-found",
        "bad-request",
        "conflict",
        "site-suspended",
        "overloaded",
        "internal",
    ] {
        for locale in ["fr", "en"] {
            assert!(
                catalog.keys(locale).contains(&format!("error-{code}")),
                "error-{code} ({locale})"
            );
        }
    }
}

#[test]
fn a_missing_key_is_caught() {
    let keys = literal_keys("{{ t(key=\"known\") }} {{ t(key='other') }} {{ t(key=\"a-\" ~ b) }}");
    assert_eq!(
        keys,
        BTreeSet::from(["known".to_owned(), "other".to_owned()])
    );
}
