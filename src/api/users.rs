//! `/api/v1/users`: the member directory for staff (editors and above, or
//! an API key with `members:read`), and role and status changes for admins
//! (`members:write`). A change ends the person's sessions and tokens and
//! is audited in the same transaction; the last active admin stays one.
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::json::{ApiJson, ApiQuery};
use super::profile::UserView;
use crate::accounts::{Status, store};
use crate::audit::{self, Entry};
use crate::auth::scoped::{Allowed, MembersRead, MembersWrite};
use crate::auth::{Admin, Editor, RequestAuth, Role, refresh, session};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Part of an email address or a name (case-insensitive).
    pub q: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    /// 1 to 100 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserView>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// `member`, `editor`, `treasurer` or `admin`.
    pub role: Option<String>,
    /// `active` or `deactivated` (approving a pending account makes it active).
    pub status: Option<String>,
}

#[utoipa::path(operation_id = "users_list", get, path = "/api/v1/users", tag = "users", params(ListQuery),
    security(("bearer" = []), ("api_key" = ["members:read"])),
    responses((status = 200, body = UserPage), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Editor, MembersRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<UserPage>, AppError> {
    let role = parsed::<Role>(query.role.as_deref(), "role")?;
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(Status::parse(text).ok_or(AppError::Unprocessable(
            "status must be pending, invited, active or deactivated".into(),
        ))?),
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 100);
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let search: Option<String> = search.map(|q| q.chars().take(100).collect());
    let ids = sqlx::query_scalar!(
        "SELECT id FROM accounts
         WHERE ($1::text IS NULL OR strpos(lower(email), lower($1)) > 0
                                 OR strpos(lower(display_name), lower($1)) > 0)
           AND ($2::text IS NULL OR role = $2)
           AND ($3::text IS NULL OR status = $3)
           AND ($4::bigint IS NULL OR id > $4)
         ORDER BY id LIMIT $5",
        search,
        role.map(Role::as_str),
        status.map(Status::as_str),
        query.cursor,
        limit + 1,
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let more = ids.len() as i64 > limit;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids.into_iter().take(limit as usize) {
        if let Some(account) = store::find(&mut tx, id).await? {
            items.push(UserView::from(account));
        }
    }
    let next_cursor = more.then(|| items.last().map(|u| u.id)).flatten();
    Ok(Json(UserPage { items, next_cursor }))
}

#[utoipa::path(operation_id = "users_show", get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["members:read"])),
    responses((status = 200, body = UserView), (status = 403), (status = 404)))]
pub async fn show(
    _: Allowed<Editor, MembersRead>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<UserView>, AppError> {
    let account = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(account.into()))
}

#[utoipa::path(operation_id = "users_update", patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)), request_body = UserChange,
    security(("bearer" = []), ("api_key" = ["members:write"])),
    responses((status = 200, body = UserView), (status = 403), (status = 404),
              (status = 409, description = "The last active admin"), (status = 422)))]
pub async fn update(
    guard: Allowed<Admin, MembersWrite>,
    context: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(change): ApiJson<UserChange>,
) -> Result<Json<UserView>, AppError> {
    let role = parsed::<Role>(change.role.as_deref(), "role")?;
    let status = match change.status.as_deref() {
        None => None,
        Some("active") => Some(Status::Active),
        Some("deactivated") => Some(Status::Deactivated),
        Some(_) => {
            return Err(AppError::Unprocessable(
                "status must be active or deactivated".into(),
            ));
        }
    };
    // Admin rows are locked first: two admins demoting each other at once
    // cannot both pass the last-admin check.
    let admins = lock_active_admins(&mut tx).await?;
    let account = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let new_role = role.unwrap_or(account.role);
    let new_status = status.unwrap_or(account.status);
    let stays_admin = new_role == Role::Admin && new_status == Status::Active;
    if admins.contains(&id) && admins.len() <= 1 && !stays_admin {
        return Err(AppError::Conflict(
            "this is the last active admin: make someone else admin first".into(),
        ));
    }
    let actor = guard.principal().account_id;
    let mut changed = false;
    if new_role != account.role {
        store::set_role(&mut tx, id, new_role).await?;
        let detail = json!({ "from": account.role.as_str(), "to": new_role.as_str() });
        record(&mut tx, &context, actor, id, "role.changed", detail).await?;
        changed = true;
    }
    if new_status != account.status {
        store::set_status(&mut tx, id, new_status).await?;
        let detail = json!({ "from": account.status.as_str(), "to": new_status.as_str() });
        record(&mut tx, &context, actor, id, "status.changed", detail).await?;
        changed = true;
    }
    if changed {
        // Sessions and tokens carry the old role: end them all.
        session::end_all(&mut tx, id, None).await?;
        refresh::revoke_all_for(&mut tx, id).await?;
    }
    let account = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(account.into()))
}

async fn lock_active_admins(tx: &mut TenantTx) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM accounts WHERE role = 'admin' AND status = 'active' FOR UPDATE"
    )
    .fetch_all(tx.conn().await?)
    .await
}

async fn record(
    tx: &mut TenantTx,
    context: &RequestAuth,
    actor: i64,
    subject: i64,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let entry = Entry::new(action)
        .by(actor)
        .on(subject)
        .from(context.client_ip)
        .with(detail);
    audit::record(tx, entry).await
}

fn parsed<T: std::str::FromStr>(text: Option<&str>, field: &str) -> Result<Option<T>, AppError> {
    text.map(|t| {
        t.parse()
            .map_err(|_| AppError::Unprocessable(format!("unknown {field}").into()))
    })
    .transpose()
}
