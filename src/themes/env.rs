//! One tera environment per theme, shared by every tenant on that theme.
//!
//! A theme's environment holds the templates of its whole chain (the theme,
//! its parent, …, the built-in default) under `<theme>/<name>`, with the
//! chain as fallback prefixes: an unqualified name resolves to the nearest
//! theme that has it, and a tenant's own template (added unqualified) beats
//! them all. A theme extends its parent's layout explicitly:
//! `{% extends "default/base.html" %}`.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use tera::Tera;

use super::RenderError;
use super::filters;
use super::i18n::Catalog;
use super::source::{StaticFile, ThemeSource};

/// The themes a deployment knows, by name.
pub type Sources = BTreeMap<String, Arc<ThemeSource>>;

/// The root of every chain; built in.
pub const ROOT_THEME: &str = "default";

/// A ready-to-render theme.
pub struct ThemeEnv {
    pub name: String,
    /// The theme first, the root last.
    pub chain: Vec<String>,
    /// Identifies the sources this environment was built from: it changes
    /// when any file of the chain does, so a render worker holding an older
    /// copy of the theme can tell (development reloads).
    pub build: u64,
    pub tera: Tera,
    pub catalog: Catalog,
    /// Static files of the chain, nearest theme winning.
    pub statics: HashMap<String, StaticFile>,
}

impl ThemeEnv {
    /// An environment without templates; only reachable if the built-in
    /// theme failed to load, which `Themes::load` already refuses.
    pub fn empty() -> Self {
        Self {
            name: ROOT_THEME.to_owned(),
            chain: vec![ROOT_THEME.to_owned()],
            build: 0,
            tera: Tera::default(),
            catalog: Catalog::default(),
            statics: HashMap::new(),
        }
    }

    pub fn build(sources: &Sources, name: &str) -> Result<Self, RenderError> {
        let chain = chain(sources, name)?;
        let themes: Vec<&Arc<ThemeSource>> = chain.iter().filter_map(|n| sources.get(n)).collect();
        // Root first, so nearer themes override keys and files.
        let catalog = Catalog::from_sources(
            themes
                .iter()
                .rev()
                .flat_map(|t| t.locales.iter().map(|(l, s)| (l.as_str(), s.as_str()))),
        )?;
        let mut statics = HashMap::new();
        for theme in themes.iter().rev() {
            for (path, file) in &theme.statics {
                statics.insert(path.clone(), file.clone());
            }
        }
        let mut tera = Tera::default();
        tera.set_fallback_prefixes(chain.iter().map(|n| format!("{n}/")))?;
        let theme_statics: HashMap<String, String> = statics
            .iter()
            .map(|(path, file)| (path.clone(), static_url(&file.hash, path)))
            .collect();
        filters::register(&mut tera, &catalog, Arc::new(theme_statics));
        let templates = themes.iter().flat_map(|t| {
            t.templates
                .iter()
                .map(move |(n, s)| (format!("{}/{n}", t.name), s.as_str()))
        });
        tera.add_raw_templates(templates)?;
        Ok(Self {
            name: name.to_owned(),
            build: build_id(&themes),
            chain,
            tera,
            catalog,
            statics,
        })
    }
}

/// A digest of every file of `themes` (the same in every process running
/// this binary, since `DefaultHasher::new` has fixed keys).
fn build_id(themes: &[&Arc<ThemeSource>]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for theme in themes {
        (&theme.name, &theme.parent, &theme.templates, &theme.locales).hash(&mut hasher);
        for (path, file) in &theme.statics {
            (path, &file.hash).hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// `/static/<hash>/<path>`: the hash changes with the content, so the URL can
/// be cached "forever".
pub fn static_url(hash: &str, path: &str) -> String {
    format!("/static/{hash}/{path}")
}

/// `name`, its parent, …, the root. Refuses unknown parents and cycles.
pub fn chain(sources: &Sources, name: &str) -> Result<Vec<String>, RenderError> {
    let mut chain = vec![name.to_owned()];
    let mut current = name;
    loop {
        let theme = sources
            .get(current)
            .ok_or_else(|| RenderError::Theme(format!("unknown theme \"{current}\"")))?;
        let parent = match (&theme.parent, current == ROOT_THEME) {
            (_, true) => return Ok(chain),
            (Some(parent), false) => parent.as_str(),
            (None, false) => ROOT_THEME,
        };
        if chain.iter().any(|n| n == parent) {
            return Err(RenderError::Theme(format!(
                "theme \"{name}\": parent cycle through \"{parent}\""
            )));
        }
        chain.push(parent.to_owned());
        current = parent;
    }
}
