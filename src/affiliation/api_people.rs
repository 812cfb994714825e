//! The people side of the API: an affiliate's own bank details
//! (`PUT /api/v1/affiliate/bank`), and for staff a ban or its lifting and
//! a referral bound by hand (someone told the treasurer who brought them).
//! Bad input is a 422 naming the field; nothing is written.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use serde::Deserialize;
use serde_json::json;
use utoipa::{OpenApi, ToSchema};

use super::affiliates::{self, PayeeDetails};
use super::books::Books;
use super::referrals::{self, Referral};
use super::{Affiliation, events};
use crate::api::json::{ApiJson, ApiQuery};
use crate::audit::{self, Entry};
use crate::auth::Treasurer;
use crate::auth::scoped::{AffiliationWrite, Allowed, Person};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

type Writer = Allowed<Treasurer, AffiliationWrite>;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Affiliation: axum::extract::FromRef<S>,
{
    let affiliate = "/api/v1/affiliation/programs/{id}/affiliates/{affiliate}";
    Router::new()
        .route("/api/v1/affiliate/bank", put(bank))
        .route(&format!("{affiliate}/ban"), post(ban))
        .route(&format!("{affiliate}/unban"), post(unban))
        .route("/api/v1/affiliation/programs/{id}/referrals", post(bind))
}

#[derive(OpenApi)]
#[openapi(
    paths(bank, ban, unban, bind),
    components(schemas(PayeeDetails, BanBody, BindBody))
)]
pub struct Doc;

#[utoipa::path(operation_id = "affiliate_bank", put, path = "/api/v1/affiliate/bank", tag = "affiliate",
    params(super::api::ProgramQuery), request_body = PayeeDetails, security(("bearer" = [])),
    responses((status = 204), (status = 404, description = "Not an affiliate"),
              (status = 422, description = "A bad IBAN, BIC or holder name")))]
pub async fn bank(
    Person(who): Person,
    ApiQuery(query): ApiQuery<super::api::ProgramQuery>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<PayeeDetails>,
) -> Result<StatusCode, AppError> {
    let me = super::api::me(&mut tx, who.account_id, query.program).await?;
    affiliates::set_payee(&mut Books::tenant(&mut tx), me.id, body).await?;
    let entry = Entry::new("affiliation.bank_details")
        .by(who.account_id)
        .on(who.account_id)
        .with(json!({ "affiliate": me.id, "via": "api" }));
    audit::record(&mut tx, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BanBody {
    pub reason: String,
}

/// The affiliate of the path, in the programme of the path.
async fn affiliate_in(tx: &mut TenantTx, id: i64, affiliate: i64) -> Result<(), AppError> {
    affiliates::find(&mut Books::tenant(tx), affiliate)
        .await?
        .filter(|a| a.program_id == id)
        .map(|_| ())
        .ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "affiliation_affiliates_ban", post,
    path = "/api/v1/affiliation/programs/{id}/affiliates/{affiliate}/ban", tag = "affiliation",
    params(("id" = i64, Path), ("affiliate" = i64, Path)), request_body = BanBody,
    security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 204, description = "Banned: links stop, unpaid lines are void"), (status = 404), (status = 422)))]
pub async fn ban(
    State(affiliation): State<Affiliation>,
    staff: Writer,
    Path((id, affiliate)): Path<(i64, i64)>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<BanBody>,
) -> Result<StatusCode, AppError> {
    affiliate_in(&mut tx, id, affiliate).await?;
    affiliates::ban(&mut Books::tenant(&mut tx), affiliate, &body.reason).await?;
    affiliation.forget_links();
    let details = json!({ "program": id, "affiliate": affiliate, "reason": body.reason.trim() });
    let entry = Entry::new("affiliation.affiliate.ban")
        .by(staff.principal().account_id)
        .with(details);
    audit::record(&mut tx, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "affiliation_affiliates_unban", post,
    path = "/api/v1/affiliation/programs/{id}/affiliates/{affiliate}/unban", tag = "affiliation",
    params(("id" = i64, Path), ("affiliate" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 204, description = "Active again; nothing voided comes back"), (status = 404)))]
pub async fn unban(
    State(affiliation): State<Affiliation>,
    staff: Writer,
    Path((id, affiliate)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    affiliate_in(&mut tx, id, affiliate).await?;
    affiliates::unban(&mut Books::tenant(&mut tx), affiliate).await?;
    affiliation.forget_links();
    let details = json!({ "program": id, "affiliate": affiliate });
    let entry = Entry::new("affiliation.affiliate.unban")
        .by(staff.principal().account_id)
        .with(details);
    audit::record(&mut tx, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BindBody {
    pub affiliate_id: i64,
    /// The member who was brought.
    pub account_id: i64,
}

#[utoipa::path(operation_id = "affiliation_referrals_bind", post, path = "/api/v1/affiliation/programs/{id}/referrals",
    tag = "affiliation", params(("id" = i64, Path)), request_body = BindBody,
    security(("bearer" = []), ("api_key" = ["affiliation:write"])),
    responses((status = 201, body = Referral), (status = 404),
              (status = 409, description = "Already referred in this programme"),
              (status = 422, description = "An affiliate cannot refer themselves")))]
pub async fn bind(
    staff: Writer,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<BindBody>,
) -> Result<Response, AppError> {
    affiliate_in(&mut tx, id, body.affiliate_id).await?;
    let account = crate::accounts::store::find(&mut tx, body.account_id)
        .await?
        .ok_or_else(|| AppError::Unprocessable("account_id: no such member".into()))?;
    let mut books = Books::tenant(&mut tx);
    let referral = referrals::bind_by_hand(
        &mut books,
        body.affiliate_id,
        account.id,
        &account.display_name,
        account.email.as_str(),
    )
    .await?;
    events::referral_created(&mut books, &referral).await?;
    let details = json!({ "program": id, "referral": referral.id, "account": account.id });
    let entry = Entry::new("affiliation.referral.bind")
        .by(staff.principal().account_id)
        .with(details);
    audit::record(&mut tx, entry).await?;
    Ok((StatusCode::CREATED, Json(referral)).into_response())
}
