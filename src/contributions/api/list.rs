//! `GET /api/v1/payments` (treasurers, or a key with `contributions:read`):
//! newest first, keyset-paginated, with the payer's name; `GET
//! /api/v1/payments/totals` for the same filters; and a member's own
//! payments at `GET /api/v1/auth/user/payments`.
//!
//! The list handler does nothing but the one query of
//! [`list::page`](crate::contributions::payments::list::page): no count,
//! no per-row lookup (W2).

use axum::Json;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};

use super::money::MoneyView;
use crate::api::json::ApiQuery;
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ContributionsRead, Person};
use crate::contributions::payments::list::{self, Cursor, PaymentFilter, PaymentItem};
use crate::contributions::{Method, PaymentStatus};
use crate::db::TenantTx;
use crate::error::AppError;

/// Filters shared by the list, the totals and the exports.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FilterQuery {
    /// Season starting in this year (from the association's start month),
    /// on the date received.
    pub season: Option<i32>,
    /// Received on or after (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Received on or before (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    #[param(value_type = Option<String>)]
    pub method: Option<Method>,
    #[param(value_type = Option<String>)]
    pub status: Option<PaymentStatus>,
    /// Paying (at least partly) a membership of this plan.
    pub plan_id: Option<i64>,
    pub payer_id: Option<i64>,
}

/// The list's parameters: a page, and the filters of [`FilterQuery`]
/// (repeated: `serde_urlencoded` cannot flatten typed fields).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Season starting in this year, on the date received.
    pub season: Option<i32>,
    /// Received on or after (YYYY-MM-DD).
    pub from: Option<NaiveDate>,
    /// Received on or before (YYYY-MM-DD).
    pub to: Option<NaiveDate>,
    #[param(value_type = Option<String>)]
    pub method: Option<Method>,
    #[param(value_type = Option<String>)]
    pub status: Option<PaymentStatus>,
    pub plan_id: Option<i64>,
    pub payer_id: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> FilterQuery {
        FilterQuery {
            season: self.season,
            from: self.from,
            to: self.to,
            method: self.method,
            status: self.status,
            plan_id: self.plan_id,
            payer_id: self.payer_id,
        }
    }
}

/// One payment in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentListItem {
    pub id: i64,
    pub payer_id: i64,
    /// The payer's display name.
    pub payer_name: String,
    pub amount: MoneyView,
    pub refunded: MoneyView,
    pub method: Method,
    pub status: PaymentStatus,
    pub received_on: NaiveDate,
    /// RFC 3339, UTC, with microseconds (fixed width).
    #[serde(serialize_with = "micros")]
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub reference: Option<String>,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentPage {
    pub items: Vec<PaymentListItem>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

/// Totals of a filter, one per currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsView {
    pub currency: String,
    pub count: i64,
    pub paid: MoneyView,
    pub refunded: MoneyView,
    /// Paid minus refunded.
    pub net: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsPage {
    pub totals: Vec<TotalsView>,
}

fn micros<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

impl From<PaymentItem> for PaymentListItem {
    fn from(item: PaymentItem) -> Self {
        Self {
            id: item.id,
            payer_id: item.payer_id,
            payer_name: item.payer_name,
            amount: item.amount.into(),
            refunded: item.refunded.into(),
            method: item.method,
            status: item.status,
            received_on: item.received_on,
            created_at: item.created_at,
            paid_at: item.paid_at,
            reference: item.reference,
            cheque_number: item.cheque_number,
            cheque_bank: item.cheque_bank,
        }
    }
}

/// The filter a query asks for; a season is read from the settings (one
/// query, only when asked).
pub async fn filter(tx: &mut TenantTx, query: &FilterQuery) -> Result<PaymentFilter, AppError> {
    let filter = PaymentFilter {
        received_from: query.from,
        received_to: query.to,
        method: query.method,
        status: query.status,
        plan_id: query.plan_id,
        payer_id: query.payer_id,
    };
    match query.season {
        None => Ok(filter),
        Some(year) if (1900..=9000).contains(&year) => {
            Ok(filter.within(list::season(tx, year).await?))
        }
        Some(_) => Err(AppError::BadRequest(
            "season must be a year between 1900 and 9000".into(),
        )),
    }
}

async fn page(
    tx: &mut TenantTx,
    query: &ListQuery,
    filter: &PaymentFilter,
) -> Result<PaymentPage, AppError> {
    let limit = list::limit(query.limit).ok_or(AppError::BadRequest(
        "limit must be between 1 and 200".into(),
    ))?;
    let after = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => {
            Some(Cursor::decode(text).map_err(|e| AppError::BadRequest(e.to_string().into()))?)
        }
    };
    let page = list::page(tx, filter, limit, after).await?;
    Ok(PaymentPage {
        items: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    })
}

#[utoipa::path(operation_id = "payments_list", get, path = "/api/v1/payments", tag = "contributions",
    params(ListQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = PaymentPage), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PaymentPage>, AppError> {
    let filter = filter(&mut tx, &query.filter()).await?;
    Ok(Json(page(&mut tx, &query, &filter).await?))
}

#[utoipa::path(operation_id = "payments_totals", get, path = "/api/v1/payments/totals", tag = "contributions",
    params(FilterQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = TotalsPage), (status = 400), (status = 401), (status = 403)))]
pub async fn totals(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<FilterQuery>,
) -> Result<Json<TotalsPage>, AppError> {
    let filter = filter(&mut tx, &query).await?;
    let totals = list::totals(&mut tx, &filter).await?;
    let totals = totals
        .into_iter()
        .map(|t| TotalsView {
            currency: t.currency.code().to_owned(),
            count: t.count,
            net: t.net().into(),
            paid: t.paid.into(),
            refunded: t.refunded.into(),
        })
        .collect();
    Ok(Json(TotalsPage { totals }))
}

#[utoipa::path(operation_id = "my_payments", get, path = "/api/v1/auth/user/payments", tag = "contributions",
    params(ListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = PaymentPage), (status = 400), (status = 401)))]
pub async fn mine(
    Person(me): Person,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<PaymentPage>, AppError> {
    // Whatever payer the query names, a member sees only what they paid.
    let mut filter = filter(&mut tx, &query.filter()).await?;
    filter.payer_id = Some(me.account_id);
    Ok(Json(page(&mut tx, &query, &filter).await?))
}
