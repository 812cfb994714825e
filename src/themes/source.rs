//! Theme sources: the files of one theme (`theme.toml`, `templates/`,
//! `static/`, `locales/<lang>/*.ftl`), read from a folder on disk or from the
//! copy of `themes/default/` built into the binary.

use std::collections::BTreeMap;
use std::path::Path;

use axum::body::Bytes;
use include_dir::Dir;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::RenderError;

/// A static file with its content hash (used in URLs, so they can be cached
/// for a year and still change when the file does).
#[derive(Debug, Clone)]
pub struct StaticFile {
    pub bytes: Bytes,
    pub hash: String,
    pub content_type: String,
}

impl StaticFile {
    pub fn new(path: &str, bytes: Bytes) -> Self {
        let digest = Sha256::digest(&bytes);
        let hash = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let content_type = mime_guess::from_path(path)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();
        Self {
            bytes,
            hash,
            content_type,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeToml {
    name: String,
    parent: Option<String>,
    #[serde(default)]
    description: String,
}

/// Everything one theme folder holds.
#[derive(Debug, Clone)]
pub struct ThemeSource {
    pub name: String,
    pub parent: Option<String>,
    pub description: String,
    /// Template name (relative to `templates/`) → source.
    pub templates: BTreeMap<String, String>,
    /// Path (relative to `static/`) → file.
    pub statics: BTreeMap<String, StaticFile>,
    /// `(locale, ftl source)` pairs.
    pub locales: Vec<(String, String)>,
}

impl ThemeSource {
    fn from_files(files: Vec<(String, Bytes)>, origin: &str) -> Result<Self, RenderError> {
        let invalid = |message: String| RenderError::Theme(format!("{origin}: {message}"));
        let manifest = files
            .iter()
            .find(|(path, _)| path == "theme.toml")
            .ok_or_else(|| invalid("theme.toml is missing".into()))?;
        let manifest: ThemeToml = toml::from_str(&utf8(&manifest.1, "theme.toml", origin)?)
            .map_err(|e| invalid(format!("theme.toml: {e}")))?;
        let mut theme = Self {
            name: manifest.name,
            parent: manifest.parent,
            description: manifest.description,
            templates: BTreeMap::new(),
            statics: BTreeMap::new(),
            locales: Vec::new(),
        };
        for (path, bytes) in files {
            if let Some(name) = path.strip_prefix("templates/") {
                theme
                    .templates
                    .insert(name.to_owned(), utf8(&bytes, &path, origin)?);
            } else if let Some(name) = path.strip_prefix("static/") {
                theme
                    .statics
                    .insert(name.to_owned(), StaticFile::new(name, bytes));
            } else if let Some(rest) = path.strip_prefix("locales/")
                && let Some((locale, file)) = rest.split_once('/')
                && file.ends_with(".ftl")
            {
                theme
                    .locales
                    .push((locale.to_owned(), utf8(&bytes, &path, origin)?));
            }
        }
        Ok(theme)
    }

    /// The built-in copy of a theme folder.
    pub fn embedded(dir: &'static Dir<'static>) -> Result<Self, RenderError> {
        let mut files = Vec::new();
        collect_embedded(dir, dir.path(), &mut files);
        Self::from_files(files, "built-in theme")
    }

    /// A theme folder on disk.
    pub fn from_dir(dir: &Path) -> Result<Self, RenderError> {
        let mut files = Vec::new();
        collect_disk(dir, dir, &mut files)
            .map_err(|e| RenderError::Theme(format!("{}: {e}", dir.display())))?;
        Self::from_files(files, &dir.display().to_string())
    }
}

fn utf8(bytes: &[u8], path: &str, origin: &str) -> Result<String, RenderError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| RenderError::Theme(format!("{origin}: {path} is not UTF-8")))
}

fn collect_embedded(dir: &'static Dir<'static>, root: &Path, files: &mut Vec<(String, Bytes)>) {
    for file in dir.files() {
        if let Ok(relative) = file.path().strip_prefix(root) {
            files.push((slash_path(relative), Bytes::from_static(file.contents())));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, root, files);
    }
}

fn collect_disk(dir: &Path, root: &Path, files: &mut Vec<(String, Bytes)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_disk(&path, root, files)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push((slash_path(relative), Bytes::from(std::fs::read(&path)?)));
        }
    }
    Ok(())
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
