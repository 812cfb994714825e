//! A member starts a mandate on the portal (page or API): only when the
//! association collects by direct debit, with the fields checked, and the
//! code mailed to the member's own address in the same transaction (no
//! mandate without its mail, no mail without its mandate).

use serde_json::json;

use super::mandates::{self, Mandate, NewMandate};
use super::settings;
use crate::accounts::store as accounts;
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::mail::{self, Mail};
use crate::model::Email;

/// The mail with the code.
pub const CODE_MAIL: &str = "mandate-code";

pub async fn start(
    tx: &mut TenantTx,
    locale: &str,
    account_id: i64,
    given: NewMandate,
) -> Result<Mandate, Refusal> {
    let Some(creditor) = settings::load(tx).await? else {
        return Err(Refusal::conflict(
            "not-offered",
            "this association does not collect by direct debit",
        ));
    };
    let new = given.checked()?;
    let account = accounts::find(tx, account_id)
        .await?
        .ok_or(Refusal::NotFound("account"))?;
    let to = Email::parse(&account.email).map_err(|_| {
        Refusal::conflict(
            "no-address",
            "your account has no address to mail the code to",
        )
    })?;
    let (mandate, code) = mandates::start(tx, account_id, &new, locale).await?;
    let mail = Mail {
        to,
        to_name: Some(account.display_name.clone()),
        template: CODE_MAIL,
        locale: locale.to_owned(),
        data: json!({
            "name": account.display_name,
            "code": code,
            "minutes": mandates::CODE_MINUTES,
            "creditor": creditor.name,
            "reference": mandate.reference,
            "iban": mandate.masked_iban(),
        }),
    };
    mail::queue(tx, &mail).await?;
    Ok(mandate)
}
