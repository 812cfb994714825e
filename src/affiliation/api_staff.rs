//! `/api/v1/affiliation/…`: the staff's side (treasurers, or keys with
//! `affiliation:read` / `affiliation:write`): programmes and their rules,
//! affiliates, the commission ledger, the review queue, payouts and batches
//! with their SEPA file.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::affiliates::{self, Affiliate};
use super::books::Books;
use super::payouts::batch::{self, Batch};
use super::payouts::{self, Payout};
use super::programs::{self, Program, Settings};
use super::reviews::{self, Review};
use super::rulebook::{self, Scope};
use super::rules::{Rule, Terms};
use super::stats::{self, LineView};
use super::{Affiliation, Error, events};
use crate::api::json::ApiJson;
use crate::auth::Treasurer;
use crate::auth::scoped::{AffiliationRead, AffiliationWrite, Allowed};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

type Reader = Allowed<Treasurer, AffiliationRead>;
type Writer = Allowed<Treasurer, AffiliationWrite>;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Affiliation: axum::extract::FromRef<S>,
{
    let one = "/api/v1/affiliation/programs/{id}";
    Router::new()
        .route("/api/v1/affiliation/programs", get(list).post(create))
        .route(one, get(show).patch(update))
        .route(
            "/api/v1/affiliation/programs/{id}/rules",
            get(rules).post(add_rule),
        )
        .route(
            "/api/v1/affiliation/programs/{id}/affiliates",
            get(affiliates_of),
        )
        .route(
            "/api/v1/affiliation/programs/{id}/commissions",
            get(commissions),
        )
        .route(
            "/api/v1/affiliation/programs/{id}/reviews",
            get(review_queue),
        )
        .route(
            "/api/v1/affiliation/programs/{id}/reviews/{review}",
            post(decide),
        )
        .route("/api/v1/affiliation/programs/{id}/payouts", get(payouts_of))
        .route(
            "/api/v1/affiliation/programs/{id}/batches",
            get(batches).post(prepare),
        )
        .route(
            "/api/v1/affiliation/programs/{id}/batches/{batch}/paid",
            post(paid),
        )
        .route(
            "/api/v1/affiliation/programs/{id}/batches/{batch}/transfers.xml",
            get(transfers),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, show, update, rules, add_rule, affiliates_of, commissions, review_queue, decide,
          payouts_of, batches, prepare, paid, transfers),
    components(schemas(Program, Settings, Rule, Terms, RuleBody, Scope, Review, Batch, PrepareBody, PaidBody,
                       DecisionBody, super::model::Attribution, super::model::Stage, super::model::RewardKind,
                       super::model::ReviewStatus)),
    tags((name = "affiliation", description = "Referral programmes, for treasurers (or keys with \
          affiliation:read / affiliation:write): settings, reward rules as data, affiliates, the \
          append-only commission ledger, fraud reviews, payout batches and their SEPA credit \
          transfer file (pain.001.001.09).")),
)]
pub struct Doc;

async fn program(tx: &mut TenantTx, id: i64) -> Result<Program, AppError> {
    programs::find(&mut Books::tenant(tx), id)
        .await?
        .ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "affiliation_programs", get, path = "/api/v1/affiliation/programs", tag = "affiliation",
    security(("bearer" = []), ("api_key" = ["affiliation:read"])), responses((status = 200, body = Vec<Program>)))]
pub async fn list(_: Reader, mut tx: TenantTx) -> Result<Json<Vec<Program>>, AppError> {
    Ok(Json(programs::list(&mut Books::tenant(&mut tx)).await?))
}

#[utoipa::path(operation_id = "affiliation_programs_create", post, path = "/api/v1/affiliation/programs", tag = "affiliation",
    request_body = Settings, security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 201, body = Program), (status = 422, description = "Invalid settings")))]
pub async fn create(
    _: Writer,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Settings>,
) -> Result<Response, AppError> {
    let currency = crate::contributions::settings::get(&mut tx).await?.currency;
    let program = programs::create(&mut Books::tenant(&mut tx), body, currency).await?;
    Ok((StatusCode::CREATED, Json(program)).into_response())
}

#[utoipa::path(operation_id = "affiliation_program", get, path = "/api/v1/affiliation/programs/{id}", tag = "affiliation",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, body = Program), (status = 404)))]
pub async fn show(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Program>, AppError> {
    Ok(Json(program(&mut tx, id).await?))
}

#[utoipa::path(operation_id = "affiliation_program_update", patch, path = "/api/v1/affiliation/programs/{id}", tag = "affiliation",
    params(("id" = i64, Path)), request_body = Settings, security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 200, body = Program), (status = 404), (status = 422)))]
pub async fn update(
    State(affiliation): State<Affiliation>,
    _: Writer,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Settings>,
) -> Result<Json<Program>, AppError> {
    let program = programs::update(&mut Books::tenant(&mut tx), id, body).await?;
    affiliation.forget_links();
    Ok(Json(program))
}

#[utoipa::path(operation_id = "affiliation_rules", get, path = "/api/v1/affiliation/programs/{id}/rules", tag = "affiliation",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, body = Vec<Rule>), (status = 404)))]
pub async fn rules(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Rule>>, AppError> {
    program(&mut tx, id).await?;
    Ok(Json(
        rulebook::rules(&mut Books::tenant(&mut tx), id).await?,
    ))
}

/// A rule and where it applies.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleBody {
    #[serde(flatten)]
    pub terms: Terms,
    #[serde(default)]
    pub group_id: Option<i64>,
    #[serde(default)]
    pub affiliate_id: Option<i64>,
}

#[utoipa::path(operation_id = "affiliation_rules_add", post, path = "/api/v1/affiliation/programs/{id}/rules", tag = "affiliation",
    params(("id" = i64, Path)), request_body = RuleBody, security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 201, body = Rule), (status = 404),
              (status = 422, description = "Bad terms: a negative reward, a share over 100 %, a scope outside the programme")))]
pub async fn add_rule(
    _: Writer,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<RuleBody>,
) -> Result<Response, AppError> {
    program(&mut tx, id).await?;
    let scope = Scope {
        group_id: body.group_id,
        affiliate_id: body.affiliate_id,
    };
    let rule = rulebook::add_rule(&mut Books::tenant(&mut tx), id, scope, body.terms).await?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

#[utoipa::path(operation_id = "affiliation_affiliates", get, path = "/api/v1/affiliation/programs/{id}/affiliates", tag = "affiliation",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, body = Vec<Affiliate>), (status = 404)))]
pub async fn affiliates_of(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Affiliate>>, AppError> {
    program(&mut tx, id).await?;
    let mut found = affiliates::list(&mut Books::tenant(&mut tx), id).await?;
    for affiliate in &mut found {
        affiliate.iban = affiliate.iban.as_deref().map(payouts::bank::masked);
    }
    Ok(Json(found))
}

#[utoipa::path(operation_id = "affiliation_commissions", get, path = "/api/v1/affiliation/programs/{id}/commissions", tag = "affiliation",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, body = Vec<LineView>, description = "Newest first, at most 1000"), (status = 404)))]
pub async fn commissions(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<LineView>>, AppError> {
    program(&mut tx, id).await?;
    Ok(Json(
        stats::lines(&mut Books::tenant(&mut tx), id, None, 1000).await?,
    ))
}

#[utoipa::path(operation_id = "affiliation_reviews", get, path = "/api/v1/affiliation/programs/{id}/reviews", tag = "affiliation",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, body = Vec<Review>), (status = 404)))]
pub async fn review_queue(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Review>>, AppError> {
    program(&mut tx, id).await?;
    Ok(Json(
        reviews::list(&mut Books::tenant(&mut tx), id, false).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(operation_id = "affiliation_reviews_decide", post, path = "/api/v1/affiliation/programs/{id}/reviews/{review}",
    tag = "affiliation", params(("id" = i64, Path), ("review" = i64, Path)), request_body = DecisionBody,
    security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 204), (status = 404, description = "No open review of this number")))]
pub async fn decide(
    staff: Writer,
    Path((id, review)): Path<(i64, i64)>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<StatusCode, AppError> {
    let by = Some(staff.principal().account_id);
    reviews::decide(
        &mut Books::tenant(&mut tx),
        id,
        review,
        body.approve,
        &body.note,
        by,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "affiliation_payouts", get, path = "/api/v1/affiliation/programs/{id}/payouts", tag = "affiliation",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, body = Vec<Payout>), (status = 404)))]
pub async fn payouts_of(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Payout>>, AppError> {
    program(&mut tx, id).await?;
    Ok(Json(
        payouts::of_program(&mut Books::tenant(&mut tx), id).await?,
    ))
}

#[utoipa::path(operation_id = "affiliation_batches", get, path = "/api/v1/affiliation/programs/{id}/batches", tag = "affiliation",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, body = Vec<Batch>), (status = 404)))]
pub async fn batches(
    _: Reader,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Batch>>, AppError> {
    program(&mut tx, id).await?;
    Ok(Json(batch::list(&mut Books::tenant(&mut tx), id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PrepareBody {
    /// The day the association's account is debited.
    pub execution_date: NaiveDate,
}

#[utoipa::path(operation_id = "affiliation_batches_prepare", post, path = "/api/v1/affiliation/programs/{id}/batches",
    tag = "affiliation", params(("id" = i64, Path)), request_body = PrepareBody,
    security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 201, body = Batch), (status = 409, description = "No payout is waiting"), (status = 422)))]
pub async fn prepare(
    staff: Writer,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<PrepareBody>,
) -> Result<Response, AppError> {
    program(&mut tx, id).await?;
    let by = Some(staff.principal().account_id);
    let today = Utc::now().date_naive();
    let made = batch::prepare(
        &mut Books::tenant(&mut tx),
        id,
        body.execution_date,
        today,
        by,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaidBody {
    pub bank_reference: String,
}

#[utoipa::path(operation_id = "affiliation_batches_paid", post, path = "/api/v1/affiliation/programs/{id}/batches/{batch}/paid",
    tag = "affiliation", params(("id" = i64, Path), ("batch" = i64, Path)), request_body = PaidBody,
    security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 200, body = Vec<i64>, description = "The payouts paid"), (status = 409), (status = 422)))]
pub async fn paid(
    _: Writer,
    Path((id, batch_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<PaidBody>,
) -> Result<Json<Vec<i64>>, AppError> {
    let mut books = Books::tenant(&mut tx);
    let paid = batch::mark_paid(&mut books, id, batch_id, &body.bank_reference).await?;
    for payout_id in &paid {
        if let Some(payout) = payouts::find(&mut books, *payout_id).await? {
            events::payout(&mut books, "payout.paid", &payout).await?;
        }
    }
    Ok(Json(paid))
}

#[utoipa::path(operation_id = "affiliation_batches_file", get,
    path = "/api/v1/affiliation/programs/{id}/batches/{batch}/transfers.xml", tag = "affiliation",
    params(("id" = i64, Path), ("batch" = i64, Path)), security(("bearer" = []), ("api_key" = ["affiliation:read"])),
    responses((status = 200, content_type = "application/xml", description = "pain.001.001.09"),
              (status = 404), (status = 409, description = "No bank account, or not in euros")))]
pub async fn transfers(
    _: Reader,
    Path((id, batch_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let xml = batch::transfer_file(&mut Books::tenant(&mut tx), id, batch_id, Utc::now())
        .await
        .map_err(|error| match error {
            Error::NotFound(_) => AppError::NotFound,
            other => other.into(),
        })?;
    Ok(([(header::CONTENT_TYPE, "application/xml")], xml).into_response())
}
