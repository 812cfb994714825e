//! `/staff/affiliation/programs/{id}/reviews`: referrals the self-referral
//! checks flagged, why, and until when their rewards are held; approve or
//! reject with a note. Left alone, a hold releases at its deadline.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audited, done, program, program_url, refused};
use crate::affiliation::books::Books;
use crate::affiliation::reviews::{self, Review};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::form::Form;

#[derive(Serialize)]
struct Page<'a> {
    csrf: &'a str,
    program_id: i64,
    program_name: String,
    reviews: Vec<Review>,
}

/// `GET /staff/affiliation/programs/{id}/reviews`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let program = program(&mut tx, id).await?;
    let page = Page {
        csrf: auth.csrf.value(),
        program_id: id,
        program_name: program.settings.name.clone(),
        reviews: reviews::list(&mut Books::tenant(&mut tx), id, false).await?,
    };
    let template = "staff/affiliation_reviews.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &page)
        .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    note: String,
}

/// `POST /staff/affiliation/programs/{id}/reviews/{review}`.
pub async fn decide(
    staff: RequireRole<Treasurer>,
    Path((id, review)): Path<(i64, i64)>,
    mut tx: TenantTx,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let url = format!("{}/reviews", program_url(id));
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(AppError::Unprocessable(
                "decision: approve or reject".into(),
            ));
        }
    };
    let by = staff.principal().account_id;
    let decided = reviews::decide(
        &mut Books::tenant(&mut tx),
        id,
        review,
        approve,
        &form.note,
        Some(by),
    )
    .await;
    let referral = match decided {
        Ok(referral) => referral,
        Err(error) => return refused(&url, error),
    };
    let details =
        json!({ "program": id, "review": review, "referral": referral, "approve": approve });
    audited(&mut tx, by, "affiliation.review.decide", details).await?;
    Ok(done(&url, "affiliation-flash-decided"))
}
