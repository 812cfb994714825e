//! The treasurer's report pages: `/dashboard/reports/` lists the reports;
//! `/dashboard/reports/{report}` shows a form of its parameters, the
//! first rows with the totals of all of them, and the downloads (the same
//! query with `format=csv|xlsx|pdf|json`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::catalogue::{Reads, ReportKind};
use super::deliver::{deliver, total_lines};
use super::params::{Format, ReportQuery};
use super::run;
use crate::affiliation::model::LineStatus;
use crate::api::json::ApiQuery;
use crate::auth::{RequireRole, Treasurer};
use crate::contributions::model::Status;
use crate::contributions::plans::{self, PlanFilter};
use crate::contributions::{Method, PaymentStatus};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::tabular::{Column, Kind, Totals};
use crate::themes::{PageView, Themes};

/// Rows shown on the page; the downloads hold them all.
const SHOWN: usize = 200;

#[derive(Serialize)]
struct Entry {
    id: &'static str,
    title_key: String,
    description_key: String,
}

#[derive(Serialize)]
struct CataloguePage {
    reports: Vec<Entry>,
}

/// `GET /dashboard/reports/`.
pub async fn catalogue(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let reports = ReportKind::ALL
        .iter()
        .map(|kind| Entry {
            id: kind.as_str(),
            title_key: format!("report-{}", kind.as_str()),
            description_key: format!("report-{}-about", kind.as_str()),
        })
        .collect();
    let page = CataloguePage { reports };
    Ok(themes
        .private_page(&tx, &view, "reports/index.html", StatusCode::OK, &page)
        .await?)
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize, Default)]
struct ReportPage {
    id: &'static str,
    title_key: String,
    reads: Option<Reads>,
    from: String,
    to: String,
    plan_id: String,
    method: String,
    status: String,
    plans: Vec<Choice>,
    methods: Vec<Choice>,
    statuses: Vec<String>,
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    /// Alignment per column: `num` for numbers.
    classes: Vec<&'static str>,
    more: u64,
    totals: Vec<String>,
    /// The query string without `format`, for the downloads.
    query: String,
    /// A refused parameter: its field and message key.
    error_field: String,
    error_key: String,
}

/// `GET /dashboard/reports/{report}`.
pub async fn report(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    mut tx: TenantTx,
    Path(report): Path<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, AppError> {
    let kind: ReportKind = report.parse().map_err(|_| AppError::NotFound)?;
    let mut page = form(&mut tx, kind, &query).await?;
    let (params, today) = match run::check(&mut tx, kind, &query, Format::Html).await? {
        Ok(checked) => checked,
        Err(bad) => {
            page.error_field = bad.field.to_owned();
            page.error_key = bad.key.to_owned();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(themes
                .private_page(&tx, &view, "reports/report.html", status, &page)
                .await?);
        }
    };
    page.from = params.from.to_string();
    page.to = params.to.to_string();
    let mut started = run::start(&themes, &view, &tx, kind, params, today);
    if started.params.format != Format::Html {
        let run::Started {
            params,
            columns,
            feed,
            heading,
        } = started;
        return deliver(kind, &params, columns, feed, heading).await;
    }
    let mut totals = Totals::new(&started.columns);
    while let Some(row) = started.feed.next().await {
        let row = row.map_err(|e| AppError::Internal(e.0.into()))?;
        totals.add(&row);
        if page.rows.len() < SHOWN {
            page.rows
                .push(row.iter().map(|c| c.display(view.locale)).collect());
        }
    }
    page.more = totals.rows.saturating_sub(SHOWN as u64);
    page.totals = total_lines(&started.columns, &totals, &started.heading);
    page.classes = started
        .columns
        .iter()
        .map(|c| match c.kind {
            Kind::Money | Kind::Integer => "num",
            _ => "",
        })
        .collect();
    page.columns = started.columns;
    Ok(themes
        .private_page(&tx, &view, "reports/report.html", StatusCode::OK, &page)
        .await?)
}

/// The form's choices and the values typed.
async fn form(
    tx: &mut TenantTx,
    kind: ReportKind,
    query: &ReportQuery,
) -> Result<ReportPage, AppError> {
    let reads = kind.reads();
    let plans = if reads.plan {
        plans::list(tx, PlanFilter::default())
            .await?
            .into_iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: p.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let statuses: Vec<String> = match kind {
        ReportKind::Members => words(Status::ALL.iter().map(|s| s.as_str())),
        ReportKind::Payments => words(PaymentStatus::ALL.iter().map(|s| s.as_str())),
        ReportKind::Commissions => words(LineStatus::ALL.iter().map(|s| s.as_str())),
        _ => Vec::new(),
    };
    let methods = Method::ALL
        .iter()
        .filter(|_| reads.method)
        .map(|m| Choice {
            value: m.as_str().to_owned(),
            label: format!("treasury-method-{}", m.as_str()),
        })
        .collect();
    Ok(ReportPage {
        id: kind.as_str(),
        title_key: format!("report-{}", kind.as_str()),
        reads: Some(reads),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        plan_id: query.plan_id.clone().unwrap_or_default(),
        method: query.method.clone().unwrap_or_default(),
        status: query.status.clone().unwrap_or_default(),
        plans,
        methods,
        statuses,
        query: query_string(query),
        ..Default::default()
    })
}

fn words<'a>(all: impl Iterator<Item = &'a str>) -> Vec<String> {
    all.map(str::to_owned).collect()
}

/// The parameters as a query string, without `format`.
fn query_string(query: &ReportQuery) -> String {
    let pairs = [
        ("from", &query.from),
        ("to", &query.to),
        ("plan_id", &query.plan_id),
        ("method", &query.method),
        ("status", &query.status),
    ];
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            out.append_pair(name, value);
        }
    }
    out.finish()
}
