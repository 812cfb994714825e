//! `/treasury/tax-receipts`: the administrator declares the association
//! (the form is shown to them only; refused fields are marked, nothing is
//! saved); treasurers issue the year's receipts in one go, cancel one with
//! a reason (a replacement is issued), download each PDF and read the
//! figures of the yearly declaration. `/membership/tax-receipts`: a
//! donor's own receipts, to download.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::api::pdf_of;
use super::declaration::{self, Declaration, ORGANISATION_TYPES};
use super::store::{self, Declared, Filter, TaxReceipt};
use super::{caps, issue};
use crate::auth::{Admin, RequestAuth, RequireRole, Role, SignedIn, Treasurer};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::storage::Storage;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const HOME: &str = "/treasury/tax-receipts";

/// The declaration form as typed (checkboxes arrive only when ticked).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DeclarationForm {
    enabled: Option<String>,
    organisation_type: String,
    organisation_other: String,
    article_200: Option<String>,
    article_978: Option<String>,
    object: String,
    identifier: String,
    street: String,
    post_code: String,
    town: String,
    signatory_name: String,
    signatory_title: String,
}

impl DeclarationForm {
    fn of(d: Declaration) -> Self {
        let on = |b: bool| b.then(|| "on".to_owned());
        Self {
            enabled: on(d.enabled),
            organisation_type: d.organisation_type,
            organisation_other: d.organisation_other,
            article_200: on(d.article_200),
            article_978: on(d.article_978),
            object: d.object,
            identifier: d.identifier,
            street: d.street,
            post_code: d.post_code,
            town: d.town,
            signatory_name: d.signatory_name,
            signatory_title: d.signatory_title,
        }
    }

    fn declaration(&self) -> Declaration {
        Declaration {
            enabled: self.enabled.is_some(),
            organisation_type: self.organisation_type.clone(),
            organisation_other: self.organisation_other.clone(),
            article_200: self.article_200.is_some(),
            article_978: self.article_978.is_some(),
            object: self.object.clone(),
            identifier: self.identifier.clone(),
            street: self.street.clone(),
            post_code: self.post_code.clone(),
            town: self.town.clone(),
            signatory_name: self.signatory_name.clone(),
            signatory_title: self.signatory_title.clone(),
        }
    }
}

/// A receipt as the lists show it.
#[derive(Serialize)]
struct Row {
    id: i64,
    reference: String,
    donor_name: String,
    tax_year: i32,
    period: String,
    amount: String,
    cancelled: bool,
}

fn row(r: TaxReceipt) -> Row {
    let period = super::pdf::when(&r);
    Row {
        id: r.id,
        reference: r.reference,
        donor_name: r.donor_name,
        tax_year: r.tax_year,
        period,
        amount: super::pdf::amount_texts(r.amount_minor).0,
        cancelled: r.cancelled_at.is_some(),
    }
}

/// A year's declaration figures, the total formatted.
#[derive(Serialize)]
struct Figures {
    tax_year: i32,
    receipts: i64,
    total: String,
}

fn figures(d: Declared) -> Figures {
    Figures {
        tax_year: d.tax_year,
        receipts: d.receipts,
        total: super::pdf::amount_texts(d.total_minor).0,
    }
}

#[derive(Serialize)]
struct TreasuryPage {
    admin: bool,
    enabled: bool,
    form: DeclarationForm,
    types: [&'static str; 7],
    receipts: Vec<Row>,
    last_year: Figures,
    this_year: Figures,
    cap: String,
    error_field: String,
    error_text: String,
    csrf_token: String,
}

async fn treasury_page(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    role: Role,
    form: Option<DeclarationForm>,
) -> Result<TreasuryPage, AppError> {
    let saved = declaration::load(tx).await?;
    let enabled = saved.as_ref().is_some_and(|d| d.enabled);
    let form = form.unwrap_or_else(|| {
        saved.map_or_else(
            || DeclarationForm {
                organisation_type: "association_1901".into(),
                article_200: Some("on".into()),
                ..DeclarationForm::default()
            },
            DeclarationForm::of,
        )
    });
    let today = crate::contributions::memberships::today();
    let filter = Filter {
        limit: 300,
        ..Filter::default()
    };
    let cap = caps::on(tx, today)
        .await?
        .map(|c| super::pdf::amount_texts(c.cap_minor).0);
    Ok(TreasuryPage {
        admin: role >= Role::Admin,
        enabled,
        form,
        types: ORGANISATION_TYPES,
        receipts: store::list(tx, &filter)
            .await?
            .into_iter()
            .map(row)
            .collect(),
        last_year: figures(store::declared(tx, today.year() - 1).await?),
        this_year: figures(store::declared(tx, today.year()).await?),
        cap: cap.unwrap_or_default(),
        error_field: String::new(),
        error_text: String::new(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /treasury/tax-receipts`.
pub async fn treasury(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = treasury_page(&mut tx, &auth, guard.principal().role, None).await?;
    let template = "tax_receipts/treasury.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &data)
        .await?)
}

/// `POST /treasury/tax-receipts/declaration` (administrators).
pub async fn save_declaration(
    State(themes): State<Themes>,
    guard: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<DeclarationForm>,
) -> Result<Response, AppError> {
    let refusal = match form.declaration().checked() {
        Ok(checked) => {
            declaration::save(&mut tx, &checked, guard.principal().account_id).await?;
            return Ok(redirect_with(
                HOME,
                Some(Flash::new(FlashKind::Success, "flash-saved")),
            ));
        }
        Err(Refusal::Database(error)) => return Err(error.into()),
        Err(refusal) => refusal,
    };
    let mut data = treasury_page(&mut tx, &auth, guard.principal().role, Some(form)).await?;
    data.error_field = refusal.field().unwrap_or("identifier").to_owned();
    data.error_text = refusal.to_string();
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(themes
        .private_page(&tx, &view, "tax_receipts/treasury.html", status, &data)
        .await?)
}

#[derive(Debug, Deserialize)]
pub struct YearForm {
    #[serde(default)]
    tax_year: String,
}

/// `POST /treasury/tax-receipts`: every donor's receipt for a year.
pub async fn issue_year(
    guard: RequireRole<Treasurer>,
    mut tx: TenantTx,
    Form(form): Form<YearForm>,
) -> Result<Response, AppError> {
    let by = Some(guard.principal().account_id);
    let year = form.tax_year.trim().parse::<i32>().unwrap_or(0);
    let flash = match issue::for_year_all(&mut tx, year, by).await {
        Ok(0) => Flash::new(FlashKind::Info, "tax-receipts-flash-none"),
        Ok(_) => Flash::new(FlashKind::Success, "tax-receipts-flash-issued"),
        Err(Refusal::Database(error)) => return Err(error.into()),
        Err(Refusal::Conflict { .. }) => Flash::new(FlashKind::Error, "tax-receipts-flash-off"),
        Err(_) => Flash::new(FlashKind::Error, "tax-receipts-flash-bad-year"),
    };
    Ok(redirect_with(HOME, Some(flash)))
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// `POST /treasury/tax-receipts/{id}/cancel`.
pub async fn cancel(
    guard: RequireRole<Treasurer>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Result<Response, AppError> {
    let by = guard.principal().account_id;
    let flash = match issue::cancel_and_reissue(&mut tx, id, &form.reason, by).await {
        Ok(_) => Flash::new(FlashKind::Success, "tax-receipts-flash-cancelled"),
        Err(Refusal::NotFound(_)) => return Err(AppError::NotFound),
        Err(Refusal::Database(error)) => return Err(error.into()),
        Err(Refusal::Invalid { .. }) => Flash::new(FlashKind::Error, "tax-receipts-flash-reason"),
        Err(_) => Flash::new(FlashKind::Error, "tax-receipts-flash-already"),
    };
    Ok(redirect_with(HOME, Some(flash)))
}

/// `GET /treasury/tax-receipts/{id}/pdf`.
pub async fn staff_pdf(
    _: RequireRole<Treasurer>,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    pdf_of(&mut tx, &storage, id, None).await
}

#[derive(Serialize)]
struct MinePage {
    receipts: Vec<Row>,
}

/// `GET /membership/tax-receipts`.
pub async fn mine(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let filter = Filter {
        account_id: Some(principal.account_id),
        limit: 100,
        ..Filter::default()
    };
    let receipts = store::list(&mut tx, &filter).await?;
    let data = MinePage {
        receipts: receipts.into_iter().map(row).collect(),
    };
    let template = "tax_receipts/mine.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &data)
        .await?)
}

/// `GET /membership/tax-receipts/{id}/pdf`: one's own only.
pub async fn my_pdf(
    SignedIn(principal): SignedIn,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    pdf_of(&mut tx, &storage, id, Some(principal.account_id)).await
}
