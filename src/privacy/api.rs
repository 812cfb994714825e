//! `/api/v1/me/consents…`, `/api/v1/me/directory`, `/api/v1/directory` and
//! `/api/v1/privacy/register`: a person's consents and directory listing,
//! the directory members see, and the administrator's register.

use axum::Json;
use axum::extract::Path;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::consents::{self, Consent, Purpose, Source};
use super::directory::{self, Field, Listing};
use super::register::{Basis, Processing, REGISTER};
use crate::accounts::store;
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::Admin;
use crate::auth::scoped::{Allowed, MembersRead, Person};
use crate::db::TenantTx;
use crate::error::AppError;

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

#[derive(OpenApi)]
#[openapi(
    paths(mine, grant, withdraw, choose_fields, list, register),
    components(schemas(MyPrivacy, Consent, Purpose, Source, DirectoryBody, Field, Listing,
                       Processing, Basis)),
    tags((name = "privacy", description = "Personal data: a member's consents (newsletter, directory, photos) \
          with the wording and dates kept, the member directory (opted-in members, chosen fields only, \
          members only) and the administrator's processing register.")),
)]
pub struct Doc;
