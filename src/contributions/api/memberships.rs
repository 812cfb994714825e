//! `/api/v1/memberships` (also `/api/v1/subscriptions`, the seed's name):
//! list, join (one person or a household), show, renew, cancel — for
//! treasurers or keys with `contributions:read` / `:write`. A member reads
//! their own at `GET /api/v1/auth/user/memberships`. Joining creates what
//! is owed: a `POST` with an `Idempotency-Key` is replayed like a payment's
//! (the key is optional here).

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::idempotent::{self, Keyed, parse};
use super::money::{MoneyInput, MoneyView};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite, Person};
use crate::contributions::memberships::{
    self, JoinRequest, Joined, MembershipFilter, MembershipView,
};
use crate::contributions::{Period, Status, status};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipJson {
    pub id: i64,
    pub account_id: i64,
    pub member_name: String,
    pub plan_id: i64,
    pub plan_name: String,
    pub period: Period,
    pub tier_label: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub amount: MoneyView,
    pub credit: MoneyView,
    pub paid: MoneyView,
    pub due: MoneyView,
    pub payment_pending: bool,
    pub status: Status,
    pub household_id: Option<i64>,
    pub payer_id: i64,
    pub previous_id: Option<i64>,
    pub instalments: u8,
    pub renewable: bool,
}

impl From<MembershipView> for MembershipJson {
    fn from(m: MembershipView) -> Self {
        Self {
            id: m.id,
            account_id: m.account_id,
            member_name: m.member_name,
            plan_id: m.plan_id,
            plan_name: m.plan_name,
            period: m.period,
            tier_label: m.tier_label,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            amount: m.amount.into(),
            credit: m.credit.into(),
            paid: m.paid.into(),
            due: m.due.into(),
            payment_pending: m.payment_pending,
            status: m.status,
            household_id: m.household_id,
            payer_id: m.payer_id,
            previous_id: m.previous_id,
            instalments: m.instalments,
            renewable: m.renewable,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JoinedLine {
    pub account_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub amount: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JoinedInstalment {
    pub due_on: NaiveDate,
    pub amount: MoneyView,
}

/// What a join or a renewal created.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinedJson {
    pub membership_ids: Vec<i64>,
    pub total: MoneyView,
    pub lines: Vec<JoinedLine>,
    pub instalments: Vec<JoinedInstalment>,
}

impl From<Joined> for JoinedJson {
    fn from(joined: Joined) -> Self {
        let quote = joined.quote;
        Self {
            membership_ids: joined.membership_ids,
            total: quote.total.into(),
            lines: quote
                .lines
                .into_iter()
                .map(|l| JoinedLine {
                    account_id: l.account_id,
                    starts_on: l.starts_on,
                    ends_on: l.ends_on,
                    amount: l.amount.into(),
                })
                .collect(),
            instalments: quote
                .instalments
                .into_iter()
                .map(|(due_on, amount)| JoinedInstalment {
                    due_on,
                    amount: amount.into(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    pub plan_id: i64,
    /// A tier code; default the plan's first.
    pub tier: Option<String>,
    /// On a free-amount plan: at least its minimum.
    pub amount: Option<MoneyInput>,
    /// Who joins; default the payer alone.
    #[serde(default)]
    pub members: Vec<i64>,
    pub household_id: Option<i64>,
    pub payer_id: i64,
    /// 1 (default) to the plan's maximum.
    pub instalments: Option<u8>,
    /// Default: today.
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MembershipQuery {
    #[param(value_type = Option<String>)]
    pub status: Option<Status>,
    pub plan_id: Option<i64>,
    pub account_id: Option<i64>,
    /// 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// Ids below this one (the last id of the previous page).
    pub before_id: Option<i64>,
}

#[utoipa::path(operation_id = "memberships_list", get, path = "/api/v1/memberships", tag = "contributions",
    params(MembershipQuery), security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Vec<MembershipJson>), (status = 400), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<MembershipQuery>,
) -> Result<Json<Vec<MembershipJson>>, AppError> {
    let limit = crate::contributions::payments::list::limit(query.limit).ok_or(
        AppError::BadRequest("limit must be between 1 and 200".into()),
    )?;
    let filter = MembershipFilter {
        account_id: query.account_id,
        plan_id: query.plan_id,
        include_cancelled: true,
        before_id: query.before_id,
        limit,
        ..MembershipFilter::default()
    };
    let rules = status::rules(&mut tx).await?;
    let found = memberships::list(&mut tx, &filter, &rules, memberships::today()).await?;
    // The status is computed from dates and payments: filtered after reading.
    Ok(Json(
        found
            .into_iter()
            .filter(|m| query.status.is_none_or(|s| m.status == s))
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(operation_id = "my_memberships", get, path = "/api/v1/auth/user/memberships",
    tag = "contributions", security(("bearer" = [])),
    responses((status = 200, body = Vec<MembershipJson>), (status = 401), (status = 403)))]
pub async fn mine(
    Person(me): Person,
    mut tx: TenantTx,
) -> Result<Json<Vec<MembershipJson>>, AppError> {
    let found = memberships::for_account(&mut tx, me.account_id).await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "memberships_show", get, path = "/api/v1/memberships/{id}",
    tag = "contributions", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = MembershipJson), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<MembershipJson>, AppError> {
    let found = memberships::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(found.into()))
}

#[utoipa::path(operation_id = "memberships_join", post, path = "/api/v1/memberships", tag = "contributions",
    request_body = JoinBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body gets the first answer")),
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = JoinedJson), (status = 400), (status = 401), (status = 403),
              (status = 409), (status = 422)))]
pub async fn join(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let who = guard.principal().clone();
    let request: JoinBody = parse(&headers, &body)?;
    let amount = request
        .amount
        .as_ref()
        .map(|m| m.amount("amount"))
        .transpose()?;
    let join = JoinRequest {
        plan_id: request.plan_id,
        tier: request.tier,
        amount,
        members: request.members,
        household_id: request.household_id,
        payer_id: request.payer_id,
        instalments: request.instalments.unwrap_or(1),
        on: request.on.unwrap_or_else(memberships::today),
        by_staff: true,
    };
    let by = who.account_id;
    let work = async |tx: &mut TenantTx| {
        let joined = memberships::join(tx, &join, Some(by)).await?;
        Ok((StatusCode::CREATED, JoinedJson::from(joined)))
    };
    if !headers.contains_key(idempotent::HEADER) {
        let (status, answer) = work(&mut tx).await?;
        return Ok((status, Json(answer)).into_response());
    }
    let path = "/api/v1/memberships";
    Keyed::new(&who, &headers, "POST", path, &body)?
        .run(&mut tx, work)
        .await
}

#[utoipa::path(operation_id = "memberships_renew", post, path = "/api/v1/memberships/{id}/renew",
    tag = "contributions", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = JoinedJson), (status = 401), (status = 403), (status = 404),
              (status = 409), (status = 422)))]
pub async fn renew(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<JoinedJson>), AppError> {
    let by = guard.principal().account_id;
    let joined = memberships::renew(&mut tx, id, by, true, memberships::today()).await?;
    Ok((StatusCode::CREATED, Json(joined.into())))
}

#[utoipa::path(operation_id = "memberships_cancel", post, path = "/api/v1/memberships/{id}/cancel",
    tag = "contributions", params(("id" = i64, Path)), request_body = CancelBody,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = MembershipJson), (status = 401), (status = 403), (status = 404),
              (status = 409), (status = 422)))]
pub async fn cancel(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<Json<MembershipJson>, AppError> {
    let by = guard.principal().account_id;
    memberships::cancel(&mut tx, id, &body.reason, by).await?;
    let found = memberships::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(found.into()))
}
