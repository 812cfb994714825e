//! `/staff/partner`: the association's place in the platform's programme,
//! for its administrators: its partner links (on the platform's host), the
//! associations it brought, its earnings and fee credit, its bank details
//! and payout requests. Read from and written to the platform's books,
//! for this tenant's own partner row only.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{done, refused};
use crate::affiliation::affiliates::{self, Affiliate, PayeeDetails};
use crate::affiliation::books::Books;
use crate::affiliation::links::{self, Link};
use crate::affiliation::payouts::{self, Payout, bank};
use crate::affiliation::stats::{self, Stats};
use crate::affiliation::{Affiliation, platform};
use crate::auth::{Admin, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::form::Form;

#[derive(Serialize)]
struct Page<'a> {
    csrf: &'a str,
    partner: Option<Affiliate>,
    stats: Option<Stats>,
    links: Vec<Link>,
    payouts: Vec<Payout>,
    available_minor: i64,
    fee_credit_minor: i64,
    base: &'a str,
}

/// The tenant's partner row in the platform's programme (the first, if the
/// operators run several).
async fn mine(books: &mut Books<'_>, tenant_id: i64) -> Result<Option<Affiliate>, sqlx::Error> {
    Ok(affiliates::of_party(books, tenant_id)
        .await?
        .into_iter()
        .next())
}

/// `GET /staff/partner`.
pub async fn show(
    State(themes): State<Themes>,
    State(affiliation): State<Affiliation>,
    _: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let tenant_id = tx.tenant().id.get();
    let mut ptx = platform::begin(affiliation.platform()).await?;
    let mut books = Books::Platform(&mut ptx);
    let partner = mine(&mut books, tenant_id).await?.map(|mut partner| {
        partner.iban = partner.iban.as_deref().map(bank::masked);
        partner
    });
    let (mut stats, mut links, mut history, mut available) = (None, Vec::new(), Vec::new(), 0);
    if let Some(partner) = &partner {
        stats = Some(stats::of_affiliate(&mut books, partner.id).await?);
        links = links::of_affiliate(&mut books, partner.id).await?;
        history = payouts::of_affiliate(&mut books, partner.id).await?;
        available = payouts::available(&mut books, partner.id).await?;
    }
    let credit = platform::fee_credit(&mut ptx, tenant_id).await?;
    ptx.commit().await?;
    let page = Page {
        csrf: auth.csrf.value(),
        partner,
        stats,
        links,
        payouts: history,
        available_minor: available,
        fee_credit_minor: credit,
        base: affiliation.platform_base(),
    };
    Ok(themes
        .private_page(
            &tx,
            &view,
            "staff/affiliation_partner.html",
            StatusCode::OK,
            &page,
        )
        .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PartnerForm {
    action: String,
    payee_name: String,
    iban: String,
    bic: String,
}

/// `POST /staff/partner`: bank details, or a payout request.
pub async fn act(
    State(affiliation): State<Affiliation>,
    staff: RequireRole<Admin>,
    mut tx: TenantTx,
    Form(form): Form<PartnerForm>,
) -> Result<Response, AppError> {
    let tenant_id = tx.tenant().id.get();
    let mut ptx = platform::begin(affiliation.platform()).await?;
    let mut books = Books::Platform(&mut ptx);
    let partner = mine(&mut books, tenant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let result = match form.action.as_str() {
        "bank" => {
            let details = PayeeDetails {
                payee_name: form.payee_name,
                iban: form.iban,
                bic: Some(form.bic),
            };
            affiliates::set_payee(&mut books, partner.id, details).await
        }
        "payout" => payouts::request(&mut books, partner.id).await.map(|_| ()),
        _ => return Err(AppError::NotFound),
    };
    if let Err(error) = result {
        return refused("/staff/partner", error);
    }
    ptx.commit().await?;
    let details = serde_json::json!({ "partner": partner.id, "action": form.action });
    super::audited(
        &mut tx,
        staff.principal().account_id,
        "affiliation.partner",
        details,
    )
    .await?;
    Ok(done("/staff/partner", "affiliation-flash-saved"))
}
