//! `DocumentError`: why an upload, a change or a deletion was refused, as
//! a form message (a translation key and the field it belongs to) for the
//! pages and an RFC 9457 problem for the API. Server-side failures become
//! `AppError`s, whose cause is logged and never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::model::NameError;
use crate::error::{AppError, Problem};
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the file is larger than this site accepts ({limit} bytes at most)")]
    TooLarge { limit: u64 },
    #[error("no file was sent (a multipart field named \"file\")")]
    NoFile,
    #[error("send one file at a time")]
    TwoFiles,
    #[error("the file is empty")]
    Empty,
    #[error(
        "this kind of file is not accepted: PDF, JPEG, PNG, WebP, plain text, CSV, \
         Word, Excel and OpenDocument files are"
    )]
    Unsupported,
    #[error("HEIC photos are not accepted; send a JPEG (most phones convert when sharing)")]
    Heic,
    #[error("the file was sent as {declared} but its content is {actual}")]
    Mismatch {
        declared: String,
        actual: &'static str,
    },
    #[error("the image could not be read (damaged, or too large once opened)")]
    Unreadable,
    #[error("the form could not be read")]
    BadForm,
    #[error("{field}: {source}")]
    Name {
        field: &'static str,
        source: NameError,
    },
    #[error("visibility must be public, members or staff")]
    Visibility,
    #[error("the upload limit must be a number of megabytes between 1 and {ceiling_mb}")]
    Limit { ceiling_mb: u64 },
    #[error("there is no such folder")]
    NoSuchFolder,
    #[error("a folder of that name is already there")]
    FolderTaken,
    #[error("a folder cannot go inside itself or one of its own folders")]
    FolderCycle,
    #[error("the folder is not empty: move or delete what it holds first")]
    FolderNotEmpty,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("file i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl DocumentError {
    /// The message shown next to the form field (a translation key).
    pub fn key(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "documents-error-too-large",
            Self::NoFile => "documents-error-no-file",
            Self::TwoFiles => "documents-error-two-files",
            Self::Empty => "documents-error-empty",
            Self::Unsupported => "documents-error-unsupported",
            Self::Heic => "documents-error-heic",
            Self::Mismatch { .. } => "documents-error-mismatch",
            Self::Unreadable => "documents-error-unreadable",
            Self::BadForm => "documents-error-bad-form",
            Self::Name { source, .. } => match source {
                NameError::Empty => "documents-error-name-empty",
                NameError::TooLong => "documents-error-name-long",
                NameError::Character => "documents-error-name-character",
            },
            Self::Visibility => "documents-error-visibility",
            Self::Limit { .. } => "documents-error-limit",
            Self::NoSuchFolder => "documents-error-no-folder",
            Self::FolderTaken => "documents-error-folder-taken",
            Self::FolderCycle => "documents-error-folder-cycle",
            Self::FolderNotEmpty => "documents-error-folder-not-empty",
            _ => "documents-error-server",
        }
    }

    /// The form field the message belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Name { field, .. } => field,
            Self::Visibility => "visibility",
            Self::Limit { .. } => "max_upload_mb",
            Self::NoSuchFolder | Self::FolderCycle => "folder",
            Self::FolderTaken | Self::FolderNotEmpty => "name",
            _ => "file",
        }
    }

    /// Whether the client can fix it (else it is ours: logged, 5xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, Self::Database(_) | Self::Storage(_) | Self::Io(_))
    }

    /// The status a refusal is answered with, on a page as in the API.
    pub fn status(&self) -> StatusCode {
        match self.is_client_error() {
            true => self.status_and_code().0,
            false => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::TooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "File too large",
            ),
            Self::Unsupported | Self::Heic => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported file type",
            ),
            Self::Mismatch { .. } => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content-type-mismatch",
                "The declared type does not match the content",
            ),
            Self::FolderTaken | Self::FolderNotEmpty => {
                (StatusCode::CONFLICT, "conflict", "Conflict")
            }
            Self::BadForm => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            _ => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "Invalid input",
            ),
        }
    }
}

impl From<DocumentError> for AppError {
    fn from(error: DocumentError) -> Self {
        match error {
            DocumentError::NotFound => AppError::NotFound,
            DocumentError::Database(e) => AppError::Database(e),
            DocumentError::Storage(e) => AppError::Internal(e.to_string().into()),
            DocumentError::Io(e) => AppError::Internal(e.to_string().into()),
            client => AppError::Unprocessable(client.to_string().into()),
        }
    }
}

/// A problem: the client's mistakes with their own status and code, ours
/// as `AppError` (logged, bland).
impl IntoResponse for DocumentError {
    fn into_response(self) -> Response {
        if !self.is_client_error() || matches!(self, Self::NotFound) {
            return AppError::from(self).into_response();
        }
        let (status, code, title) = self.status_and_code();
        Problem {
            status,
            code,
            title,
            detail: Some(self.to_string()),
            cause: None,
        }
        .into_response()
    }
}
