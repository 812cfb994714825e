//! API keys through the API: admins list, create (the key is in the answer,
//! once) and revoke them. Keys themselves cannot manage keys: a leaked key
//! must not be able to mint another. The staff page is `keys_page`.
use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::audit::{self, Entry};
use crate::auth::api_keys::{self, ApiKey};
use crate::auth::scoped::Person;
use crate::auth::{Principal, RequestAuth, Role, Scope};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    /// What the key is for (1 to 100 characters).
    pub name: String,
    /// E.g. `members:read`, `announcements:write`, `*:read`.
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    pub id: i64,
    /// The key: shown now and never again.
    pub key: String,
}

/// An admin signed in as a person (not through a key).
fn admin(Person(me): Person) -> Result<Principal, AppError> {
    if me.role < Role::Admin {
        return Err(AppError::Forbidden("this needs the admin role".into()));
    }
    Ok(me)
}

/// Checks a key's name and scopes.
pub fn validated(name: &str, scopes: &[String]) -> Result<(String, Vec<Scope>), AppError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 100
        || name.chars().any(crate::model::is_hidden_or_control)
    {
        return Err(AppError::Unprocessable(
            "name must be 1 to 100 printable characters".into(),
        ));
    }
    if scopes.is_empty() || scopes.len() > 20 {
        return Err(AppError::Unprocessable("give 1 to 20 scopes".into()));
    }
    let scopes = scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::Unprocessable(e.to_string().into()))?;
    Ok((name.to_owned(), scopes))
}

/// Creates a key and audits it, in the caller's transaction.
pub async fn create(
    tx: &mut TenantTx,
    context: &RequestAuth,
    admin_id: i64,
    name: &str,
    scopes: &[Scope],
) -> Result<(i64, String), AppError> {
    let (id, key) = api_keys::create(tx, admin_id, name, scopes).await?;
    let scopes: Vec<String> = scopes.iter().map(Scope::to_string).collect();
    let entry = Entry::new("apikey.created")
        .by(admin_id)
        .from(context.client_ip)
        .with(json!({ "key_id": id, "name": name, "scopes": scopes }));
    audit::record(tx, entry).await?;
    Ok((id, key))
}

/// Revokes a key and audits it; `NotFound` if there is no live key `id`.
pub async fn revoke(
    tx: &mut TenantTx,
    context: &RequestAuth,
    admin_id: i64,
    id: i64,
) -> Result<(), AppError> {
    if !api_keys::revoke(tx, id).await? {
        return Err(AppError::NotFound);
    }
    let entry = Entry::new("apikey.revoked")
        .by(admin_id)
        .from(context.client_ip)
        .with(json!({ "key_id": id }));
    audit::record(tx, entry).await?;
    Ok(())
}

#[utoipa::path(operation_id = "keys_list", get, path = "/api/v1/api-keys", tag = "api-keys",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiKey>), (status = 403)))]
pub async fn list(person: Person, mut tx: TenantTx) -> Result<Json<Vec<ApiKey>>, AppError> {
    admin(person)?;
    Ok(Json(api_keys::list(&mut tx).await?))
}

#[utoipa::path(operation_id = "keys_create_key", post, path = "/api/v1/api-keys", tag = "api-keys",
    security(("bearer" = [])), request_body = NewKey,
    responses((status = 201, body = CreatedKey), (status = 403), (status = 422)))]
pub async fn create_key(
    person: Person,
    context: RequestAuth,
    mut tx: TenantTx,
    ApiJson(new): ApiJson<NewKey>,
) -> Result<(StatusCode, Json<CreatedKey>), AppError> {
    let me = admin(person)?;
    let (name, scopes) = validated(&new.name, &new.scopes)?;
    let (id, key) = create(&mut tx, &context, me.account_id, &name, &scopes).await?;
    Ok((StatusCode::CREATED, Json(CreatedKey { id, key })))
}

#[utoipa::path(operation_id = "keys_revoke_key", delete, path = "/api/v1/api-keys/{id}", tag = "api-keys",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn revoke_key(
    person: Person,
    context: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let me = admin(person)?;
    revoke(&mut tx, &context, me.account_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
