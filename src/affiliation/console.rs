//! `/console/affiliation`: the platform's programme in the operators'
//! console: each programme with its partners (earnings, associations
//! brought), payouts waiting and batches with their SEPA file, and forms to
//! add a partner, charge an association its fees and prepare or pay a
//! batch. Support operators read; the operator role writes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::affiliates::{self, Affiliate, Joining};
use super::books::Books;
use super::payouts::batch::{self, Batch};
use super::payouts::{self, Payout};
use super::programs::{self, Program};
use super::stats::{self, Stats};
use super::{Affiliation, Error, links, platform};
use crate::error::AppError;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const PAGE: &str = "/console/affiliation";

#[derive(Serialize)]
struct Partner {
    affiliate: Affiliate,
    stats: Stats,
    code: Option<String>,
}

#[derive(Serialize)]
struct ProgramView {
    program: Program,
    partners: Vec<Partner>,
    payouts: Vec<Payout>,
    batches: Vec<Batch>,
}

#[derive(Serialize)]
struct Page {
    operator: OperatorPrincipal,
    programs: Vec<ProgramView>,
    base: String,
    tomorrow: String,
}

/// `GET /console/affiliation`.
pub async fn page(
    State(themes): State<Themes>,
    State(affiliation): State<Affiliation>,
    view: ConsoleView,
    operator: OperatorPrincipal,
) -> Result<Response, AppError> {
    let mut tx = platform::begin(affiliation.platform()).await?;
    let mut books = Books::Platform(&mut tx);
    let mut views = Vec::new();
    for program in programs::list(&mut books).await? {
        let mut partners = Vec::new();
        for mut affiliate in affiliates::list(&mut books, program.id).await? {
            let stats = stats::of_affiliate(&mut books, affiliate.id).await?;
            let code = links::of_affiliate(&mut books, affiliate.id)
                .await?
                .into_iter()
                .find(|link| link.active)
                .map(|link| link.code);
            affiliate.iban = affiliate.iban.as_deref().map(payouts::bank::masked);
            partners.push(Partner {
                affiliate,
                stats,
                code,
            });
        }
        views.push(ProgramView {
            payouts: payouts::of_program(&mut books, program.id).await?,
            batches: batch::list(&mut books, program.id).await?,
            program,
            partners,
        });
    }
    tx.commit().await?;
    let page = Page {
        operator,
        programs: views,
        base: affiliation.platform_base().to_owned(),
        tomorrow: (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string(),
    };
    themes.console_page(&view, "platform/affiliation.html", StatusCode::OK, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    action: String,
    program_id: i64,
    name: String,
    email: String,
    tenant: String,
    amount: String,
    label: String,
    execution_date: String,
    batch_id: i64,
    bank_reference: String,
}

/// `POST /console/affiliation`: one form per action.
pub async fn act(
    State(affiliation): State<Affiliation>,
    CanWrite(operator): CanWrite,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let outcome = match form.action.as_str() {
        "partner" => add_partner(&affiliation, &form).await,
        "fee" => charge(&affiliation, &form).await,
        "batch" => prepare(&affiliation, &form, operator.id).await,
        "paid" => paid(&affiliation, &form).await,
        _ => return Err(AppError::NotFound),
    };
    let flash = match outcome {
        Ok(()) => Flash::new(FlashKind::Success, "op-affiliation-done"),
        Err(Error::Database(error)) => return Err(AppError::Database(error)),
        Err(_) => Flash::new(FlashKind::Error, "op-affiliation-refused"),
    };
    affiliation.forget_links();
    Ok(redirect_with(PAGE, Some(flash)))
}

async fn tenant_id(affiliation: &Affiliation, slug: &str) -> Result<Option<i64>, Error> {
    let Ok(slug) = crate::model::Slug::parse(slug.trim()) else {
        return Err(Error::invalid(
            "tenant",
            "unknown-tenant",
            "no such association",
        ));
    };
    let found = crate::tenancy::registry::find_by_slug(affiliation.platform(), &slug).await?;
    Ok(found.map(|tenant| tenant.id.get()))
}

async fn add_partner(affiliation: &Affiliation, form: &ActForm) -> Result<(), Error> {
    let party = match form.tenant.trim() {
        "" => None,
        slug => Some(
            tenant_id(affiliation, slug)
                .await?
                .ok_or(Error::NotFound("tenant"))?,
        ),
    };
    let mut tx = platform::begin(affiliation.platform()).await?;
    let mut books = Books::Platform(&mut tx);
    programs::find(&mut books, form.program_id)
        .await?
        .ok_or(Error::NotFound("program"))?;
    let joining = Joining {
        program_id: form.program_id,
        party_id: party,
        name: &form.name,
        email: &form.email,
    };
    let partner = affiliates::join(&mut books, joining).await?;
    if links::of_affiliate(&mut books, partner.id)
        .await?
        .is_empty()
    {
        links::create(&mut books, partner.id, links::NewLink::default()).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn charge(affiliation: &Affiliation, form: &ActForm) -> Result<(), Error> {
    let tenant = tenant_id(affiliation, &form.tenant)
        .await?
        .ok_or(Error::NotFound("tenant"))?;
    let amount = crate::model::Amount::parse(
        form.amount.trim().replace(',', ".").as_str(),
        crate::model::Currency::EUR,
    )
    .map_err(|_| Error::invalid("amount", "amount", "an amount such as 120.00"))?;
    let fee = platform::NewFee {
        tenant_id: tenant,
        label: form.label.clone(),
        amount_minor: amount.minor(),
        currency: "EUR".into(),
    };
    platform::charge(affiliation.platform(), fee, None)
        .await
        .map(|_| ())
}

async fn prepare(affiliation: &Affiliation, form: &ActForm, by: i64) -> Result<(), Error> {
    let date = chrono::NaiveDate::parse_from_str(form.execution_date.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid("execution_date", "date", "a date"))?;
    let mut tx = platform::begin(affiliation.platform()).await?;
    let today = chrono::Utc::now().date_naive();
    batch::prepare(
        &mut Books::Platform(&mut tx),
        form.program_id,
        date,
        today,
        Some(by),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn paid(affiliation: &Affiliation, form: &ActForm) -> Result<(), Error> {
    let mut tx = platform::begin(affiliation.platform()).await?;
    batch::mark_paid(
        &mut Books::Platform(&mut tx),
        form.program_id,
        form.batch_id,
        &form.bank_reference,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
