//! `/treasury/direct-debit/collections`: the treasurer's round of debits.
//! The debits planned and sent (each member already told), a button to
//! plan now rather than wait for the night's run, one to write the bank
//! file of every debit that can still reach its date, the files to
//! download again, and the bank's report (pain.002 or camt.054) to upload:
//! the page then says what it changed.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::collections::{self, BatchSummary, Collection, Filter, Imported};
use super::collections_api::xml_download;
use super::settings;
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::memberships::today;
use crate::contributions::pages::{Money, day};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};

const HOME: &str = "/treasury/direct-debit/collections";
const TEMPLATE: &str = "direct_debit/collections.html";
/// A bank report larger than this is not one of ours.
const REPORT_LIMIT: usize = 8 * 1024 * 1024;

#[derive(Serialize)]
struct CollectionsPage {
    configured: bool,
    debits: Vec<DebitRow>,
    batches: Vec<BatchRow>,
    imported: Option<Imported>,
    error_text: String,
    csrf_token: String,
}

#[derive(Serialize)]
struct DebitRow {
    date: String,
    member: String,
    account_id: i64,
    reference: String,
    amount: Money,
    status: &'static str,
    attempt: i16,
    reason: String,
}

#[derive(Serialize)]
struct BatchRow {
    id: i64,
    message_id: String,
    count: i32,
    total: Money,
    first_due: String,
    created: String,
}

fn euros(minor: i64, locale: &str) -> Money {
    Money::new(
        Amount::new(minor, Currency::EUR).unwrap_or(Amount::zero(Currency::EUR)),
        locale,
    )
}

fn debit_row(debit: Collection, locale: &str) -> DebitRow {
    DebitRow {
        date: day(debit.due_on, locale),
        member: debit.debtor_name,
        account_id: debit.account_id,
        reference: debit.mandate_reference,
        amount: euros(debit.amount_minor, locale),
        status: debit.status.as_str(),
        attempt: debit.attempt,
        reason: debit.reason.unwrap_or_default(),
    }
}

fn batch_row(batch: BatchSummary, locale: &str) -> BatchRow {
    BatchRow {
        id: batch.id,
        message_id: batch.message_id,
        count: batch.debit_count,
        total: euros(batch.total_minor, locale),
        first_due: day(batch.first_due_on, locale),
        created: day(batch.created_at.date_naive(), locale),
    }
}

async fn page(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    locale: &str,
) -> Result<CollectionsPage, AppError> {
    let configured = settings::load(tx).await?.is_some();
    let filter = Filter {
        limit: 300,
        ..Filter::default()
    };
    let debits = collections::list(tx, &filter).await?;
    let batches = collections::batches(tx, 50).await?;
    Ok(CollectionsPage {
        configured,
        debits: debits.into_iter().map(|d| debit_row(d, locale)).collect(),
        batches: batches.into_iter().map(|b| batch_row(b, locale)).collect(),
        imported: None,
        error_text: String::new(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /treasury/direct-debit/collections`.
pub async fn show(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = page(&mut tx, &auth, view.locale).await?;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, StatusCode::OK, &data)
        .await?)
}

/// `POST /treasury/direct-debit/collections/plan`.
pub async fn plan(_: RequireRole<Treasurer>, mut tx: TenantTx) -> Result<Response, AppError> {
    let flash = match collections::plan(&mut tx, today()).await {
        Ok(planned) if planned.debits > 0 => {
            Flash::new(FlashKind::Success, "direct-debit-flash-planned")
        }
        Ok(_) => Flash::new(FlashKind::Info, "direct-debit-flash-nothing-planned"),
        Err(Refusal::Conflict { .. }) => {
            Flash::new(FlashKind::Error, "direct-debit-flash-not-euro")
        }
        Err(refusal) => return Err(refusal.into()),
    };
    Ok(redirect_with(HOME, Some(flash)))
}

/// `POST /treasury/direct-debit/batches`: writes the file, then offers it.
pub async fn prepare(
    guard: RequireRole<Treasurer>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let by = guard.principal().account_id;
    let flash = match collections::prepare(&mut tx, today(), by).await {
        Ok(_) => Flash::new(FlashKind::Success, "direct-debit-flash-batch"),
        Err(Refusal::Conflict { .. }) => {
            Flash::new(FlashKind::Info, "direct-debit-flash-nothing-to-send")
        }
        Err(Refusal::Invalid { .. }) => {
            Flash::new(FlashKind::Error, "direct-debit-flash-batch-refused")
        }
        Err(refusal) => return Err(refusal.into()),
    };
    Ok(redirect_with(HOME, Some(flash)))
}

/// `GET /treasury/direct-debit/batches/{id}/file`.
pub async fn file(
    _: RequireRole<Treasurer>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let found = collections::file(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(xml_download(found))
}

/// `POST /treasury/direct-debit/returns` (multipart: `csrf_token`, then the
/// bank's file in `file`).
pub async fn import(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let by = guard.principal().account_id;
    let outcome = match read_report(multipart).await {
        Ok(xml) => collections::import(&mut tx, &xml, today(), by).await,
        Err(refusal) => Err(refusal),
    };
    let (imported, error_text, status) = match outcome {
        Ok(imported) => (Some(imported), String::new(), StatusCode::OK),
        Err(Refusal::Database(error)) => return Err(error.into()),
        Err(refusal) => (None, refusal.to_string(), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let mut data = page(&mut tx, &auth, view.locale).await?;
    data.imported = imported;
    data.error_text = error_text;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, status, &data)
        .await?)
}

/// The uploaded file's text.
async fn read_report(multipart: Result<Multipart, MultipartRejection>) -> Result<String, Refusal> {
    let unreadable = || Refusal::invalid("file", "report", "choose the file your bank gave you");
    let mut multipart = multipart.map_err(|_| unreadable())?;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
            if bytes.len() + chunk.len() > REPORT_LIMIT {
                return Err(Refusal::invalid(
                    "file",
                    "too-large",
                    "this file is too large to be a bank report",
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        return String::from_utf8(bytes).map_err(|_| unreadable());
    }
    Err(unreadable())
}
