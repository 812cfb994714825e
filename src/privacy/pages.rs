//! The pages: `/accounts/privacy/` (a person's consents with their wording
//! and dates, give or withdraw, the directory fields), `/directory` (the
//! member directory, members only) and `/staff/privacy/register` (the
//! processing register, administrators only).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::api::{MyPrivacy, my_privacy};
use super::consents::{self, Purpose, Source};
use super::directory::{self, Field, Listing};
use super::export::{self, Export};
use super::register::{Processing, REGISTER};
use crate::auth::{Admin, RequireRole, SignedIn};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::storage::Storage;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const PAGE: &str = "/accounts/privacy/";

/// One purpose as the page shows it: its wording now, and whether it holds.
#[derive(Serialize)]
struct PurposeView {
    purpose: Purpose,
    live: bool,
    wording: &'static str,
}

/// A directory field and whether the person shows it.
#[derive(Serialize)]
struct FieldView {
    field: Field,
    shown: bool,
}

#[derive(Serialize)]
struct PrivacyPage {
    purposes: Vec<PurposeView>,
    mine: MyPrivacy,
    fields: Vec<FieldView>,
    exports: Vec<Export>,
}

/// `GET /accounts/privacy/`.
pub async fn show(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let mine = my_privacy(&mut tx, principal.account_id).await?;
    let purposes = Purpose::ALL
        .iter()
        .map(|&purpose| PurposeView {
            purpose,
            live: mine.live.contains(&purpose),
            wording: purpose.wording(view.locale),
        })
        .collect();
    let fields = Field::ALL
        .iter()
        .map(|&field| FieldView {
            field,
            shown: mine.directory_fields.contains(&field),
        })
        .collect();
    let page = PrivacyPage {
        purposes,
        mine,
        fields,
        exports: export::list(&mut tx, principal.account_id).await?,
    };
    Ok(themes
        .private_page(&tx, &view, "privacy/mine.html", StatusCode::OK, &page)
        .await?)
}

#[derive(Debug, Deserialize)]
pub struct ConsentForm {
    purpose: String,
    /// `give` or `withdraw`.
    action: String,
}

/// `POST /accounts/privacy/consents`: gives, in the page's language, or
/// withdraws one consent.
pub async fn consent(
    view: PageView,
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
    Form(form): Form<ConsentForm>,
) -> Result<Response, AppError> {
    let purpose: Purpose = form
        .purpose
        .parse()
        .map_err(|_| AppError::BadRequest("unknown purpose".into()))?;
    let account = principal.account_id;
    let key = match form.action.as_str() {
        "give" => {
            consents::grant(&mut tx, account, purpose, view.locale, Source::Portal).await?;
            "privacy-flash-given"
        }
        "withdraw" => {
            consents::withdraw(&mut tx, account, purpose).await?;
            "privacy-flash-withdrawn"
        }
        _ => return Err(AppError::BadRequest("give or withdraw".into())),
    };
    Ok(redirect_with(
        PAGE,
        Some(Flash::new(FlashKind::Success, key)),
    ))
}

/// `POST /accounts/privacy/directory`: the fields to show, as checkboxes
/// (`fields=email&fields=town`).
pub async fn choose_fields(
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let fields: Vec<Field> = form
        .iter()
        .filter(|(name, _)| name == "fields")
        .map(|(_, value)| value.parse())
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::BadRequest("unknown directory field".into()))?;
    directory::choose(&mut tx, principal.account_id, &fields).await?;
    let listed = consents::holds(&mut tx, principal.account_id, Purpose::Directory).await?;
    let key = match listed || fields.is_empty() {
        true => "privacy-flash-fields",
        false => "privacy-flash-fields-unlisted",
    };
    Ok(redirect_with(
        PAGE,
        Some(Flash::new(FlashKind::Success, key)),
    ))
}

#[derive(Serialize)]
struct DirectoryPage {
    members: Vec<Listing>,
}

/// `GET /directory`: the members who chose to be listed, to members only.
pub async fn members(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(_principal): SignedIn,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let page = DirectoryPage {
        members: directory::list(&mut tx).await?,
    };
    Ok(themes
        .private_page(&tx, &view, "privacy/directory.html", StatusCode::OK, &page)
        .await?)
}

#[derive(Serialize)]
struct RegisterPage {
    entries: &'static [Processing],
}

/// `GET /staff/privacy/register`: the processing register.
pub async fn register(
    State(themes): State<Themes>,
    view: PageView,
    _admin: RequireRole<Admin>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let page = RegisterPage { entries: REGISTER };
    Ok(themes
        .private_page(&tx, &view, "privacy/register.html", StatusCode::OK, &page)
        .await?)
}

/// `POST /accounts/privacy/export`: asks for the archive.
pub async fn export(SignedIn(principal): SignedIn, mut tx: TenantTx) -> Result<Response, AppError> {
    let (kind, key) = match export::request(&mut tx, principal.account_id).await {
        Ok(_) => (FlashKind::Success, "privacy-flash-export"),
        Err(Refusal::Conflict { .. }) => (FlashKind::Error, "privacy-flash-export-recent"),
        Err(other) => return Err(other.into()),
    };
    Ok(redirect_with(PAGE, Some(Flash::new(kind, key))))
}

/// `GET /accounts/privacy/exports/{id}`: the archive, to its owner only.
pub async fn download(
    SignedIn(principal): SignedIn,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let bytes = export::archive(&mut tx, &storage, principal.account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(super::api::zip_response(
        tx.tenant().slug.as_str(),
        id,
        bytes,
    ))
}
