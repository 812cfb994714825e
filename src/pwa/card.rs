//! The member card: `/membership/card` shows a member their name, number,
//! current membership and a QR code; staff scan it with their phone and
//! land on `/card/{code}`, which says whether the membership is valid
//! today. The code is the member's number and an HMAC under a key derived
//! for this purpose and tenant: a card cannot be made up from a number,
//! and one association's card means nothing on another's host. Only staff
//! (editors and above) read what a code says; anyone else is sent to sign
//! in, so a photographed card tells a stranger nothing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::accounts;
use crate::auth::keys::sign;
use crate::auth::{Editor, Keys, RequestAuth, RequireRole, SignedIn};
use crate::contributions::memberships::{self, MembershipView};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::TenantId;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;

const PURPOSE: &str = "pwa.member-card";
/// Bytes of the MAC kept in the code: short enough for a small QR code,
/// long enough that guessing one is hopeless.
const MAC_BYTES: usize = 12;

/// The code of `account_id`'s card.
pub fn code(keys: &Keys, tenant: TenantId, account_id: i64) -> String {
    format!("{account_id}.{}", mac(keys, tenant, account_id))
}

fn mac(keys: &Keys, tenant: TenantId, account_id: i64) -> String {
    let key = keys.derive(PURPOSE, tenant);
    let full = sign(&key, &[account_id.to_string().as_bytes()]);
    URL_SAFE_NO_PAD.encode(full.get(..MAC_BYTES).unwrap_or(&full))
}

/// The account a code names, if its MAC is right.
pub fn read(keys: &Keys, tenant: TenantId, code: &str) -> Option<i64> {
    let (number, given) = code.split_once('.')?;
    let account_id: i64 = number.parse().ok()?;
    let expected = mac(keys, tenant, account_id);
    bool::from(expected.as_bytes().ct_eq(given.as_bytes())).then_some(account_id)
}

#[derive(Serialize)]
struct Membership {
    plan: String,
    status: &'static str,
    valid: bool,
    /// Noon of the last day: the `date` filter takes a timestamp.
    ends_on: Option<chrono::DateTime<chrono::Utc>>,
}

impl Membership {
    /// The member's own latest membership (not one they only pay for).
    fn current(account_id: i64, all: &[MembershipView]) -> Option<Self> {
        all.iter()
            .filter(|m| m.account_id == account_id && m.cancel_reason.is_none())
            .max_by_key(|m| m.starts_on)
            .map(|m| Self {
                plan: m.plan_name.clone(),
                status: m.status.as_str(),
                valid: m.status.is_active(),
                ends_on: m
                    .ends_on
                    .and_then(|day| day.and_hms_opt(12, 0, 0))
                    .map(|noon| noon.and_utc()),
            })
    }
}

#[derive(Serialize)]
struct CardPage {
    name: String,
    number: i64,
    membership: Option<Membership>,
    qr_svg: String,
}

/// `GET /membership/card`.
pub async fn page(
    State(themes): State<Themes>,
    SignedIn(me): SignedIn,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let all = memberships::for_account(&mut tx, me.account_id).await?;
    let code = code(&auth.auth.keys, view.tenant.id, me.account_id);
    let url = format!("{}/card/{code}", origin(&auth));
    let name = match all.iter().find(|m| m.account_id == me.account_id) {
        Some(m) => m.member_name.clone(),
        None => accounts::store::find(&mut tx, me.account_id)
            .await?
            .map(|a| a.display_name)
            .unwrap_or_default(),
    };
    let data = CardPage {
        name,
        number: me.account_id,
        membership: Membership::current(me.account_id, &all),
        qr_svg: qr(&url)?,
    };
    Ok(themes
        .private_page(&tx, &view, "pwa/card.html", StatusCode::OK, &data)
        .await?)
}

#[derive(Serialize)]
struct CheckPage {
    name: String,
    number: i64,
    membership: Option<Membership>,
}

/// `GET /card/{code}`: what a scanned card says, to staff.
pub async fn check(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(code): Path<String>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account_id = read(&auth.auth.keys, view.tenant.id, &code).ok_or(AppError::NotFound)?;
    let name = accounts::store::find(&mut tx, account_id)
        .await?
        .ok_or(AppError::NotFound)?
        .display_name;
    let all = memberships::for_account(&mut tx, account_id).await?;
    let data = CheckPage {
        name,
        number: account_id,
        membership: Membership::current(account_id, &all),
    };
    Ok(themes
        .private_page(&tx, &view, "pwa/check.html", StatusCode::OK, &data)
        .await?)
}

/// The QR code of `url` as inline SVG (no image request, works offline).
fn qr(url: &str) -> Result<String, AppError> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build())
}

fn origin(auth: &RequestAuth) -> String {
    let scheme = match auth.links_over_tls() {
        true => "https",
        false => "http",
    };
    format!("{scheme}://{}", auth.host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_bound_to_its_member_and_tenant() {
        let keys = Keys::from_bytes([7; 32]);
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        let card = code(&keys, a, 42);
        assert_eq!(read(&keys, a, &card), Some(42));
        assert_eq!(read(&keys, b, &card), None);
        let forged = card.replacen("42.", "43.", 1);
        assert_eq!(read(&keys, a, &forged), None);
        assert_eq!(read(&keys, a, "42"), None);
    }
}
