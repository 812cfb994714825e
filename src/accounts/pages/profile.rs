//! The person's own profile (`/accounts/profile/`): name, phone, postal
//! address, preferred language. The address and password have pages of
//! their own (they need the current password).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{Errors, current_account, redirect_with, render, success};
use crate::accounts::model::{Account, Address};
use crate::accounts::store::{self, Profile};
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::locale::is_supported_locale;
use crate::themes::{PageView, Themes};
use crate::web::form::Form;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProfileForm {
    display_name: String,
    phone: String,
    street: String,
    postal_code: String,
    town: String,
    country: String,
    /// `YYYY-MM-DD` (an `<input type="date">`), or empty.
    birth_date: String,
    locale: String,
}

impl From<&Account> for ProfileForm {
    fn from(account: &Account) -> Self {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        Self {
            display_name: account.display_name.clone(),
            phone: text(&account.phone),
            street: text(&account.address.street),
            postal_code: text(&account.address.postal_code),
            town: text(&account.address.town),
            country: text(&account.address.country),
            birth_date: account
                .birth_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            locale: text(&account.locale),
        }
    }
}

#[derive(Serialize)]
struct ProfilePage<'a> {
    csrf: &'a str,
    account: &'a Account,
    values: &'a ProfileForm,
    errors: Errors,
}

const TEMPLATE: &str = "accounts/profile.html";

pub async fn form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let page = ProfilePage {
        csrf: auth.csrf.value(),
        account: &account,
        values: &ProfileForm::from(&account),
        errors: Errors::default(),
    };
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

pub async fn save(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    match validate(&form) {
        Ok(profile) => {
            store::update_profile(&mut tx, account.id, &profile).await?;
            Ok(redirect_with("/accounts/profile/", success("flash-saved")))
        }
        Err(errors) => {
            let page = ProfilePage {
                csrf: auth.csrf.value(),
                account: &account,
                values: &form,
                errors,
            };
            render(
                &themes,
                &tx,
                &view,
                TEMPLATE,
                StatusCode::UNPROCESSABLE_ENTITY,
                &page,
            )
            .await
        }
    }
}

/// Checks every field and gives the profile to store, or every error.
pub fn validate(form: &ProfileForm) -> Result<Profile, Errors> {
    let mut errors = Errors::default();
    let name = form.display_name.trim();
    if name.is_empty() {
        errors.add("display_name", "field-required");
    } else if name.chars().count() > 120 || name.chars().any(crate::model::is_hidden_or_control) {
        errors.add("display_name", "field-invalid-name");
    }
    let phone = optional(&form.phone);
    let phone_ok = |p: &String| {
        p.chars().count() <= 40
            && p.chars().any(|c| c.is_ascii_digit())
            && p.chars()
                .all(|c| c.is_ascii_digit() || " +().-/".contains(c))
    };
    if phone.as_ref().is_some_and(|p| !phone_ok(p)) {
        errors.add("phone", "field-invalid-phone");
    }
    let country = optional(&form.country).map(|c| c.to_uppercase());
    if country
        .as_ref()
        .is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        errors.add("country", "field-invalid-country");
    }
    let bounded = |field: &'static str, value: &str, max: usize, errors: &mut Errors| {
        let value = optional(value);
        if value.as_ref().is_some_and(|v| {
            v.chars().count() > max || v.chars().any(crate::model::is_hidden_or_control)
        }) {
            errors.add(field, "field-too-long");
        }
        value
    };
    let street = bounded("street", &form.street, 200, &mut errors);
    let postal_code = bounded("postal_code", &form.postal_code, 20, &mut errors);
    let town = bounded("town", &form.town, 100, &mut errors);
    let birth_date = match optional(&form.birth_date) {
        None => None,
        Some(text) => {
            let parsed = crate::accounts::model::birth_date(&text, chrono::Utc::now().date_naive());
            if parsed.is_none() {
                errors.add("birth_date", "field-invalid-birth-date");
            }
            parsed
        }
    };
    let locale = optional(&form.locale);
    if locale.as_deref().is_some_and(|l| !is_supported_locale(l)) {
        errors.add("locale", "field-invalid-choice");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Profile {
        display_name: name.to_owned(),
        phone,
        address: Address {
            street,
            postal_code,
            town,
            country,
        },
        birth_date,
        locale,
    })
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}
