//! `/api/v1/platform/affiliation/…`: the operators' side of the platform's
//! programme, behind the console's sign-in (operator tokens): the
//! programme and its rules, partners (an association on the platform, or a
//! person), platform fees and their refunds (the sales), the commission
//! ledger, reviews, payouts on a partner's behalf and batches with their
//! SEPA file. The same engine and rules as an association's programme.

use axum::Json;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::affiliates::{self, Affiliate, Joining, PayeeDetails};
use super::api_staff::{DecisionBody, PaidBody, PrepareBody, RuleBody};
use super::books::Books;
use super::operators_money as money;
use super::payouts::batch::Batch;
use super::payouts::{self, Payout};
use super::platform::{self, Fee, NewFee};
use super::programs::{self, Program, Settings};
use super::rulebook::{self, Scope};
use super::rules::Rule;
use super::stats::{self, LineView};
use super::{Affiliation, links};
use crate::api::json::ApiJson;
use crate::error::AppError;
use crate::model::Currency;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::web::extract::Path;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Affiliation: FromRef<S>,
{
    let base = "/api/v1/platform/affiliation";
    Router::new()
        .route(&format!("{base}/programs"), get(list).post(create))
        .route(
            &format!("{base}/programs/{{id}}/rules"),
            get(rules).post(add_rule),
        )
        .route(
            &format!("{base}/programs/{{id}}/partners"),
            get(partners).post(add_partner),
        )
        .route(
            &format!("{base}/programs/{{id}}/partners/{{partner}}/bank"),
            post(partner_bank),
        )
        .route(
            &format!("{base}/programs/{{id}}/partners/{{partner}}/payout"),
            post(partner_payout),
        )
        .route(
            &format!("{base}/programs/{{id}}/commissions"),
            get(commissions),
        )
        .route(
            &format!("{base}/programs/{{id}}/reviews/{{review}}"),
            post(decide),
        )
        .route(
            &format!("{base}/programs/{{id}}/payouts"),
            get(money::payouts_of),
        )
        .route(
            &format!("{base}/programs/{{id}}/batches"),
            get(money::batches).post(money::prepare),
        )
        .route(
            &format!("{base}/programs/{{id}}/batches/{{batch}}/paid"),
            post(money::paid),
        )
        .route(
            &format!("{base}/programs/{{id}}/batches/{{batch}}/transfers.xml"),
            get(money::transfers),
        )
        .route(&format!("{base}/fees"), post(money::charge))
        .route(&format!("{base}/fees/{{id}}/refund"), post(money::refund))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, create, rules, add_rule, partners, add_partner, partner_bank, partner_payout, commissions,
          decide, money::payouts_of, money::batches, money::prepare, money::paid, money::transfers,
          money::charge, money::refund),
    components(schemas(PartnerBody, Fee, NewFee, money::RefundBody, PayeeDetails, Program, Settings, Rule,
                       super::rules::Terms, RuleBody, Scope, Affiliate, Payout, Batch, LineView, PrepareBody,
                       PaidBody, DecisionBody, super::model::Attribution, super::model::Stage,
                       super::model::Side, super::model::RewardKind, super::model::AffiliateStatus,
                       super::model::PayoutStatus, super::model::LineStage, super::model::LineStatus,
                       super::model::LineReward)),
    tags((name = "platform-affiliation", description = "The platform's referral programme: whoever \
          brings a new association earns from its platform fees (money, or a fee credit). Its books \
          are the platform's and hold associations, never their members.")),
)]
pub struct Doc;

/// Runs `work` on the platform's books and commits.
macro_rules! on_books {
    ($affiliation:expr, |$books:ident| $work:expr) => {{
        let mut tx = platform::begin($affiliation.platform()).await?;
        let result = {
            let mut $books = Books::Platform(&mut tx);
            $work
        };
        tx.commit().await?;
        result
    }};
}
pub(super) use on_books;

#[utoipa::path(operation_id = "platform_affiliation_programs", get, path = "/api/v1/platform/affiliation/programs",
    tag = "platform-affiliation", security(("operator_token" = [])), responses((status = 200, body = Vec<Program>)))]
pub async fn list(
    _: OperatorPrincipal,
    State(affiliation): State<Affiliation>,
) -> Result<Json<Vec<Program>>, AppError> {
    Ok(Json(on_books!(affiliation, |books| programs::list(
        &mut books
    )
    .await?)))
}

#[utoipa::path(operation_id = "platform_affiliation_programs_create", post, path = "/api/v1/platform/affiliation/programs",
    tag = "platform-affiliation", request_body = Settings, security(("operator_token" = [])),
    responses((status = 201, body = Program), (status = 422)))]
pub async fn create(
    _: CanWrite,
    State(affiliation): State<Affiliation>,
    ApiJson(body): ApiJson<Settings>,
) -> Result<Response, AppError> {
    let program = on_books!(affiliation, |books| programs::create(
        &mut books,
        body,
        Currency::EUR
    )
    .await?);
    Ok((StatusCode::CREATED, Json(program)).into_response())
}

#[utoipa::path(operation_id = "platform_affiliation_rules", get, path = "/api/v1/platform/affiliation/programs/{id}/rules",
    tag = "platform-affiliation", params(("id" = i64, Path)), security(("operator_token" = [])),
    responses((status = 200, body = Vec<Rule>)))]
pub async fn rules(
    _: OperatorPrincipal,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Rule>>, AppError> {
    Ok(Json(on_books!(affiliation, |books| rulebook::rules(
        &mut books, id
    )
    .await?)))
}

#[utoipa::path(operation_id = "platform_affiliation_rules_add", post, path = "/api/v1/platform/affiliation/programs/{id}/rules",
    tag = "platform-affiliation", params(("id" = i64, Path)), request_body = RuleBody, security(("operator_token" = [])),
    responses((status = 201, body = Rule), (status = 422)))]
pub async fn add_rule(
    _: CanWrite,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RuleBody>,
) -> Result<Response, AppError> {
    platform::check_reward(body.terms.reward)?;
    let scope = Scope {
        group_id: body.group_id,
        affiliate_id: body.affiliate_id,
    };
    let rule = on_books!(affiliation, |books| {
        programs::find(&mut books, id)
            .await?
            .ok_or(AppError::NotFound)?;
        rulebook::add_rule(&mut books, id, scope, body.terms).await?
    });
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

#[utoipa::path(operation_id = "platform_affiliation_partners", get, path = "/api/v1/platform/affiliation/programs/{id}/partners",
    tag = "platform-affiliation", params(("id" = i64, Path)), security(("operator_token" = [])),
    responses((status = 200, body = Vec<Affiliate>)))]
pub async fn partners(
    _: OperatorPrincipal,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Affiliate>>, AppError> {
    Ok(Json(on_books!(affiliation, |books| affiliates::list(
        &mut books, id
    )
    .await?)))
}

/// A partner: an association on the platform (`tenant_id`), or a person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PartnerBody {
    pub tenant_id: Option<i64>,
    pub name: String,
    pub email: String,
}

#[utoipa::path(operation_id = "platform_affiliation_partners_add", post, path = "/api/v1/platform/affiliation/programs/{id}/partners",
    tag = "platform-affiliation", params(("id" = i64, Path)), request_body = PartnerBody, security(("operator_token" = [])),
    responses((status = 201, body = Affiliate, description = "With a first link"), (status = 404), (status = 422)))]
pub async fn add_partner(
    _: CanWrite,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PartnerBody>,
) -> Result<Response, AppError> {
    let partner = on_books!(affiliation, |books| {
        programs::find(&mut books, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let joining = Joining {
            program_id: id,
            party_id: body.tenant_id,
            name: &body.name,
            email: &body.email,
        };
        let partner = affiliates::join(&mut books, joining).await?;
        if links::of_affiliate(&mut books, partner.id)
            .await?
            .is_empty()
        {
            links::create(&mut books, partner.id, links::NewLink::default()).await?;
        }
        partner
    });
    affiliation.forget_links();
    Ok((StatusCode::CREATED, Json(partner)).into_response())
}

async fn partner_of(books: &mut Books<'_>, id: i64, partner: i64) -> Result<Affiliate, AppError> {
    affiliates::find(books, partner)
        .await?
        .filter(|a| a.program_id == id)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "platform_affiliation_partner_bank", post,
    path = "/api/v1/platform/affiliation/programs/{id}/partners/{partner}/bank", tag = "platform-affiliation",
    params(("id" = i64, Path), ("partner" = i64, Path)), request_body = PayeeDetails, security(("operator_token" = [])),
    responses((status = 204), (status = 404), (status = 422)))]
pub async fn partner_bank(
    _: CanWrite,
    State(affiliation): State<Affiliation>,
    Path((id, partner)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<PayeeDetails>,
) -> Result<StatusCode, AppError> {
    on_books!(affiliation, |books| {
        partner_of(&mut books, id, partner).await?;
        affiliates::set_payee(&mut books, partner, body).await?
    });
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "platform_affiliation_partner_payout", post,
    path = "/api/v1/platform/affiliation/programs/{id}/partners/{partner}/payout", tag = "platform-affiliation",
    params(("id" = i64, Path), ("partner" = i64, Path)), security(("operator_token" = [])),
    responses((status = 201, body = Payout), (status = 404), (status = 409)))]
pub async fn partner_payout(
    _: CanWrite,
    State(affiliation): State<Affiliation>,
    Path((id, partner)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let payout = on_books!(affiliation, |books| {
        partner_of(&mut books, id, partner).await?;
        payouts::request(&mut books, partner).await?
    });
    Ok((StatusCode::CREATED, Json(payout)).into_response())
}

#[utoipa::path(operation_id = "platform_affiliation_commissions", get,
    path = "/api/v1/platform/affiliation/programs/{id}/commissions", tag = "platform-affiliation",
    params(("id" = i64, Path)), security(("operator_token" = [])), responses((status = 200, body = Vec<LineView>)))]
pub async fn commissions(
    _: OperatorPrincipal,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<LineView>>, AppError> {
    Ok(Json(on_books!(affiliation, |books| stats::lines(
        &mut books, id, None, 1000
    )
    .await?)))
}

#[utoipa::path(operation_id = "platform_affiliation_reviews_decide", post,
    path = "/api/v1/platform/affiliation/programs/{id}/reviews/{review}", tag = "platform-affiliation",
    params(("id" = i64, Path), ("review" = i64, Path)), request_body = DecisionBody, security(("operator_token" = [])),
    responses((status = 204), (status = 404)))]
pub async fn decide(
    CanWrite(operator): CanWrite,
    State(affiliation): State<Affiliation>,
    Path((id, review)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<StatusCode, AppError> {
    let by = Some(operator.id);
    on_books!(affiliation, |books| super::reviews::decide(
        &mut books,
        id,
        review,
        body.approve,
        &body.note,
        by
    )
    .await?);
    Ok(StatusCode::NO_CONTENT)
}
