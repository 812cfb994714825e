//! `/staff/audit/` (admins): the tenant's audit log, newest first, filtered
//! by area of action and by account, a page at a time (`before` = the id
//! of the last entry shown).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::page;
use super::pages::{AuditLine, audit_lines};
use crate::audit::{self, Filter};
use crate::auth::{Admin, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;

/// The areas the filter offers (the part of an action before its dot).
pub const AREAS: [&str; 12] = [
    "login",
    "logout",
    "role",
    "account",
    "invitation",
    "signup",
    "password",
    "email",
    "2fa",
    "session",
    "apikey",
    "settings",
];
const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    before: String,
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<AuditLine>,
    areas: [&'static str; 12],
    area: Option<&'static str>,
    account: Option<i64>,
    /// The query string of the next (older) page, if there is one.
    older: Option<String>,
}

/// `GET /staff/audit/?area=&account=&before=`; unknown values are ignored.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Admin>,
    view: PageView,
    Query(query): Query<AuditQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let area = AREAS.iter().copied().find(|a| *a == query.area);
    let account = query.account.trim().parse::<i64>().ok();
    let filter = Filter {
        action: area.map(str::to_owned),
        account,
        before: query.before.parse::<i64>().ok(),
        limit: PAGE + 1,
    };
    let mut records = audit::list(&mut tx, &filter).await?;
    let more = records.len() as i64 > PAGE;
    records.truncate(PAGE as usize);
    let older = match (more, records.last()) {
        (true, Some(last)) => Some(next_query(area, account, last.id)),
        _ => None,
    };
    let data = AuditPage {
        entries: audit_lines(&mut tx, records).await?,
        areas: AREAS,
        area,
        account,
        older,
    };
    page(
        &themes,
        &tx,
        &view,
        "staff/audit.html",
        StatusCode::OK,
        &data,
    )
    .await
}

fn next_query(area: Option<&str>, account: Option<i64>, before: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(area) = area {
        query.append_pair("area", area);
    }
    if let Some(account) = account {
        query.append_pair("account", &account.to_string());
    }
    query.append_pair("before", &before.to_string());
    query.finish()
}
