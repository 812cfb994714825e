//! The documents' pages, server-rendered and usable without JavaScript:
//! browsing folders ([`browse`]), one document ([`document`]), uploading
//! from a file or a phone's camera ([`upload`]), and the upload limit
//! ([`settings`]). Everyone browses what their role allows; staff see the
//! forms that manage folders and documents on the same pages. Refusals
//! are shown next to the field, with what was typed kept.

pub mod browse;
pub mod document;
pub mod settings;
pub mod upload;

use std::collections::{BTreeMap, HashMap};

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::error::DocumentError;
use super::model::{Document, Folder, Reader, Visibility};
use super::service::Actor;
use crate::auth::{Principal, RequestAuth};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

/// Form errors: field name → message key (what `field_error` reads).
pub type Errors = BTreeMap<&'static str, &'static str>;

/// A document as the lists show it.
#[derive(Debug, Serialize)]
pub struct DocumentRow {
    pub id: i64,
    pub name: String,
    /// `documents-kind-…`: a translated name of the file's kind.
    pub kind: &'static str,
    pub size: String,
    pub visibility: Visibility,
    pub updated_at: DateTime<Utc>,
}

impl DocumentRow {
    pub fn of(document: &Document, locale: &str) -> Self {
        Self {
            id: document.id,
            name: document.name.clone(),
            kind: kind_key(&document.content_type),
            size: size_label(document.size_bytes, locale),
            visibility: document.visibility,
            updated_at: document.updated_at,
        }
    }
}

/// An option of a `<select>`.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// A link of the breadcrumbs.
#[derive(Debug, Serialize)]
pub struct Crumb {
    pub id: i64,
    pub name: String,
}

pub fn kind_key(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "documents-kind-pdf",
        "image/jpeg" | "image/png" => "documents-kind-image",
        "text/plain" => "documents-kind-text",
        "text/csv" => "documents-kind-csv",
        t if t.contains("wordprocessingml") || t.ends_with("opendocument.text") => {
            "documents-kind-text-document"
        }
        _ => "documents-kind-spreadsheet",
    }
}

/// `1.5 MB` / `1,5 Mo`: sizes as people read them.
pub fn size_label(bytes: i64, locale: &str) -> String {
    let french = locale.starts_with("fr");
    let units: [&str; 4] = match french {
        true => ["o", "Ko", "Mo", "Go"],
        false => ["B", "KB", "MB", "GB"],
    };
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    let unit_name = units.get(unit).copied().unwrap_or("B");
    let text = match unit {
        0 => format!("{value:.0}"),
        _ if value >= 10.0 => format!("{value:.0}"),
        _ => format!("{value:.1}"),
    };
    let text = match french {
        true => text.replace('.', ","),
        false => text,
    };
    format!("{text}\u{a0}{unit_name}")
}

/// Every folder as `Top › Inner › Folder`, sorted, leaving out `skip` and
/// what it holds (a folder cannot move into itself); the top comes first,
/// with an empty value and label (the template names it).
pub fn folder_choices(all: &[Folder], skip: Option<i64>) -> Vec<Choice> {
    let parents: HashMap<i64, Option<i64>> = all.iter().map(|f| (f.id, f.parent_id)).collect();
    let names: HashMap<i64, &str> = all.iter().map(|f| (f.id, f.name.as_str())).collect();
    let mut choices: Vec<Choice> = all
        .iter()
        .filter_map(|folder| {
            let mut chain = vec![folder.id];
            let mut at = folder.parent_id;
            while let Some(id) = at.filter(|_| chain.len() < 64) {
                chain.push(id);
                at = parents.get(&id).copied().flatten();
            }
            if skip.is_some_and(|skip| chain.contains(&skip)) {
                return None;
            }
            let label: Vec<&str> = chain
                .iter()
                .rev()
                .filter_map(|id| names.get(id).copied())
                .collect();
            Some(Choice {
                value: folder.id.to_string(),
                label: label.join(" › "),
            })
        })
        .collect();
    choices.sort_by_key(|c| c.label.to_lowercase());
    choices.insert(
        0,
        Choice {
            value: String::new(),
            label: String::new(),
        },
    );
    choices
}

/// The visibility options, translated by the template.
pub fn visibility_choices() -> Vec<&'static str> {
    Visibility::ALL.iter().map(|v| v.as_str()).collect()
}

/// `""` is the top; anything else must be a folder id.
pub fn parse_folder(raw: &str) -> Result<Option<i64>, DocumentError> {
    match raw.trim() {
        "" => Ok(None),
        id => id
            .parse()
            .map(Some)
            .map_err(|_| DocumentError::NoSuchFolder),
    }
}

pub fn parse_visibility(raw: &str) -> Result<Visibility, DocumentError> {
    Visibility::parse(raw.trim()).ok_or(DocumentError::Visibility)
}

pub fn reader(principal: Option<&Principal>) -> Reader {
    Reader::of(principal)
}

pub fn actor(principal: &Principal, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: principal.account_id,
        ip: auth.client_ip,
    }
}

/// A refused form: its errors and status. Ours (a database or storage
/// failure) and a vanished target are raised instead (5xx, 404).
pub struct Refused {
    pub errors: Errors,
    pub status: StatusCode,
}

impl Refused {
    pub fn of(error: DocumentError) -> Result<Self, AppError> {
        if !error.is_client_error() || matches!(error, DocumentError::NotFound) {
            return Err(error.into());
        }
        Ok(Self {
            errors: Errors::from([(error.field(), error.key())]),
            status: error.status(),
        })
    }
}

/// Renders `template` with `status` (a refused form's, or 200).
pub async fn render<T: Serialize>(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    template: &str,
    status: StatusCode,
    page: &T,
) -> Result<Response, AppError> {
    Ok(themes
        .private_page(tx, view, template, status, page)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally_in_both_languages() {
        assert_eq!(size_label(512, "en"), "512\u{a0}B");
        assert_eq!(size_label(1536, "fr"), "1,5\u{a0}Ko");
        assert_eq!(size_label(25 * 1024 * 1024, "en"), "25\u{a0}MB");
    }

    #[test]
    fn a_folder_cannot_be_offered_as_its_own_place() {
        let at = chrono::Utc::now();
        let folder = |id, parent_id, name: &str| Folder {
            id,
            parent_id,
            name: name.into(),
            created_at: at,
            updated_at: at,
        };
        let all = [
            folder(1, None, "AG"),
            folder(2, Some(1), "2026"),
            folder(3, None, "Bureau"),
        ];
        let labels = |skip| -> Vec<String> {
            folder_choices(&all, skip)
                .into_iter()
                .map(|c| c.label)
                .collect()
        };
        assert_eq!(labels(None), ["", "AG", "AG › 2026", "Bureau"]);
        assert_eq!(labels(Some(1)), ["", "Bureau"]);
    }
}
