//! The staff pages that only read: the landing page, the directory and a
//! member's page (editors and above; the forms on it are shown to admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::directory::{self, Listed, Search};
use super::{Choice, page, role_choices};
use crate::accounts::model::{Account, Status};
use crate::accounts::store;
use crate::audit::{self, Filter};
use crate::auth::{Editor, RequestAuth, RequireRole, Role};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};

#[derive(Serialize)]
struct IndexPage {
    is_admin: bool,
    /// Treasurers and admins get the treasury link.
    is_treasurer: bool,
}

/// `GET /staff/`: links to the staff pages.
pub async fn index(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let data = IndexPage {
        is_admin: guard.principal().role == Role::Admin,
        is_treasurer: guard.principal().role >= Role::Treasurer,
    };
    page(
        &themes,
        &tx,
        &view,
        "staff/index.html",
        StatusCode::OK,
        &data,
    )
    .await
}

#[derive(Serialize)]
struct DirectoryPage {
    search: Search,
    members: Vec<Listed>,
    total: i64,
    pages: i64,
    /// The query string without `page=`, for the page links.
    base_query: String,
    roles: Vec<Choice>,
    statuses: Vec<&'static str>,
    is_admin: bool,
}

/// `GET /staff/members/?q=&role=&status=&page=`.
pub async fn directory(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    Query(query): Query<directory::Query>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let search = Search::from(&query);
    let (members, total) = directory::search(&mut tx, &search).await?;
    let data = DirectoryPage {
        base_query: base_query(&search),
        pages: (total + search.per - 1) / search.per,
        search,
        members,
        total,
        roles: role_choices(),
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        is_admin: guard.principal().role == Role::Admin,
    };
    page(
        &themes,
        &tx,
        &view,
        "staff/members.html",
        StatusCode::OK,
        &data,
    )
    .await
}

fn base_query(search: &Search) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !search.q.is_empty() {
        query.append_pair("q", &search.q);
    }
    if let Some(role) = search.role {
        query.append_pair("role", role.as_str());
    }
    if let Some(status) = search.status {
        query.append_pair("status", status.as_str());
    }
    if search.per != directory::PAGE_SIZE {
        query.append_pair("per", &search.per.to_string());
    }
    query.finish()
}

/// An audit entry with names instead of ids.
#[derive(Serialize)]
pub(super) struct AuditLine {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub subject_id: Option<i64>,
    pub ip: Option<String>,
    pub detail: String,
}

/// Names the actors and subjects of `records` (one query).
pub(super) async fn audit_lines(
    tx: &mut TenantTx,
    records: Vec<audit::Record>,
) -> Result<Vec<AuditLine>, sqlx::Error> {
    let mut ids: Vec<i64> = records
        .iter()
        .flat_map(|r| [r.actor_id, r.subject_id])
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = directory::names(tx, &ids).await?;
    let name = |id: Option<i64>| id.map(|id| names.get(&id).cloned().unwrap_or(format!("#{id}")));
    Ok(records
        .into_iter()
        .map(|r| AuditLine {
            actor: name(r.actor_id),
            subject: name(r.subject_id),
            subject_id: r.subject_id,
            detail: match &r.detail {
                serde_json::Value::Object(map) if map.is_empty() => String::new(),
                other => other.to_string(),
            },
            id: r.id,
            at: r.at,
            action: r.action,
            ip: r.ip,
        })
        .collect())
}

#[derive(Serialize)]
struct MemberPage {
    account: Account,
    history: Vec<AuditLine>,
    roles: Vec<Choice>,
    is_admin: bool,
    is_self: bool,
    csrf_token: String,
}

/// `GET /staff/members/{id}`: who they are, their role and status, 2FA,
/// what happened to them lately; for admins, the forms that change them.
pub async fn member(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let filter = Filter {
        account: Some(id),
        limit: 10,
        ..Filter::default()
    };
    let records = audit::list(&mut tx, &filter).await?;
    let principal = guard.principal();
    let data = MemberPage {
        history: audit_lines(&mut tx, records).await?,
        account,
        roles: role_choices(),
        is_admin: principal.role == Role::Admin,
        is_self: principal.account_id == id,
        csrf_token: auth.csrf.value().to_owned(),
    };
    page(
        &themes,
        &tx,
        &view,
        "staff/member.html",
        StatusCode::OK,
        &data,
    )
    .await
}
