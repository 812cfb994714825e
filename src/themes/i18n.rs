//! Translations: one fluent bundle per supported locale, built from the
//! `locales/<lang>/*.ftl` files of a theme.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub use crate::model::locale::{SUPPORTED_LOCALES, is_supported_locale, supported_or_default};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("locale {locale}: {message}")]
    Invalid { locale: String, message: String },
}

/// Bundles by locale. Cheap to clone.
#[derive(Clone, Default)]
pub struct Catalog {
    bundles: Arc<HashMap<String, FluentBundle<FluentResource>>>,
    keys: Arc<HashMap<String, BTreeSet<String>>>,
}

impl Catalog {
    /// Builds the catalog from `(locale, ftl source)` pairs; several sources
    /// may share a locale (one file per module).
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, CatalogError> {
        let mut bundles: HashMap<String, FluentBundle<FluentResource>> = HashMap::new();
        let mut keys: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (locale, source) in sources {
            let invalid = |message: String| CatalogError::Invalid {
                locale: locale.to_owned(),
                message,
            };
            let language: LanguageIdentifier = locale
                .parse()
                .map_err(|_| invalid("not a language tag".into()))?;
            let resource = FluentResource::try_new(source.to_owned())
                .map_err(|(_, errors)| invalid(format!("{errors:?}")))?;
            let ids = resource.entries().filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
                _ => None,
            });
            keys.entry(locale.to_owned()).or_default().extend(ids);
            let bundle = bundles.entry(locale.to_owned()).or_insert_with(|| {
                let mut bundle = FluentBundle::new_concurrent(vec![language]);
                // Isolation marks (U+2068/9) would end up inside HTML attributes.
                bundle.set_use_isolating(false);
                bundle
            });
            bundle
                .add_resource(resource)
                .map_err(|errors| invalid(format!("{errors:?}")))?;
        }
        Ok(Self {
            bundles: Arc::new(bundles),
            keys: Arc::new(keys),
        })
    }

    /// The message `key` in `locale`, or the key itself when missing (so a
    /// gap shows up on the page and in tests rather than as an empty string).
    pub fn text(&self, locale: &str, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(bundle) = self.bundles.get(supported_or_default(locale)) else {
            return key.to_owned();
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// Message ids of `locale`, for completeness checks.
    pub fn keys(&self, locale: &str) -> BTreeSet<String> {
        self.keys.get(locale).cloned().unwrap_or_default()
    }
}

/// Converts template keyword arguments to fluent arguments.
pub fn fluent_args<'a>(
    pairs: impl IntoIterator<Item = (&'a str, FluentValue<'a>)>,
) -> FluentArgs<'a> {
    let mut args = FluentArgs::new();
    for (name, value) in pairs {
        args.set(name, value);
    }
    args
}
