//! `/staff/federation`: for a club, its federation link (accept, refuse,
//! leave) and the list it shares; for a federation, the links waiting for
//! it, its clubs' published aggregates with the dues each owes, the rate
//! per licence, the roll-up as CSV and the lists clubs shared.
//! Treasurers read; admins change. A refused form comes back as a flash
//! before anything is written.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::Federations;
use super::actions::{self, Standing};
use super::clubs::{self, Club, Dues, SharedList};
use crate::auth::{Admin, RequestAuth, RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const PAGE: &str = "/staff/federation";

/// A club's line as shown, money formatted.
#[derive(Serialize)]
struct ClubLine {
    club: Club,
    dues_owed: String,
}

#[derive(Serialize)]
struct Page<'a> {
    csrf: &'a str,
    is_admin: bool,
    standing: Standing,
    clubs: Vec<ClubLine>,
    total_licences: i64,
    total_dues: String,
    rate: String,
    licence_holders: &'static str,
}

/// `GET /staff/federation`.
pub async fn show(
    State(themes): State<Themes>,
    State(federations): State<Federations>,
    staff: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let standing = actions::standing(&federations, &tx).await?;
    let found = actions::clubs_of(&federations, &tx).await?;
    let money = |minor: i64| {
        crate::themes::filters::format_money(
            minor as f64 / 100.0,
            &standing.dues.currency,
            view.locale,
        )
    };
    let total_licences = found.iter().map(|c| c.licences).sum();
    let total_dues = money(found.iter().map(|c| c.dues_owed_minor).sum());
    let rate = actions::major(standing.dues.per_licence_minor);
    let clubs = found
        .into_iter()
        .map(|club| ClubLine {
            dues_owed: money(club.dues_owed_minor),
            club,
        })
        .collect();
    let page = Page {
        csrf: auth.csrf.value(),
        is_admin: staff.principal().role >= crate::auth::Role::Admin,
        standing,
        clubs,
        total_licences,
        total_dues,
        rate,
        licence_holders: actions::LICENCE_HOLDERS,
    };
    Ok(themes
        .private_page(&tx, &view, "staff/federation.html", StatusCode::OK, &page)
        .await?)
}

/// `GET /staff/federation/clubs.csv`: the roll-up.
pub async fn csv(
    _: RequireRole<Treasurer>,
    State(federations): State<Federations>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    super::api::rollup_csv(&federations, &tx).await
}

/// `GET /staff/federation/clubs.xlsx`: the roll-up for a spreadsheet.
pub async fn xlsx(
    _: RequireRole<Treasurer>,
    State(federations): State<Federations>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    super::api::rollup_xlsx(&federations, &tx).await
}

#[derive(Serialize)]
struct ListPage {
    list: SharedList,
}

/// `GET /staff/federation/clubs/{club}/lists/{name}`.
pub async fn list(
    State(themes): State<Themes>,
    State(federations): State<Federations>,
    _: RequireRole<Treasurer>,
    view: PageView,
    Path((club, name)): Path<(String, String)>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let me = tx.tenant().id.get();
    let list = clubs::shared_list(federations.platform(), me, &club, &name)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = ListPage { list };
    Ok(themes
        .private_page(
            &tx,
            &view,
            "staff/federation_list.html",
            StatusCode::OK,
            &page,
        )
        .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    action: String,
    link_id: i64,
    rate: String,
    currency: String,
    list: String,
}

/// `POST /staff/federation`: `accept`, `leave`, `dues`, `share`, `withdraw`.
pub async fn act(
    staff: RequireRole<Admin>,
    State(federations): State<Federations>,
    mut tx: TenantTx,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let by = staff.principal().account_id;
    let outcome = match form.action.as_str() {
        "accept" => actions::accept(&federations, &mut tx, by, form.link_id)
            .await
            .map(|_| ()),
        "leave" => actions::end(&federations, &mut tx, by, form.link_id).await,
        "dues" => match dues(&form) {
            Ok(dues) => actions::set_dues(&federations, &mut tx, by, &dues).await,
            Err(refusal) => Err(refusal),
        },
        "share" => actions::share(&federations, &mut tx, by).await.map(|_| ()),
        "withdraw" => actions::withdraw(&federations, &mut tx, by, &form.list).await,
        _ => return Err(AppError::NotFound),
    };
    let flash = match outcome {
        Ok(()) => Flash::new(FlashKind::Success, &format!("fed-done-{}", form.action)),
        Err(Refusal::Database(error)) => return Err(AppError::Database(error)),
        Err(_) => Flash::new(FlashKind::Error, "fed-refused"),
    };
    Ok(redirect_with(PAGE, Some(flash)))
}

fn dues(form: &ActForm) -> Result<Dues, Refusal> {
    let currency =
        Currency::parse(form.currency.trim()).map_err(|e| Refusal::money("currency", e))?;
    let amount = Amount::parse(form.rate.trim().replace(',', ".").as_str(), currency)
        .map_err(|e| Refusal::money("rate", e))?;
    Ok(Dues {
        per_licence_minor: amount.minor(),
        currency: currency.code().to_owned(),
    })
}
