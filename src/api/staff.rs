//! Admin pages of programs' credentials: `/staff/api-keys/` (list, create —
//! the key is shown once —, revoke) and `/staff/oauth-clients/` (register
//! an application with its exact redirect URIs, revoke it). Forms carry the
//! CSRF token that `auth::context` checks.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;

use super::keys;
use super::oauth::clients::{self, Client};
use crate::audit::{self, Entry};
use crate::auth::api_keys::{self, ApiKey};
use crate::auth::scope::MODULES;
use crate::auth::{Admin, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    Router::new()
        .route("/staff/api-keys/", get(keys_page).post(create_key))
        .route("/staff/api-keys/{id}/revoke", post(revoke_key))
        .route(
            "/staff/oauth-clients/",
            get(clients_page).post(register_client),
        )
        .route("/staff/oauth-clients/{id}/revoke", post(revoke_client))
}

#[derive(Serialize, Default)]
struct KeysPage {
    keys: Vec<ApiKey>,
    modules: &'static [&'static str],
    csrf_token: String,
    created_key: Option<String>,
    error: Option<String>,
}

#[derive(Serialize, Default)]
struct ClientsPage {
    clients: Vec<Client>,
    csrf_token: String,
    created_client: Option<String>,
    error: Option<String>,
}

/// The fields of a form, repeated names kept (several `scope` boxes).
fn fields(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("the form could not be read".into()))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

async fn keys_page(
    _: RequireRole<Admin>,
    context: RequestAuth,
    State(themes): State<Themes>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    render_keys(&themes, &view, &mut tx, &context, None, None).await
}

async fn render_keys(
    themes: &Themes,
    view: &PageView,
    tx: &mut TenantTx,
    context: &RequestAuth,
    created_key: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = KeysPage {
        keys: api_keys::list(tx).await?,
        modules: MODULES,
        csrf_token: context.csrf.value().to_owned(),
        created_key,
        error,
    };
    Ok(themes
        .private_page(tx, view, "staff_api_keys.html", status, &page)
        .await?)
}

async fn create_key(
    guard: RequireRole<Admin>,
    context: RequestAuth,
    State(themes): State<Themes>,
    view: PageView,
    mut tx: TenantTx,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = guard.principal();
    let form = fields(&body)?;
    let scopes: Vec<String> = form
        .iter()
        .filter(|(key, _)| key == "scope")
        .map(|(_, value)| value.clone())
        .collect();
    let (name, scopes) = match keys::validated(field(&form, "name"), &scopes) {
        Ok(valid) => valid,
        Err(error) => {
            let message = Some(error.to_string());
            return render_keys(&themes, &view, &mut tx, &context, None, message).await;
        }
    };
    let (_, key) = keys::create(&mut tx, &context, me.account_id, &name, &scopes).await?;
    render_keys(&themes, &view, &mut tx, &context, Some(key), None).await
}

async fn revoke_key(
    guard: RequireRole<Admin>,
    context: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Redirect, AppError> {
    let me = guard.principal();
    keys::revoke(&mut tx, &context, me.account_id, id).await?;
    Ok(Redirect::to("/staff/api-keys/"))
}

async fn clients_page(
    _: RequireRole<Admin>,
    context: RequestAuth,
    State(themes): State<Themes>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    render_clients(&themes, &view, &mut tx, &context, None, None).await
}

async fn render_clients(
    themes: &Themes,
    view: &PageView,
    tx: &mut TenantTx,
    context: &RequestAuth,
    created_client: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ClientsPage {
        clients: clients::list(tx).await?,
        csrf_token: context.csrf.value().to_owned(),
        created_client,
        error,
    };
    Ok(themes
        .private_page(tx, view, "staff_oauth_clients.html", status, &page)
        .await?)
}

async fn register_client(
    guard: RequireRole<Admin>,
    context: RequestAuth,
    State(themes): State<Themes>,
    view: PageView,
    mut tx: TenantTx,
    body: Bytes,
) -> Result<Response, AppError> {
    let me = guard.principal();
    let form = fields(&body)?;
    let valid = client_fields(field(&form, "name"), field(&form, "redirect_uris"));
    let (name, uris) = match valid {
        Ok(valid) => valid,
        Err(error) => {
            return render_clients(&themes, &view, &mut tx, &context, None, Some(error)).await;
        }
    };
    let client_id = clients::register(&mut tx, &name, &uris, me.account_id).await?;
    let entry = Entry::new("oauth.client_registered")
        .by(me.account_id)
        .from(context.client_ip)
        .with(json!({ "client": client_id, "name": name, "redirect_uris": uris }));
    audit::record(&mut tx, entry).await?;
    render_clients(&themes, &view, &mut tx, &context, Some(client_id), None).await
}

async fn revoke_client(
    guard: RequireRole<Admin>,
    context: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Redirect, AppError> {
    let me = guard.principal();
    if !clients::revoke(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    let entry = Entry::new("oauth.client_revoked")
        .by(me.account_id)
        .from(context.client_ip)
        .with(json!({ "id": id }));
    audit::record(&mut tx, entry).await?;
    Ok(Redirect::to("/staff/oauth-clients/"))
}

/// A name and 1 to 10 absolute redirect URIs without fragment; `http` only
/// for loopback (native apps), otherwise `https` or an app's own scheme.
pub fn client_fields(name: &str, uris: &str) -> Result<(String, Vec<String>), String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > 100
        || name.chars().any(crate::model::is_hidden_or_control)
    {
        return Err("name must be 1 to 100 printable characters".into());
    }
    let uris: Vec<String> = uris
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    if uris.is_empty() || uris.len() > 10 {
        return Err("give 1 to 10 redirect URIs, one per line".into());
    }
    for uri in &uris {
        let parsed = url::Url::parse(uri).map_err(|_| format!("not an absolute URI: {uri}"))?;
        let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        let plain_http = parsed.scheme() == "http" && !loopback;
        if parsed.fragment().is_some() || plain_http || uri.len() > 500 {
            return Err(format!("not allowed as a redirect URI: {uri}"));
        }
    }
    Ok((name.to_owned(), uris))
}
