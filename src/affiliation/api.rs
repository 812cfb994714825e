//! `/api/v1/affiliate/…`: an affiliate's own links, statistics,
//! commissions, referrals and payouts (a person's access token, not a
//! key). Staff's programmes, rules, commissions, reviews and payout batches
//! are in `api_staff`. The same rules as the pages; bad input is a 422
//! problem naming the field, and writes nothing.

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::affiliates::{self, Affiliate};
use super::books::Books;
use super::links::{self, Link, NewLink};
use super::payouts::{self, Payout};
use super::referrals::{self, Referral};
use super::stats::{self, LineView, Stats};
use super::{Affiliation, events};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::RequestAuth;
use crate::auth::scoped::Person;
use crate::db::TenantTx;
use crate::error::AppError;
use axum::extract::State;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Affiliation: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/api/v1/affiliate/join", axum::routing::post(join))
        .route("/api/v1/affiliate/links", get(my_links).post(create_link))
        .route("/api/v1/affiliate/stats", get(my_stats))
        .route("/api/v1/affiliate/commissions", get(my_commissions))
        .route("/api/v1/affiliate/referrals", get(my_referrals))
        .route(
            "/api/v1/affiliate/payouts",
            get(my_payouts).post(request_payout),
        )
        .merge(super::api_staff::router())
        .merge(super::api_people::router())
}

#[derive(OpenApi)]
#[openapi(
    paths(join, my_links, create_link, my_stats, my_commissions, my_referrals, my_payouts, request_payout),
    components(schemas(JoinBody, Link, NewLink, Stats, stats::Earnings, stats::Month, LineView, Referral, Payout,
                       Affiliate, super::model::LinkKind, super::model::Via, super::model::ReferralStatus,
                       super::model::LineStage, super::model::LineStatus, super::model::LineReward,
                       super::model::Side, super::model::PayoutStatus, super::model::AffiliateStatus)),
    tags((name = "affiliate", description = "An affiliate's own links and coupons, statistics, \
          commissions, referrals and payouts (a person's access token). `?program=` picks one of \
          their programmes; the first joined by default.")),
)]
pub struct Doc;

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ProgramQuery {
    /// One of the caller's programmes (default: the first joined).
    pub program: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JoinBody {
    pub program_id: i64,
}

#[utoipa::path(operation_id = "affiliate_join", post, path = "/api/v1/affiliate/join", tag = "affiliate",
    request_body = JoinBody, security(("bearer" = [])),
    responses((status = 201, body = Affiliate, description = "Joined (or already in), with a first link"),
              (status = 404), (status = 409, description = "The programme is not open")))]
pub async fn join(
    State(affiliation): State<Affiliation>,
    Person(who): Person,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<JoinBody>,
) -> Result<Response, AppError> {
    let affiliate = super::tenant::join_member(&mut tx, who.account_id, body.program_id).await?;
    affiliation.forget_links();
    Ok((StatusCode::CREATED, Json(affiliate)).into_response())
}

/// The caller as an affiliate, or 404 when they are in no programme.
pub(super) async fn me(
    tx: &mut TenantTx,
    account_id: i64,
    program: Option<i64>,
) -> Result<Affiliate, AppError> {
    let mine = affiliates::of_party(&mut Books::tenant(tx), account_id).await?;
    let chosen = match program {
        Some(id) => mine.into_iter().find(|a| a.program_id == id),
        None => mine.into_iter().next(),
    };
    chosen.ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "affiliate_links", get, path = "/api/v1/affiliate/links", tag = "affiliate",
    params(ProgramQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Link>), (status = 401), (status = 404, description = "Not an affiliate")))]
pub async fn my_links(
    Person(who): Person,
    ApiQuery(query): ApiQuery<ProgramQuery>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Link>>, AppError> {
    let me = me(&mut tx, who.account_id, query.program).await?;
    Ok(Json(
        links::of_affiliate(&mut Books::tenant(&mut tx), me.id).await?,
    ))
}

#[utoipa::path(operation_id = "affiliate_links_create", post, path = "/api/v1/affiliate/links", tag = "affiliate",
    params(ProgramQuery), request_body = NewLink, security(("bearer" = [])),
    responses((status = 201, body = Link), (status = 404, description = "Not an affiliate"),
              (status = 409, description = "Banned"), (status = 422, description = "Invalid code, campaign or destination")))]
pub async fn create_link(
    State(affiliation): State<Affiliation>,
    Person(who): Person,
    ApiQuery(query): ApiQuery<ProgramQuery>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<NewLink>,
) -> Result<Response, AppError> {
    let me = me(&mut tx, who.account_id, query.program).await?;
    if me.status != super::model::AffiliateStatus::Active {
        return Err(AppError::Conflict("this affiliate is banned".into()));
    }
    let link = links::create(&mut Books::tenant(&mut tx), me.id, body).await?;
    affiliation.forget_links();
    Ok((StatusCode::CREATED, Json(link)).into_response())
}

#[utoipa::path(operation_id = "affiliate_stats", get, path = "/api/v1/affiliate/stats", tag = "affiliate",
    params(ProgramQuery), security(("bearer" = [])),
    responses((status = 200, body = Stats), (status = 404, description = "Not an affiliate")))]
pub async fn my_stats(
    Person(who): Person,
    ApiQuery(query): ApiQuery<ProgramQuery>,
    mut tx: TenantTx,
) -> Result<Json<Stats>, AppError> {
    let me = me(&mut tx, who.account_id, query.program).await?;
    Ok(Json(
        stats::of_affiliate(&mut Books::tenant(&mut tx), me.id).await?,
    ))
}

#[utoipa::path(operation_id = "affiliate_commissions", get, path = "/api/v1/affiliate/commissions", tag = "affiliate",
    params(ProgramQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<LineView>, description = "Newest first, at most 500"),
              (status = 404, description = "Not an affiliate")))]
pub async fn my_commissions(
    Person(who): Person,
    ApiQuery(query): ApiQuery<ProgramQuery>,
    mut tx: TenantTx,
) -> Result<Json<Vec<LineView>>, AppError> {
    let me = me(&mut tx, who.account_id, query.program).await?;
    let lines = stats::lines(&mut Books::tenant(&mut tx), me.program_id, Some(me.id), 500).await?;
    Ok(Json(
        lines.into_iter().map(super::pages::line_initials).collect(),
    ))
}

#[utoipa::path(operation_id = "affiliate_referrals", get, path = "/api/v1/affiliate/referrals", tag = "affiliate",
    params(ProgramQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Referral>), (status = 404, description = "Not an affiliate")))]
pub async fn my_referrals(
    Person(who): Person,
    ApiQuery(query): ApiQuery<ProgramQuery>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Referral>>, AppError> {
    let me = me(&mut tx, who.account_id, query.program).await?;
    let found = referrals::of_affiliate(&mut Books::tenant(&mut tx), me.id, 500).await?;
    Ok(Json(
        found.into_iter().map(super::pages::initials).collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PayoutsView {
    /// What a request would ask for now.
    pub available_minor: i64,
    pub min_payout_minor: i64,
    pub payouts: Vec<Payout>,
}

#[utoipa::path(operation_id = "affiliate_payouts", get, path = "/api/v1/affiliate/payouts", tag = "affiliate",
    params(ProgramQuery), security(("bearer" = [])),
    responses((status = 200, body = PayoutsView), (status = 404, description = "Not an affiliate")))]
pub async fn my_payouts(
    Person(who): Person,
    ApiQuery(query): ApiQuery<ProgramQuery>,
    mut tx: TenantTx,
) -> Result<Json<PayoutsView>, AppError> {
    let me = me(&mut tx, who.account_id, query.program).await?;
    let mut books = Books::tenant(&mut tx);
    let program = super::programs::find(&mut books, me.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(PayoutsView {
        available_minor: payouts::available(&mut books, me.id).await?,
        min_payout_minor: program.settings.min_payout_minor,
        payouts: payouts::of_affiliate(&mut books, me.id).await?,
    }))
}

#[utoipa::path(operation_id = "affiliate_payouts_request", post, path = "/api/v1/affiliate/payouts", tag = "affiliate",
    params(ProgramQuery), security(("bearer" = [])),
    responses((status = 201, body = Payout),
              (status = 409, description = "Below the threshold, no bank details, a payout already open, or banned")))]
pub async fn request_payout(
    Person(who): Person,
    auth: RequestAuth,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ProgramQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let me = me(&mut tx, who.account_id, query.program).await?;
    let mut books = Books::tenant(&mut tx);
    let device = super::capture::device_of(&headers);
    affiliates::seen(&mut books, me.id, auth.client_ip, &device).await?;
    let payout = payouts::request(&mut books, me.id).await?;
    events::payout(&mut books, "payout.requested", &payout).await?;
    Ok((StatusCode::CREATED, Json(payout)).into_response())
}
