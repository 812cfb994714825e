//! Theme sources: the files of one theme (`theme.toml`, `templates/`,
//! `static/`, `locales/<lang>/*.ftl`), read from a folder on disk or from the
//! copy of `themes/default/` built into the binary.

use std::collections::BTreeMap;
use std::io::{self, Read};
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
        let files = read_tree(dir, None)
            .map_err(|e| RenderError::Theme(e.to_string()))?
            .into_iter()
            .map(|(path, bytes)| (path, Bytes::from(bytes)))
            .collect();
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

/// Every file under the folder `root`, as (path relative to `root` with `/`
/// separators, content); nothing when `root` does not exist. Symbolic links
/// are refused, never followed, anywhere below `root` and as `root` itself:
/// these files are published (as static files) or rendered, so a link could
/// publish any file the server can read, and a link loop would never end.
/// Anything else that is not a plain file or folder (a FIFO would block the
/// read forever) is refused too. Each error names the path. Walks with a
/// list rather than by recursion, so the depth of the tree does not matter.
pub fn read_tree(root: &Path, max_file_bytes: Option<u64>) -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    match std::fs::symlink_metadata(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(at(root, e)),
        Ok(meta) if !meta.is_dir() => return Err(refused(root, meta.file_type())),
        Ok(_) => {}
    }
    let mut folders = vec![root.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| at(&folder, e))? {
            let entry = entry.map_err(|e| at(&folder, e))?;
            let path = entry.path();
            // `DirEntry::file_type` describes the entry itself: a link is a link.
            let kind = entry.file_type().map_err(|e| at(&path, e))?;
            if kind.is_dir() {
                folders.push(path);
            } else if kind.is_file() {
                let relative = path.strip_prefix(root).map_err(io::Error::other)?;
                files.push((slash_path(relative), read_file(&path, max_file_bytes)?));
            } else {
                return Err(refused(&path, kind));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A plain file's content, refused if larger than `max_bytes`.
fn read_file(path: &Path, max_bytes: Option<u64>) -> io::Result<Vec<u8>> {
    let limit = max_bytes.unwrap_or(u64::MAX);
    let file = std::fs::File::open(path).map_err(|e| at(path, e))?;
    let mut content = Vec::new();
    // One byte more than allowed tells a file that is too large.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(|e| at(path, e))?;
    if content.len() as u64 > limit {
        return Err(io::Error::other(format!(
            "{}: larger than {limit} bytes",
            path.display()
        )));
    }
    Ok(content)
}

fn refused(path: &Path, kind: std::fs::FileType) -> io::Error {
    let what = if kind.is_symlink() {
        "is a symbolic link, which is refused (it could publish any file the server can read)"
    } else {
        "is neither a plain file nor a folder"
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}: {what}", path.display()),
    )
}

/// `error`, with the path it happened at.
fn at(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(root: &Path, max: Option<u64>) -> String {
        read_tree(root, max)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn trees_are_read_without_following_links() -> io::Result<()> {
        let folder = tempfile::tempdir()?;
        let root = folder.path().join("static");
        std::fs::create_dir_all(root.join("img/icons"))?;
        std::fs::write(root.join("a.css"), "a")?;
        std::fs::write(root.join("img/icons/b.svg"), "bb")?;
        let paths: Vec<String> = read_tree(&root, None)?.into_iter().map(|f| f.0).collect();
        assert_eq!(paths, ["a.css", "img/icons/b.svg"]);
        assert!(read_tree(&folder.path().join("none"), None)?.is_empty());
        assert!(error(&root, Some(1)).contains("b.svg: larger than 1 bytes"));

        let secret = folder.path().join("secret");
        std::fs::write(&secret, "s")?;
        std::os::unix::fs::symlink(&secret, root.join("img/leak.txt"))?;
        let refused = error(&root, None);
        assert!(
            refused.contains("img/leak.txt: is a symbolic link, which is refused"),
            "{refused}"
        );
        std::fs::remove_file(root.join("img/leak.txt"))?;
        // A loop: followed, it would be walked forever (or until ELOOP).
        std::os::unix::fs::symlink(".", root.join("img/loop"))?;
        assert!(error(&root, None).contains("img/loop: is a symbolic link"));
        std::fs::remove_file(root.join("img/loop"))?;
        nix::unistd::mkfifo(&root.join("pipe"), nix::sys::stat::Mode::S_IRWXU)?;
        assert!(error(&root, None).contains("pipe: is neither a plain file nor a folder"));
        std::fs::remove_file(root.join("pipe"))?;
        // The root itself: a link to a folder is refused too.
        std::os::unix::fs::symlink(&root, folder.path().join("alias"))?;
        assert!(error(&folder.path().join("alias"), None).contains("alias: is a symbolic link"));
        Ok(())
    }
}
