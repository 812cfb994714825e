//! An announcement's picture, added from the editor's page (a file or a
//! phone's camera). The documents module reads the upload within the
//! association's limit, recognises it from its bytes and makes it fit to
//! keep (upright, scaled down, metadata dropped); only images pass. The
//! file is stored first, then the row names it and is committed; a failure
//! in between removes the file again, and a replaced picture's file goes
//! once the new one is committed.

use axum::extract::{Multipart, State};
use axum::response::Response;

use super::actions::{self, Actor};
use super::store;
use crate::auth::{Editor, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::documents::Documents;
use crate::documents::upload::{self, Received};
use crate::error::AppError;
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};

/// `POST /staff/announcements/{id}/image` (multipart: `csrf_token`, `file`).
pub async fn upload(
    State(documents): State<Documents>,
    guard: RequireRole<Editor>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let back = format!("/staff/announcements/{id}");
    let limit = documents.limit(&mut tx).await?;
    let mut received = Received::default();
    let prepared = match upload::read(&mut multipart, limit, &mut received).await {
        Ok(()) => match received.file {
            Some(file) => documents.prepare(file).await,
            None => Err(crate::documents::DocumentError::NoFile),
        },
        Err(refused) => Err(refused),
    };
    let tenant = tx.tenant().id;
    let key = match prepared {
        Ok(prepared) => {
            documents
                .keep_image(tenant, "announcements", prepared)
                .await
        }
        Err(refused) => Err(refused),
    };
    let key = match key {
        Ok(key) => key,
        Err(refused) if refused.is_client_error() => return Ok(refusal(&back, refused.key())),
        Err(failed) => return Err(AppError::Internal(failed.to_string().into())),
    };
    let actor = actor(&guard, &auth);
    let replaced = match replace(&mut tx, id, Some(&key), actor).await {
        Ok(replaced) => replaced,
        Err(failed) => {
            documents.forget(tenant, &key).await;
            return Err(failed);
        }
    };
    if let Err(failed) = tx.commit().await {
        documents.forget(tenant, &key).await;
        return Err(failed.into());
    }
    if let Some(old) = replaced {
        documents.forget(tenant, &old).await;
    }
    Ok(saved(&back))
}

/// `POST /staff/announcements/{id}/image/remove`.
pub async fn remove(
    State(documents): State<Documents>,
    guard: RequireRole<Editor>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let tenant = tx.tenant().id;
    let replaced = replace(&mut tx, id, None, actor(&guard, &auth)).await?;
    tx.commit().await?;
    if let Some(old) = replaced {
        documents.forget(tenant, &old).await;
    }
    Ok(saved(&format!("/staff/announcements/{id}")))
}

/// Names `key` as `id`'s picture, audited; the key it replaces, if any.
async fn replace(
    tx: &mut TenantTx,
    id: i64,
    key: Option<&str>,
    actor: Actor,
) -> Result<Option<String>, AppError> {
    let old = store::set_image(tx, id, key)
        .await?
        .ok_or(AppError::NotFound)?;
    actions::record(tx, "announcement.image", id, actor).await?;
    Ok(old)
}

fn actor(guard: &RequireRole<Editor>, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: guard.principal().account_id,
        ip: auth.client_ip,
    }
}

fn saved(to: &str) -> Response {
    redirect_with(
        to,
        Some(Flash::new(FlashKind::Success, "announcements-flash-image")),
    )
}

/// Back to the form, saying why (the documents module's message keys).
fn refusal(to: &str, key: &str) -> Response {
    redirect_with(to, Some(Flash::new(FlashKind::Error, key)))
}
