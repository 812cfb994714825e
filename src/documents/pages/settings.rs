//! `/documents/settings` (administrators): the largest file the
//! association accepts, in megabytes, up to the platform's ceiling; left
//! empty, the platform's default applies.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Errors, Refused, actor, render};
use crate::auth::{Admin, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::documents::{DocumentError, Documents, manage, store};
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const TEMPLATE: &str = "documents/settings.html";
const MIB: u64 = 1024 * 1024;

#[derive(Serialize)]
struct SettingsPage {
    max_upload_mb: String,
    default_mb: u64,
    ceiling_mb: u64,
    errors: Errors,
    csrf_token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    max_upload_mb: String,
}

fn page(documents: &Documents, typed: String, errors: Errors, auth: &RequestAuth) -> SettingsPage {
    let config = documents.config();
    SettingsPage {
        max_upload_mb: typed,
        default_mb: config.max_upload_bytes / MIB,
        ceiling_mb: config.max_upload_bytes_ceiling / MIB,
        errors,
        csrf_token: auth.csrf.value().to_owned(),
    }
}

/// `GET /documents/settings`.
pub async fn form(
    _: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(documents): State<Documents>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let own = store::upload_limit(&mut tx).await?;
    let typed = own
        .map(|bytes| (bytes.max(0) as u64 / MIB).to_string())
        .unwrap_or_default();
    let page = page(&documents, typed, Errors::new(), &auth);
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

/// `POST /documents/settings`.
pub async fn save(
    guard: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(documents): State<Documents>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let by = actor(guard.principal(), &auth);
    let saved = async {
        let megabytes = parse_megabytes(&documents, &form.max_upload_mb)?;
        manage::set_limit(&documents, &mut tx, megabytes, by).await
    };
    let refused = match saved.await {
        Ok(()) => {
            let flash = Flash::new(FlashKind::Success, "documents-flash-settings-saved");
            return Ok(redirect_with("/documents/settings", Some(flash)));
        }
        Err(refused) => Refused::of(refused)?,
    };
    let page = page(&documents, form.max_upload_mb, refused.errors, &auth);
    render(&themes, &tx, &view, TEMPLATE, refused.status, &page).await
}

/// Whole megabytes, or nothing (the platform's default).
fn parse_megabytes(documents: &Documents, typed: &str) -> Result<Option<u64>, DocumentError> {
    let ceiling_mb = documents.config().max_upload_bytes_ceiling / MIB;
    match typed.trim() {
        "" => Ok(None),
        typed => typed
            .parse::<u64>()
            .map(Some)
            .map_err(|_| DocumentError::Limit { ceiling_mb }),
    }
}
