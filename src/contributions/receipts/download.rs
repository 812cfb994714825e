//! Receipt downloads: a member's own (`/membership/receipts/{id}.pdf`),
//! the treasurer's (`/treasury/receipts/{id}.pdf`) and the API's
//! (`/api/v1/receipts/{id}.pdf`: staff with role ≥ treasurer, an API key
//! holding `contributions:read`, or a member for their own).
//!
//! A receipt the asker may not read is answered like one that does not
//! exist (404), so ids of others' receipts reveal nothing. The stored
//! bytes are hashed before they leave: a file that no longer matches the
//! hash recorded on the row is never sent (logged, 500). A receipt not
//! rendered yet is rendered on the spot (see [`render::ensure`]).

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::pdf;
use super::render::{self, RenderError, Stored};
use super::source;
use crate::api::RateLimit;
use crate::auth::{Access, Principal, RequireRole, Role, Scope, SignedIn, Treasurer, Via};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Tenant;
use crate::storage::Storage;
use crate::web::extract::Path;

/// The three download routes; the API one is rate-limited like the API.
pub fn router<S>(limit: RateLimit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Storage: FromRef<S>,
{
    let api = Router::new()
        .route("/api/v1/receipts/{file}", get(api_receipt))
        .route_layer(axum::middleware::from_fn_with_state(
            limit,
            crate::api::limit::limit,
        ));
    Router::new()
        .route("/membership/receipts/{file}", get(member_receipt))
        .route("/treasury/receipts/{file}", get(treasurer_receipt))
        .merge(api)
}

/// Who may read which receipts.
enum Reader {
    /// Any receipt of the tenant.
    Staff,
    /// Receipts issued to this account or paid by it.
    Own(i64),
}

/// `GET /membership/receipts/{id}.pdf`: one's own receipt.
pub async fn member_receipt(
    SignedIn(principal): SignedIn,
    State(storage): State<Storage>,
    tx: TenantTx,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    send(tx, &storage, &file, Reader::Own(principal.account_id)).await
}

/// `GET /treasury/receipts/{id}.pdf`: any receipt, for the treasurer.
pub async fn treasurer_receipt(
    _: RequireRole<Treasurer>,
    State(storage): State<Storage>,
    tx: TenantTx,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    send(tx, &storage, &file, Reader::Staff).await
}

#[utoipa::path(operation_id = "receipts_pdf", get, path = "/api/v1/receipts/{id}.pdf",
    tag = "contributions",
    params(("id" = i64, Path, description = "The receipt's id")),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses(
        (status = 200, description = "The receipt, a PDF file", content_type = "application/pdf",
         body = String),
        (status = 401), (status = 403, description = "An API key without contributions:read"),
        (status = 404, description = "No such receipt, or not one the caller may read")))]
/// `GET /api/v1/receipts/{id}.pdf`.
pub async fn api_receipt(
    SignedIn(principal): SignedIn,
    State(storage): State<Storage>,
    tx: TenantTx,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let reader = api_reader(&principal)?;
    send(tx, &storage, &file, reader).await
}

/// Staff (role ≥ treasurer; a key also needs `contributions:read`) read
/// every receipt; other people their own; keys never act as "own".
fn api_reader(principal: &Principal) -> Result<Reader, AppError> {
    let scope = Scope::new("contributions", Access::Read);
    match &principal.via {
        Via::ApiKey { .. } if principal.role >= Role::Treasurer && principal.allows(&scope) => {
            Ok(Reader::Staff)
        }
        Via::ApiKey { .. } if !principal.allows(&scope) => Err(AppError::Forbidden(
            "this API key lacks the contributions:read scope".into(),
        )),
        Via::ApiKey { .. } => Err(AppError::Forbidden(
            "API keys read receipts for treasurers and admins only".into(),
        )),
        _ if principal.role >= Role::Treasurer => Ok(Reader::Staff),
        _ => Ok(Reader::Own(principal.account_id)),
    }
}

/// `42.pdf` → 42; anything else is no receipt.
fn receipt_id(file: &str) -> Result<i64, AppError> {
    file.strip_suffix(".pdf")
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

async fn send(
    mut tx: TenantTx,
    storage: &Storage,
    file: &str,
    reader: Reader,
) -> Result<Response, AppError> {
    let id = receipt_id(file)?;
    let row = source::stored(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Reader::Own(account) = reader
        && row.account_id != account
        && row.payer_id != account
    {
        return Err(AppError::NotFound);
    }
    // Nothing else to read here: the request's connection goes back before
    // a receipt not yet rendered is rendered.
    let tenant = tx.tenant().clone();
    let fresh = tx.sibling();
    tx.commit().await?;
    let stored = render::ensure(fresh, storage, id)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let bytes = checked_bytes(&tenant, storage, &stored).await?;
    let name = format!("recu-{}.pdf", pdf::number_text(row.year, row.number));
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// The stored bytes, only if they still hash to what the row recorded.
async fn checked_bytes(
    tenant: &Tenant,
    storage: &Storage,
    stored: &Stored,
) -> Result<Vec<u8>, AppError> {
    let bytes = storage
        .get(tenant.id, &stored.key)
        .await
        .map_err(|e| internal(e.into()))?;
    let Some(bytes) = bytes else {
        tracing::error!(tenant = %tenant.id, key = %stored.key, "stored receipt is missing");
        return Err(AppError::Internal("a stored receipt is missing".into()));
    };
    if Sha256::digest(&bytes).as_slice() != stored.sha256.as_slice() {
        tracing::error!(tenant = %tenant.id, key = %stored.key,
            "stored receipt does not match its recorded hash");
        return Err(AppError::Internal(
            "a stored receipt does not match its hash".into(),
        ));
    }
    Ok(bytes)
}

fn internal(error: RenderError) -> AppError {
    match error {
        RenderError::Database(e) => AppError::Database(e),
        other => AppError::Internal(other.to_string().into()),
    }
}
