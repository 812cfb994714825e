//! `GET/PATCH /api/v1/auth/user`: the signed-in person's own profile, and
//! the validation of profile fields (shared with registration): every
//! value is checked here, so the table's constraints never turn a client's
//! mistake into a 500.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::accounts::store::{self, Profile};
use crate::accounts::{Account, Address};
use crate::auth::scoped::Person;
use crate::db::TenantTx;
use crate::error::AppError;

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub address: AddressView,
    /// Optional (`YYYY-MM-DD`).
    pub birth_date: Option<chrono::NaiveDate>,
    pub locale: Option<String>,
    /// `member`, `editor`, `treasurer` or `admin`.
    pub role: String,
    /// `pending`, `invited`, `active` or `deactivated`.
    pub status: String,
    pub email_verified: bool,
    pub two_factor: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AddressView {
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub town: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
}

impl From<Account> for UserView {
    fn from(account: Account) -> Self {
        Self {
            id: account.id,
            email: account.email,
            display_name: account.display_name,
            phone: account.phone,
            address: AddressView {
                street: account.address.street,
                postal_code: account.address.postal_code,
                town: account.address.town,
                country: account.address.country,
            },
            birth_date: account.birth_date,
            locale: account.locale,
            role: account.role.as_str().to_owned(),
            status: account.status.as_str().to_owned(),
            email_verified: account.email_verified,
            two_factor: account.two_factor,
            created_at: account.created_at,
        }
    }
}

/// Fields to change; those left out keep their value, `null` clears an
/// optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    pub address: Option<AddressView>,
    /// `YYYY-MM-DD`; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub birth_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub locale: Option<Option<String>>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[utoipa::path(operation_id = "profile_show", get, path = "/api/v1/auth/user", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401)))]
pub async fn show(Person(me): Person, mut tx: TenantTx) -> Result<Json<UserView>, AppError> {
    let account = store::find(&mut tx, me.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(account.into()))
}

#[utoipa::path(operation_id = "profile_update", patch, path = "/api/v1/auth/user", tag = "auth",
    security(("bearer" = [])), request_body = ProfilePatch,
    responses((status = 200, body = UserView), (status = 401), (status = 422)))]
pub async fn update(
    Person(me): Person,
    mut tx: TenantTx,
    ApiJson(patch): ApiJson<ProfilePatch>,
) -> Result<Json<UserView>, AppError> {
    let account = store::find(&mut tx, me.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = merged(&account, patch)?;
    store::update_profile(&mut tx, me.account_id, &profile).await?;
    let account = store::find(&mut tx, me.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(account.into()))
}

fn merged(account: &Account, patch: ProfilePatch) -> Result<Profile, AppError> {
    let display_name = match patch.display_name {
        Some(name) => display_name(&name)?,
        None => account.display_name.clone(),
    };
    let phone = match patch.phone {
        Some(phone) => optional(phone, "phone", 40)?,
        None => account.phone.clone(),
    };
    let address = match patch.address {
        Some(address) => validated_address(address)?,
        None => account.address.clone(),
    };
    let birth_date = match patch.birth_date {
        Some(Some(text)) => Some(birth_date(&text)?),
        Some(None) => None,
        None => account.birth_date,
    };
    let locale = match patch.locale {
        Some(value) => locale(value.as_deref())?,
        None => account.locale.clone(),
    };
    Ok(Profile {
        display_name,
        phone,
        address,
        birth_date,
        locale,
    })
}

/// A birth date: `YYYY-MM-DD`, from 1900 to today.
pub fn birth_date(raw: &str) -> Result<chrono::NaiveDate, AppError> {
    crate::accounts::model::birth_date(raw, chrono::Utc::now().date_naive()).ok_or_else(|| {
        AppError::Unprocessable("birth_date must be a date (YYYY-MM-DD) from 1900 to today".into())
    })
}

/// 1 to 120 characters once trimmed, no control characters.
pub fn display_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let length = name.chars().count();
    if length == 0 || length > 120 || name.chars().any(crate::model::is_hidden_or_control) {
        return Err(AppError::Unprocessable(
            "display_name must be 1 to 120 printable characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// `fr`, `en` or nothing.
pub fn locale(raw: Option<&str>) -> Result<Option<String>, AppError> {
    match raw {
        None => Ok(None),
        Some(code @ ("fr" | "en")) => Ok(Some(code.to_owned())),
        Some(_) => Err(AppError::Unprocessable("locale must be fr or en".into())),
    }
}

fn optional(value: Option<String>, field: &str, max: usize) -> Result<Option<String>, AppError> {
    let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max || value.chars().any(crate::model::is_hidden_or_control) {
        return Err(AppError::Unprocessable(
            format!("{field} must be at most {max} printable characters").into(),
        ));
    }
    Ok(Some(value))
}

fn validated_address(address: AddressView) -> Result<Address, AppError> {
    let country = optional(address.country, "country", 2)?.map(|c| c.to_uppercase());
    if let Some(code) = &country
        && (code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(AppError::Unprocessable(
            "country must be an ISO 3166-1 alpha-2 code".into(),
        ));
    }
    Ok(Address {
        street: optional(address.street, "street", 200)?,
        postal_code: optional(address.postal_code, "postal_code", 20)?,
        town: optional(address.town, "town", 100)?,
        country,
    })
}
