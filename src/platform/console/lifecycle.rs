//! A tenant's lifecycle from the console: download its export, delete it
//! (the slug typed again to confirm; restorable until the purge), restore
//! it. All need the operator role: an export holds password hashes and
//! TOTP secrets, and support operators only read.

use std::io::SeekFrom;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::error::AppError;
use crate::model::Slug;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::platform::tenants::Tenants;
use crate::portability::{Portability, PortabilityError};
use crate::tenancy::audit::Actor;
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

fn actor(operator: &OperatorPrincipal) -> Actor {
    Actor::operator(operator.id, &operator.email, "console", operator.ip)
}

/// `GET /console/tenants/{slug}/export`: the archive, as a download.
pub async fn export(
    State(portability): State<Portability>,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    archive_response(&portability, &slug, &actor(&operator)).await
}

/// An export as a response. The archive is spooled to an unnamed temporary
/// file first and streamed from there with its length, so a slow client
/// never holds the export's snapshot and locks open.
pub async fn archive_response(
    portability: &Portability,
    slug: &str,
    actor: &Actor,
) -> Result<Response, AppError> {
    let slug = Slug::from_db(slug).map_err(|_| AppError::NotFound)?;
    let spool = tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(internal)?
        .map_err(internal)?;
    let spool = tokio::fs::File::from_std(spool);
    let (mut file, exported) = portability
        .export(&slug, spool, actor)
        .await
        .map_err(problem)?;
    file.seek(SeekFrom::Start(0)).await.map_err(internal)?;
    let chunks = futures::stream::try_unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; 64 * 1024];
        let read = file.read(&mut buffer).await?;
        buffer.truncate(read);
        Ok::<_, std::io::Error>((read > 0).then(|| (Bytes::from(buffer), file)))
    });
    let name = format!(
        "attachment; filename=\"{slug}-{}.tessera.tar\"",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-tar")
        .header(header::CONTENT_LENGTH, exported.bytes)
        .header(header::CONTENT_DISPOSITION, name)
        .header(header::CACHE_CONTROL, "no-store")
        .header("x-archive-sha256", exported.sha256)
        .body(Body::from_stream(chunks))
        .map_err(internal)
}

fn internal(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(error.to_string().into())
}

/// A portability error as the client should see it.
pub fn problem(error: PortabilityError) -> AppError {
    match error {
        PortabilityError::NotFound(_) => AppError::NotFound,
        PortabilityError::Refused(_) | PortabilityError::Archive(_) => {
            AppError::Unprocessable(error.to_string().into())
        }
        PortabilityError::Unavailable(_) => AppError::Conflict(error.to_string().into()),
        PortabilityError::Provision(error) => crate::platform::tenants::refusal(error),
        PortabilityError::Database(error) => AppError::Database(error),
        PortabilityError::Storage(_) | PortabilityError::Io(_) => internal(error),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    /// The tenant's slug, typed again.
    #[serde(default)]
    confirm: String,
}

/// `POST /console/tenants/{slug}/delete`: marks it deleted once the slug
/// was typed again; otherwise nothing happens and the form says why.
pub async fn delete(
    State(tenants): State<Tenants>,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let slug = Slug::from_db(&slug).map_err(|_| AppError::NotFound)?;
    let to = format!("/console/tenants/{slug}");
    if form.confirm.trim() != slug.as_str() {
        let flash = Flash::new(FlashKind::Error, "op-flash-delete-confirm");
        return Ok(redirect_with(&to, Some(flash)));
    }
    tenants.delete(slug.as_str(), &actor(&operator)).await?;
    let flash = Flash::new(FlashKind::Success, "op-flash-deleted");
    Ok(redirect_with(&to, Some(flash)))
}

/// `POST /console/tenants/{slug}/restore`: back from deletion, active.
pub async fn restore(
    State(tenants): State<Tenants>,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let slug = Slug::from_db(&slug).map_err(|_| AppError::NotFound)?;
    tenants.restore(slug.as_str(), &actor(&operator)).await?;
    let to = format!("/console/tenants/{slug}");
    let flash = Flash::new(FlashKind::Success, "op-flash-restored");
    Ok(redirect_with(&to, Some(flash)))
}
