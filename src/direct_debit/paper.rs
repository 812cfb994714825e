//! Mandates signed on paper: the treasurer copies the form's fields and
//! uploads its scan (PDF, JPEG or PNG, recognised by their first bytes,
//! never by the name given), which is stored under the tenant's own prefix
//! and kept with the mandate; the bank may ask for it. The request's
//! transaction is given back before the upload is read, so a slow upload
//! holds no database connection; a mandate refused after its scan was
//! stored has the scan removed.

use std::collections::HashMap;

use axum::extract::Multipart;
use chrono::NaiveDate;

use super::mandates::{self, Kind, Mandate, NewMandate};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::model::Email;
use crate::storage::{Storage, StorageError};

/// A paper mandate refused (a field, the scan), or the store failing.
#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

impl From<sqlx::Error> for PaperError {
    fn from(error: sqlx::Error) -> Self {
        Self::Refused(Refusal::Database(error))
    }
}

impl From<PaperError> for AppError {
    fn from(error: PaperError) -> Self {
        match error {
            PaperError::Refused(refusal) => refusal.into(),
            PaperError::Storage(error) => AppError::Internal(error.to_string().into()),
        }
    }
}

/// The largest scan kept.
pub const SCAN_LIMIT: usize = 10 * 1024 * 1024;

/// What a paper form's upload holds: its fields and the scan.
#[derive(Debug, Default)]
pub struct PaperForm {
    pub fields: HashMap<String, String>,
    pub scan: Option<Vec<u8>>,
}

impl PaperForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    /// The member: `account_id`, or on the page their address
    /// (`member_email`).
    async fn member(&self, tx: &mut TenantTx) -> Result<i64, Refusal> {
        let unknown = || Refusal::invalid("account_id", "account", "no such member");
        let id = match self.field("account_id").trim() {
            "" => {
                let email =
                    Email::parse(self.field("member_email").trim()).map_err(|_| unknown())?;
                let found = crate::accounts::store::find_by_email(tx, &email).await?;
                found.ok_or_else(unknown)?.id
            }
            given => given.parse::<i64>().map_err(|_| unknown())?,
        };
        match crate::accounts::store::find(tx, id).await? {
            Some(_) => Ok(id),
            None => Err(unknown()),
        }
    }

    fn mandate(&self) -> Result<(NewMandate, NaiveDate), Refusal> {
        let kind = self
            .field("kind")
            .parse::<Kind>()
            .map_err(|_| Refusal::invalid("kind", "kind", "recurrent or one-off"))?;
        let signed_on = self
            .field("signed_on")
            .trim()
            .parse::<NaiveDate>()
            .map_err(|_| Refusal::invalid("signed_on", "date", "the date on the form"))?;
        let bic = Some(self.field("bic").to_owned()).filter(|b| !b.trim().is_empty());
        let new = NewMandate {
            kind,
            debtor_name: self.field("debtor_name").to_owned(),
            street: self.field("street").to_owned(),
            building: self.field("building").to_owned(),
            post_code: self.field("post_code").to_owned(),
            town: self.field("town").to_owned(),
            country: self.field("country").to_owned(),
            iban: self.field("iban").to_owned(),
            bic,
            signed_place: self.field("signed_place").to_owned(),
        };
        Ok((new.checked()?, signed_on))
    }
}

/// Reads the upload: text fields, and the scan in `file`.
pub async fn read(multipart: &mut Multipart) -> Result<PaperForm, Refusal> {
    let unreadable = || Refusal::invalid("file", "upload", "the upload could not be read");
    let mut form = PaperForm::default();
    while let Some(mut field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        let limit = if name == "file" { SCAN_LIMIT } else { 4096 };
        while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
            if bytes.len() + chunk.len() > limit {
                return Err(Refusal::invalid("file", "too-large", "at most 10 MB"));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "file" {
            form.scan = Some(bytes).filter(|b| !b.is_empty());
        } else {
            form.fields
                .insert(name, String::from_utf8(bytes).map_err(|_| unreadable())?);
        }
    }
    Ok(form)
}

/// The scan's kind from its first bytes: (extension, media type).
pub fn kind_of(scan: &[u8]) -> Option<(&'static str, &'static str)> {
    if scan.starts_with(b"%PDF-") {
        Some(("pdf", "application/pdf"))
    } else if scan.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("jpg", "image/jpeg"))
    } else if scan.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("png", "image/png"))
    } else {
        None
    }
}

/// Checks the form, stores the scan, records the mandate in `tx`.
pub async fn record(
    storage: &Storage,
    tx: &mut TenantTx,
    form: &PaperForm,
    by: i64,
) -> Result<Mandate, PaperError> {
    let (new, signed_on) = form.mandate()?;
    let account_id = form.member(tx).await?;
    let scan = form
        .scan
        .as_deref()
        .ok_or_else(|| Refusal::invalid("file", "no-file", "attach the signed form's scan"))?;
    let (extension, _) = kind_of(scan)
        .ok_or_else(|| Refusal::invalid("file", "file-kind", "a PDF, JPEG or PNG scan"))?;
    let key = format!("direct-debit/mandates/{}.{extension}", uuid::Uuid::new_v4());
    let tenant = tx.tenant().id;
    storage.put(tenant, &key, scan).await?;
    let locale = tx.tenant().locale.chars().take(2).collect::<String>();
    let locale = if locale == "fr" { "fr" } else { "en" };
    match mandates::record_paper(tx, account_id, &new, signed_on, key.clone(), locale, by).await {
        Ok(mandate) => Ok(mandate),
        Err(refusal) => {
            // Best effort: a scan nothing points to is only wasted space.
            let _ = storage.delete(tenant, &key).await;
            Err(refusal.into())
        }
    }
}

/// A paper mandate's scan: (bytes, media type).
pub async fn scan(
    storage: &Storage,
    tx: &mut TenantTx,
    mandate_id: i64,
) -> Result<(Vec<u8>, &'static str), PaperError> {
    let mandate = mandates::find(tx, mandate_id)
        .await?
        .ok_or(Refusal::NotFound("mandate"))?;
    let key = mandates::paper_key(tx, mandate.id)
        .await?
        .ok_or(Refusal::NotFound("scan"))?;
    let bytes = storage
        .get(tx.tenant().id, &key)
        .await?
        .ok_or(Refusal::NotFound("scan"))?;
    let media = kind_of(&bytes).map_or("application/octet-stream", |(_, media)| media);
    Ok((bytes, media))
}
