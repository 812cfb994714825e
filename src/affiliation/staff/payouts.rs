//! `/staff/affiliation/programs/{id}/payouts`: requests waiting, a batch
//! prepared from them for an execution date, each batch as CSV or as a
//! SEPA credit transfer file, and marking a batch paid with the bank's
//! reference (which pays its payouts and their lines, and tells the
//! webhooks).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audited, done, program, program_url, refused};
use crate::affiliation::books::Books;
use crate::affiliation::events;
use crate::affiliation::payouts::batch::{self, Batch};
use crate::affiliation::payouts::{self, Payout};
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
    currency: String,
    payouts: Vec<Payout>,
    batches: Vec<Batch>,
    has_bank: bool,
    tomorrow: String,
}

/// `GET /staff/affiliation/programs/{id}/payouts`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let program = program(&mut tx, id).await?;
    let mut books = Books::tenant(&mut tx);
    let tomorrow = Utc::now().date_naive() + chrono::Days::new(1);
    let page = Page {
        csrf: auth.csrf.value(),
        program_id: id,
        program_name: program.settings.name.clone(),
        currency: program.currency.clone(),
        payouts: payouts::of_program(&mut books, id).await?,
        batches: batch::list(&mut books, id).await?,
        has_bank: program.settings.bank_iban.is_some(),
        tomorrow: tomorrow.to_string(),
    };
    let template = "staff/affiliation_payouts.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &page)
        .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PrepareForm {
    execution_date: String,
}

/// `POST /staff/affiliation/programs/{id}/payouts`: a batch of the requests.
pub async fn prepare(
    staff: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<PrepareForm>,
) -> Result<Response, AppError> {
    program(&mut tx, id).await?;
    let url = format!("{}/payouts", program_url(id));
    let Ok(date) = NaiveDate::parse_from_str(form.execution_date.trim(), "%Y-%m-%d") else {
        let error = crate::affiliation::Error::invalid("execution_date", "date", "a date");
        return refused(&url, error);
    };
    let by = staff.principal().account_id;
    let today = Utc::now().date_naive();
    match batch::prepare(&mut Books::tenant(&mut tx), id, date, today, Some(by)).await {
        Ok(batch) => {
            audited(
                &mut tx,
                by,
                "affiliation.batch.prepare",
                json!({ "program": id, "batch": batch.id }),
            )
            .await?;
            Ok(done(&url, "affiliation-flash-batch-prepared"))
        }
        Err(error) => refused(&url, error),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaidForm {
    bank_reference: String,
}

/// `POST …/batches/{batch}/paid`.
pub async fn mark_paid(
    staff: RequireRole<Treasurer>,
    Path((id, batch_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
    Form(form): Form<PaidForm>,
) -> Result<Response, AppError> {
    let url = format!("{}/payouts", program_url(id));
    let mut books = Books::tenant(&mut tx);
    let paid = match batch::mark_paid(&mut books, id, batch_id, &form.bank_reference).await {
        Ok(paid) => paid,
        Err(error) => return refused(&url, error),
    };
    for payout_id in &paid {
        if let Some(payout) = payouts::find(&mut books, *payout_id).await? {
            events::payout(&mut books, "payout.paid", &payout).await?;
        }
    }
    let details = json!({ "program": id, "batch": batch_id, "payouts": paid, "reference": form.bank_reference.trim() });
    audited(
        &mut tx,
        staff.principal().account_id,
        "affiliation.batch.paid",
        details,
    )
    .await?;
    Ok(done(&url, "affiliation-flash-batch-paid"))
}

/// `GET …/batches/{batch}/{transfers.csv|transfers.xml}`.
pub async fn download(
    _: RequireRole<Treasurer>,
    Path((id, batch_id, file)): Path<(i64, i64, String)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let mut books = Books::tenant(&mut tx);
    let (body, kind) = match file.as_str() {
        "transfers.csv" => (
            batch::csv(&mut books, id, batch_id).await?,
            "text/csv; charset=utf-8",
        ),
        "transfers.xml" => {
            let xml = batch::transfer_file(&mut books, id, batch_id, Utc::now()).await?;
            (xml.into_bytes(), "application/xml")
        }
        _ => return Err(AppError::NotFound),
    };
    let name = format!("attachment; filename=\"batch-{batch_id}-{file}\"");
    let headers = [
        (header::CONTENT_TYPE, kind.to_owned()),
        (header::CONTENT_DISPOSITION, name),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    Ok((headers, body).into_response())
}
