//! `/dashboard/accounting`: the treasurer sets the chart of accounts (each
//! plan's revenue account among them) and downloads the journal of a
//! period as FEC, CSV or XLSX (`/dashboard/accounting/export`).

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

use super::chart::{self, Chart};
use super::export::{self, ExportQuery};
use crate::api::json::ApiQuery;
use crate::audit::{self, Entry};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::plans::{self, PlanFilter};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};

const TEMPLATE: &str = "reports/accounting.html";

#[derive(Serialize)]
struct PlanAccount {
    id: i64,
    name: String,
    account: String,
}

#[derive(Serialize)]
struct AccountingPage {
    /// The SIREN as typed (empty when unset).
    siren: String,
    chart: Chart,
    plans: Vec<PlanAccount>,
    from: String,
    to: String,
    /// A refused field and its message key (or the store's message).
    error_field: String,
    error_key: String,
    error_text: String,
    csrf_token: String,
}

async fn page(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    chart: Chart,
    query: &ExportQuery,
) -> Result<AccountingPage, AppError> {
    let plans = plans::list(tx, PlanFilter::default())
        .await?
        .into_iter()
        .map(|p| PlanAccount {
            account: chart.plan_accounts.get(&p.id).cloned().unwrap_or_default(),
            id: p.id,
            name: p.name,
        })
        .collect();
    Ok(AccountingPage {
        siren: chart.siren.clone().unwrap_or_default(),
        chart,
        plans,
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        error_field: String::new(),
        error_key: String::new(),
        error_text: String::new(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /dashboard/accounting`.
pub async fn show(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let chart = chart::load(&mut tx).await?;
    let data = page(&mut tx, &auth, chart, &ExportQuery::default()).await?;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, StatusCode::OK, &data)
        .await?)
}

/// `POST /dashboard/accounting`: the chart, checked before anything is
/// written.
pub async fn save(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let submitted = chart_of(&fields);
    let refusal = match submitted.clone().checked() {
        Ok(chart) => match chart::save(&mut tx, &chart).await {
            Ok(()) => {
                let entry = Entry::new("reporting.accounting.chart")
                    .by(guard.principal().account_id)
                    .from(auth.client_ip)
                    .with(json!({ "plans": chart.plan_accounts.len() }));
                audit::record(&mut tx, entry).await?;
                let flash = Flash::new(FlashKind::Success, "flash-saved");
                return Ok(redirect_with("/dashboard/accounting", Some(flash)));
            }
            Err(crate::error::Refusal::Database(error)) => return Err(error.into()),
            Err(refusal) => refusal,
        },
        Err(refusal) => refusal,
    };
    let mut data = page(&mut tx, &auth, submitted, &ExportQuery::default()).await?;
    data.error_field = refusal.field().unwrap_or("siren").to_owned();
    data.error_text = refusal.to_string();
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, status, &data)
        .await?)
}

/// `GET /dashboard/accounting/export`: the file, or the page with the
/// refused field.
pub async fn export(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, AppError> {
    match export::export(&themes, &view, &mut tx, &query).await? {
        Ok(file) => Ok(file),
        Err(bad) => {
            let chart = chart::load(&mut tx).await?;
            let mut data = page(&mut tx, &auth, chart, &query).await?;
            data.error_field = bad.field.to_owned();
            data.error_key = bad.key.to_owned();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(themes
                .private_page(&tx, &view, TEMPLATE, status, &data)
                .await?)
        }
    }
}

/// The chart as the form sends it: `plan_<id>` fields are plan accounts.
fn chart_of(fields: &[(String, String)]) -> Chart {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let plan_accounts: HashMap<i64, String> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("plan_")?.parse().ok()?, v.clone())))
        .collect();
    Chart {
        siren: Some(field("siren")),
        bank_journal: field("bank_journal"),
        cash_journal: field("cash_journal"),
        bank_account: field("bank_account"),
        cash_account: field("cash_account"),
        cheque_account: field("cheque_account"),
        dues_account: field("dues_account"),
        unallocated_account: field("unallocated_account"),
        plan_accounts,
    }
}
