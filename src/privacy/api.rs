//! `/api/v1/me/consents…`, `/api/v1/me/directory`, `/api/v1/directory` and
//! `/api/v1/privacy/register`: a person's consents and directory listing,
//! the directory members see, and the administrator's register.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::consents::{self, Consent, Purpose, Source};
use super::directory::{self, Field, Listing};
use super::export::{self, Export};
use super::register::{Basis, Processing, REGISTER};
use crate::accounts::store;
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::Admin;
use crate::auth::scoped::{Allowed, MembersRead, Person};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::storage::Storage;

/// A person's consents (every record, the latest first) and what they show
/// in the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyPrivacy {
    /// The purposes whose consent holds now.
    pub live: Vec<Purpose>,
    pub history: Vec<Consent>,
    pub directory_fields: Vec<Field>,
}

pub(super) async fn my_privacy(tx: &mut TenantTx, account_id: i64) -> Result<MyPrivacy, AppError> {
    let history = consents::history(tx, account_id).await?;
    let live = history
        .iter()
        .filter(|c| c.is_live())
        .map(|c| c.purpose)
        .collect();
    Ok(MyPrivacy {
        live,
        history,
        directory_fields: directory::fields_of(tx, account_id).await?,
    })
}

fn purpose(text: &str) -> Result<Purpose, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// The language of the wording a person agrees to: theirs, else the
/// association's.
pub(super) async fn locale_of(tx: &mut TenantTx, account_id: i64) -> Result<String, AppError> {
    let account = store::find(tx, account_id).await?;
    let chosen = account.and_then(|a| a.locale);
    Ok(chosen.unwrap_or_else(|| tx.tenant().locale.clone()))
}

#[utoipa::path(operation_id = "my_consents", get, path = "/api/v1/me/consents", tag = "privacy",
    security(("bearer" = [])), responses((status = 200, body = MyPrivacy), (status = 401)))]
pub async fn mine(Person(who): Person, mut tx: TenantTx) -> Result<Json<MyPrivacy>, AppError> {
    Ok(Json(my_privacy(&mut tx, who.account_id).await?))
}

/// The language to record the wording in (`fr` or `en`; else the
/// person's, else the association's).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GrantQuery {
    #[serde(default)]
    pub locale: Option<String>,
}

#[utoipa::path(operation_id = "grant_consent", put, path = "/api/v1/me/consents/{purpose}", tag = "privacy",
    params(("purpose" = Purpose, Path), GrantQuery), security(("bearer" = [])),
    responses((status = 200, body = MyPrivacy), (status = 401), (status = 404, description = "No such purpose"), (status = 422)))]
pub async fn grant(
    Person(who): Person,
    mut tx: TenantTx,
    Path(text): Path<String>,
    ApiQuery(query): ApiQuery<GrantQuery>,
) -> Result<Json<MyPrivacy>, AppError> {
    let purpose = purpose(&text)?;
    let locale = match query.locale {
        Some(locale) if locale == "fr" || locale == "en" => locale,
        Some(_) => {
            return Err(AppError::Unprocessable("locale: fr or en".into()));
        }
        None => locale_of(&mut tx, who.account_id).await?,
    };
    consents::grant(&mut tx, who.account_id, purpose, &locale, Source::Api).await?;
    Ok(Json(my_privacy(&mut tx, who.account_id).await?))
}

#[utoipa::path(operation_id = "withdraw_consent", delete, path = "/api/v1/me/consents/{purpose}",
    tag = "privacy", params(("purpose" = Purpose, Path)), security(("bearer" = [])),
    responses((status = 200, body = MyPrivacy), (status = 401), (status = 404, description = "No such purpose")))]
pub async fn withdraw(
    Person(who): Person,
    mut tx: TenantTx,
    Path(text): Path<String>,
) -> Result<Json<MyPrivacy>, AppError> {
    let purpose = purpose(&text)?;
    consents::withdraw(&mut tx, who.account_id, purpose).await?;
    Ok(Json(my_privacy(&mut tx, who.account_id).await?))
}

/// The details to show in the directory (shown only while the
/// `directory` consent holds).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryBody {
    pub fields: Vec<Field>,
}

#[utoipa::path(operation_id = "choose_directory_fields", put, path = "/api/v1/me/directory", tag = "privacy",
    request_body = DirectoryBody, security(("bearer" = [])),
    responses((status = 200, body = MyPrivacy), (status = 401), (status = 422)))]
pub async fn choose_fields(
    Person(who): Person,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<DirectoryBody>,
) -> Result<Json<MyPrivacy>, AppError> {
    directory::choose(&mut tx, who.account_id, &body.fields).await?;
    Ok(Json(my_privacy(&mut tx, who.account_id).await?))
}

#[utoipa::path(operation_id = "directory", get, path = "/api/v1/directory", tag = "privacy",
    security(("bearer" = [])), responses((status = 200, body = [Listing]), (status = 401)))]
pub async fn list(Person(_who): Person, mut tx: TenantTx) -> Result<Json<Vec<Listing>>, AppError> {
    Ok(Json(directory::list(&mut tx).await?))
}

#[utoipa::path(operation_id = "privacy_register", get, path = "/api/v1/privacy/register", tag = "privacy",
    security(("bearer" = []), ("api_key" = ["members:read"])),
    responses((status = 200, body = [Processing]), (status = 401), (status = 403)))]
pub async fn register(_: Allowed<Admin, MembersRead>) -> Json<&'static [Processing]> {
    Json(REGISTER)
}

#[utoipa::path(operation_id = "request_export", post, path = "/api/v1/me/export", tag = "privacy",
    security(("bearer" = [])),
    responses((status = 202, body = Export, description = "Queued: a link is mailed when the archive is ready"),
              (status = 401), (status = 409, description = "Asked for less than a day ago")))]
pub async fn export(
    Person(who): Person,
    mut tx: TenantTx,
) -> Result<(StatusCode, Json<Export>), AppError> {
    let export = export::request(&mut tx, who.account_id).await?;
    Ok((StatusCode::ACCEPTED, Json(export)))
}

#[utoipa::path(operation_id = "my_exports", get, path = "/api/v1/me/exports", tag = "privacy",
    security(("bearer" = [])), responses((status = 200, body = [Export]), (status = 401)))]
pub async fn exports(Person(who): Person, mut tx: TenantTx) -> Result<Json<Vec<Export>>, AppError> {
    Ok(Json(export::list(&mut tx, who.account_id).await?))
}

#[utoipa::path(operation_id = "my_export_archive", get, path = "/api/v1/me/exports/{id}/archive",
    tag = "privacy", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/zip", description = "The archive"),
              (status = 401), (status = 404, description = "Not yours, not ready, or expired")))]
pub async fn archive(
    Person(who): Person,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let bytes = export::archive(&mut tx, &storage, who.account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(zip_response(tx.tenant().slug.as_str(), id, bytes))
}

/// The archive as a download no cache keeps.
pub(super) fn zip_response(slug: &str, id: i64, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{slug}-data-{id}.zip\"");
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

#[derive(OpenApi)]
#[openapi(
    paths(mine, grant, withdraw, choose_fields, list, register, export, exports, archive),
    components(schemas(MyPrivacy, Consent, Purpose, Source, DirectoryBody, Field, Listing,
                       Processing, Basis, Export)),
    tags((name = "privacy", description = "Personal data: a member's consents (newsletter, directory, photos) \
          with the wording and dates kept, « download all my data » (an archive built by the job queue, mailed as a link), the member directory (opted-in members, chosen fields only, \
          members only) and the administrator's processing register.")),
)]
pub struct Doc;
