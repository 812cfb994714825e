//! `/documents/new`: staff upload a file, or take a photo with a phone's
//! camera (`<input capture>`), into a folder, with its visibility.
//!
//! The request's transaction only reads the limit, then goes back before
//! the body is read (a slow upload holds no database connection); the
//! upload is stored and recorded in a transaction of its own. A refusal
//! shows the form again, with its message and status, and nothing stored.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::browse::folder_path;
use super::{
    Choice, Errors, Refused, actor, folder_choices, parse_folder, parse_visibility, render,
    size_label, visibility_choices,
};
use crate::auth::{Editor, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::documents::service::{Actor, NewUpload};
use crate::documents::upload::{self, Received};
use crate::documents::{DocumentError, Documents, folders};
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;
use crate::web::flash::{Flash, FlashKind, redirect_with};

const TEMPLATE: &str = "documents/upload.html";

/// What the file inputs accept (the kinds `inspect` keeps).
const ACCEPT: &str = ".pdf,.jpg,.jpeg,.png,.webp,.txt,.csv,.docx,.xlsx,.odt,.ods,\
                      application/pdf,image/jpeg,image/png,image/webp,text/plain,text/csv";

#[derive(Serialize)]
struct UploadPage {
    values: Values,
    errors: Errors,
    folders: Vec<Choice>,
    visibilities: Vec<&'static str>,
    limit: String,
    accept: &'static str,
    csrf_token: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Values {
    #[serde(default)]
    folder: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    visibility: String,
}

async fn page(
    documents: &Documents,
    tx: &mut TenantTx,
    view: &PageView,
    auth: &RequestAuth,
    values: Values,
    errors: Errors,
) -> Result<UploadPage, AppError> {
    let limit = documents.limit(tx).await?;
    Ok(UploadPage {
        values,
        errors,
        folders: folder_choices(&folders::all(tx).await?, None),
        visibilities: visibility_choices(),
        limit: size_label(i64::try_from(limit).unwrap_or(i64::MAX), view.locale),
        accept: ACCEPT,
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /documents/new?folder=…`.
pub async fn form(
    _: RequireRole<Editor>,
    State(themes): State<Themes>,
    State(documents): State<Documents>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Query(values): Query<Values>,
) -> Result<Response, AppError> {
    let values = Values {
        visibility: "members".to_owned(),
        ..values
    };
    let page = page(&documents, &mut tx, &view, &auth, values, Errors::new()).await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

/// `POST /documents/new` (multipart: `csrf_token` first, then `folder`,
/// `name`, `visibility`, and the file in `file`).
pub async fn submit(
    guard: RequireRole<Editor>,
    State(themes): State<Themes>,
    State(documents): State<Documents>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let limit = documents.limit(&mut tx).await?;
    let mut fresh = tx.sibling();
    tx.commit().await?;
    let by = actor(guard.principal(), &auth);
    let mut received = Received::default();
    let stored = async {
        let mut multipart = multipart.map_err(|_| DocumentError::BadForm)?;
        upload::read(&mut multipart, limit, &mut received).await?;
        store(&documents, fresh.sibling(), &mut received, by).await
    };
    let refused = match stored.await {
        Ok(folder) => {
            let flash = Flash::new(FlashKind::Success, "documents-flash-uploaded");
            return Ok(redirect_with(&folder_path(folder), Some(flash)));
        }
        Err(refused) => Refused::of(refused)?,
    };
    let values = values_of(&received);
    let page = page(&documents, &mut fresh, &view, &auth, values, refused.errors).await?;
    render(&themes, &fresh, &view, TEMPLATE, refused.status, &page).await
}

fn values_of(received: &Received) -> Values {
    Values {
        folder: received.field("folder").to_owned(),
        name: received.field("name").to_owned(),
        visibility: received.field("visibility").to_owned(),
    }
}

/// Checks the form, then prepares, stores and records the file; the
/// folder it went to.
async fn store(
    documents: &Documents,
    tx: TenantTx,
    received: &mut Received,
    by: Actor,
) -> Result<Option<i64>, DocumentError> {
    let folder_id = parse_folder(received.field("folder"))?;
    let visibility = parse_visibility(received.field("visibility"))?;
    let name = received.field("name").to_owned();
    let file = received.file.take().ok_or(DocumentError::NoFile)?;
    let prepared = documents.prepare(file).await?;
    let upload = NewUpload {
        name: &name,
        folder_id,
        visibility,
    };
    documents.add(tx, &upload, prepared, by).await?;
    Ok(folder_id)
}
