//! The payments list (`/treasury/payments`): newest first, filtered by
//! season, method, status and plan, with the totals of the filter (count,
//! received, refunded, net) and a link to the CSV/XLSX export of the same
//! filter. Pages follow the list's opaque cursor (`?cursor=`). The list
//! and the exports are `payments::list` and `payments::export`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Choice, money, render, stats};
use crate::auth::{RequireRole, Treasurer};
use crate::contributions::payments::list::{self, Cursor, PaymentFilter};
use crate::contributions::plans::{self, PlanFilter};
use crate::contributions::{Method, PaymentStatus, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;

/// Rows on one page.
const PAGE: i64 = 50;

/// The query string, every field as typed (anything malformed is ignored).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filters {
    /// The year the season starts in; `all` for every season.
    season: String,
    method: String,
    status: String,
    plan_id: String,
    cursor: String,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    payer_id: i64,
    payer_name: String,
    received_on: NaiveDate,
    method: &'static str,
    status: &'static str,
    amount: String,
    refunded: Option<String>,
    cheque_number: Option<String>,
    reference: Option<String>,
}

#[derive(Serialize)]
struct Total {
    count: i64,
    paid: String,
    refunded: String,
    net: String,
}

#[derive(Serialize)]
struct Season {
    /// As the filter says it (`2026`).
    year: String,
    label: String,
}

#[derive(Serialize)]
struct PlanChoice {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct ListPage {
    filters: Filters,
    seasons: Vec<Season>,
    methods: Vec<Choice>,
    statuses: Vec<Choice>,
    plans: Vec<PlanChoice>,
    rows: Vec<Row>,
    totals: Vec<Total>,
    /// The filters as a query string (for the export links and pages).
    query: String,
    next: Option<String>,
}

/// The filter to apply, and the query string that says it again.
async fn filter_of(
    tx: &mut TenantTx,
    filters: &mut Filters,
    season_now: i32,
) -> Result<(PaymentFilter, String), AppError> {
    let mut filter = PaymentFilter::default();
    if filters.season.trim() != "all" {
        let year = filters.season.trim().parse::<i32>().ok();
        let year = year
            .filter(|y| (1900..=9000).contains(y))
            .unwrap_or(season_now);
        filters.season = year.to_string();
        filter = filter.within(list::season(tx, year).await?);
    }
    filter.method = filters.method.parse::<Method>().ok();
    filter.status = filters.status.parse::<PaymentStatus>().ok();
    filter.plan_id = filters.plan_id.parse::<i64>().ok();
    let query = query_of(&filter, &filters.season);
    Ok((filter, query))
}

/// The filter as the export and the next page read it (`season` as
/// chosen, then only what narrows).
fn query_of(filter: &PaymentFilter, season: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if season != "all" {
        query.append_pair("season", season);
    }
    if let Some(method) = filter.method {
        query.append_pair("method", method.as_str());
    }
    if let Some(status) = filter.status {
        query.append_pair("status", status.as_str());
    }
    if let Some(plan) = filter.plan_id {
        query.append_pair("plan_id", &plan.to_string());
    }
    query.finish()
}

/// `GET /treasury/payments?season=&method=&status=&plan_id=&cursor=`.
pub async fn page(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    Query(mut filters): Query<Filters>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let settings = settings::get(&mut tx).await?;
    let today = chrono::Utc::now().date_naive();
    let season_now = stats::season_of(today, settings.season_start_month)
        .map_or(today.year(), |(start, _)| start.year());
    let (filter, query) = filter_of(&mut tx, &mut filters, season_now).await?;
    // A cursor we did not hand out starts again from the top.
    let after = Cursor::decode(filters.cursor.trim()).ok();
    let found = list::page(&mut tx, &filter, PAGE, after).await?;
    let totals = list::totals(&mut tx, &filter).await?;
    let plan_filter = PlanFilter {
        visible_to_members: false,
        include_archived: true,
    };
    let data = ListPage {
        seasons: (0..6)
            .map(|back| {
                let year = season_now - back;
                Season {
                    year: year.to_string(),
                    label: season_label(year, settings.season_start_month),
                }
            })
            .collect(),
        methods: Choice::words(
            &Method::ALL.iter().map(Method::as_str).collect::<Vec<_>>(),
            "treasury-method-",
        ),
        statuses: Choice::words(
            &PaymentStatus::ALL
                .iter()
                .map(PaymentStatus::as_str)
                .collect::<Vec<_>>(),
            "treasury-payment-",
        ),
        plans: plans::list(&mut tx, plan_filter)
            .await?
            .into_iter()
            .map(|p| PlanChoice {
                id: p.id,
                name: p.name,
            })
            .collect(),
        rows: found
            .items
            .into_iter()
            .map(|p| Row {
                id: p.id,
                payer_id: p.payer_id,
                payer_name: p.payer_name,
                received_on: p.received_on,
                method: p.method.as_str(),
                status: p.status.as_str(),
                amount: money(p.amount, &view),
                refunded: (!p.refunded.is_zero()).then(|| money(p.refunded, &view)),
                cheque_number: p.cheque_number,
                reference: p.reference,
            })
            .collect(),
        totals: totals
            .iter()
            .map(|t| Total {
                count: t.count,
                paid: money(t.paid, &view),
                refunded: money(t.refunded, &view),
                net: money(t.net(), &view),
            })
            .collect(),
        next: found.next.map(|c| c.encode()),
        query,
        filters,
    };
    let template = "treasury/payments.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

/// "2026–2027" (or "2026" for seasons starting in January).
fn season_label(year: i32, start_month: u32) -> String {
    if start_month <= 1 {
        year.to_string()
    } else {
        format!("{year}–{}", year + 1)
    }
}
