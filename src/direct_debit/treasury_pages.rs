//! `/treasury/direct-debit`: the treasurer sets the association up as a
//! SEPA creditor (identifier, name and address, account, delays) and sees
//! every mandate, with the member's and the bank's view of it; a mandate
//! can be cancelled here (the member asked by letter, the bank said the
//! account is closed).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::mandates;
use super::settings::{self, Creditor};
use super::{MandateView, view_of};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const HOME: &str = "/treasury/direct-debit";
const TEMPLATE: &str = "direct_debit/treasury.html";

#[derive(Serialize)]
struct TreasuryPage {
    settings: SettingsForm,
    configured: bool,
    mandates: Vec<MandateView>,
    error_field: String,
    error_text: String,
    csrf_token: String,
}

/// The settings form as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    creditor_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    post_code: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    iban: String,
    #[serde(default)]
    bic: String,
    #[serde(default)]
    lead_days: String,
    #[serde(default)]
    notice_days: String,
}

impl SettingsForm {
    fn of(creditor: Creditor) -> Self {
        Self {
            creditor_id: creditor.creditor_id,
            name: creditor.name,
            street: creditor.street,
            building: creditor.building,
            post_code: creditor.post_code,
            town: creditor.town,
            country: creditor.country,
            iban: creditor.iban,
            bic: creditor.bic.unwrap_or_default(),
            lead_days: creditor.lead_days.to_string(),
            notice_days: creditor.notice_days.to_string(),
        }
    }

    fn creditor(&self) -> Result<Creditor, Refusal> {
        let days = |field: &'static str, value: &str| {
            value
                .trim()
                .parse::<i16>()
                .map_err(|_| Refusal::invalid(field, "days", "a number of days"))
        };
        Creditor {
            creditor_id: self.creditor_id.clone(),
            name: self.name.clone(),
            street: self.street.clone(),
            building: self.building.clone(),
            post_code: self.post_code.clone(),
            town: self.town.clone(),
            country: self.country.clone(),
            iban: self.iban.clone(),
            bic: Some(self.bic.clone()),
            lead_days: days("lead_days", &self.lead_days)?,
            notice_days: days("notice_days", &self.notice_days)?,
        }
        .checked()
    }
}

async fn page(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    form: Option<SettingsForm>,
    locale: &str,
) -> Result<TreasuryPage, AppError> {
    let saved = settings::load(tx).await?;
    let configured = saved.is_some();
    let settings = form.unwrap_or_else(|| {
        saved.map_or_else(
            || SettingsForm {
                country: "FR".into(),
                lead_days: "2".into(),
                notice_days: "14".into(),
                ..SettingsForm::default()
            },
            SettingsForm::of,
        )
    });
    let all = mandates::list(tx, None, None, 500).await?;
    Ok(TreasuryPage {
        settings,
        configured,
        mandates: all.iter().map(|m| view_of(m, locale)).collect(),
        error_field: String::new(),
        error_text: String::new(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /treasury/direct-debit`.
pub async fn show(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = page(&mut tx, &auth, None, view.locale).await?;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, StatusCode::OK, &data)
        .await?)
}

/// `POST /treasury/direct-debit`: the settings, checked before writing.
pub async fn save(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let refusal = match form.creditor() {
        Ok(creditor) => {
            settings::save(&mut tx, &creditor, guard.principal().account_id).await?;
            let flash = Flash::new(FlashKind::Success, "flash-saved");
            return Ok(redirect_with(HOME, Some(flash)));
        }
        Err(Refusal::Database(error)) => return Err(error.into()),
        Err(refusal) => refusal,
    };
    let mut data = page(&mut tx, &auth, Some(form), view.locale).await?;
    data.error_field = refusal.field().unwrap_or("creditor_id").to_owned();
    data.error_text = refusal.to_string();
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, status, &data)
        .await?)
}

/// `POST /treasury/direct-debit/mandates/{id}/cancel`.
pub async fn cancel(
    guard: RequireRole<Treasurer>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let by = Some(guard.principal().account_id);
    let flash = match mandates::cancel(&mut tx, id, "cancelled by the treasurer", by).await {
        Ok(_) => Flash::new(FlashKind::Success, "direct-debit-cancelled"),
        Err(Refusal::Conflict { .. }) => Flash::new(FlashKind::Error, "direct-debit-ended"),
        Err(Refusal::NotFound(_)) => return Err(AppError::NotFound),
        Err(refusal) => return Err(refusal.into()),
    };
    Ok(redirect_with(HOME, Some(flash)))
}
