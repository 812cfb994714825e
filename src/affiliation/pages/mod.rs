//! The affiliate's pages, for a signed-in member: the dashboard (or the
//! programmes they may join), links and coupons, statistics and the
//! commission history, the people they brought, and payouts. Plain forms
//! with the CSRF token; a refused form comes back as a flash naming what
//! was wrong, and writes nothing. Each visit notes where the affiliate is
//! seen from, for the self-referral checks.

mod dashboard;
pub(super) use dashboard::{initials, line_initials};
mod links;
mod payouts;

use axum::Router;
use axum::extract::FromRef;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};

use super::affiliates::{self, Affiliate};
use super::books::Books;
use super::error::Error;
use super::programs::{self, Program};
use crate::auth::{Principal, RequestAuth};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::Themes;
use crate::web::flash::{Flash, FlashKind, redirect_with};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    super::Affiliation: FromRef<S>,
{
    Router::new()
        .route("/affiliate", get(dashboard::show))
        .route("/affiliate/", get(dashboard::show))
        .route("/affiliate/join", post(dashboard::join))
        .route("/affiliate/stats/", get(dashboard::stats))
        .route("/affiliate/referrals/", get(dashboard::referrals))
        .route("/affiliate/links/", get(links::list).post(links::create))
        .route("/affiliate/links/{id}/{action}", post(links::toggle))
        .route("/affiliate/payouts/", get(payouts::show))
        .route("/affiliate/payouts/bank", post(payouts::bank))
        .route("/affiliate/payouts/request", post(payouts::request))
        .route("/affiliate/payouts/{id}/cancel", post(payouts::cancel))
}

/// `?program=` picks one of the member's programmes.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Pick {
    program: Option<i64>,
}

/// The member as an affiliate of the chosen programme (the first one
/// joined by default), and every programme they are in.
pub(super) struct Me {
    pub affiliate: Affiliate,
    pub program: Program,
    pub all: Vec<(i64, String)>,
}

pub(super) async fn me(
    tx: &mut TenantTx,
    who: &Principal,
    pick: &Pick,
    auth: &RequestAuth,
    headers: &HeaderMap,
) -> Result<Option<Me>, AppError> {
    let mut books = Books::tenant(tx);
    let mine = affiliates::of_party(&mut books, who.account_id).await?;
    let chosen = pick
        .program
        .and_then(|id| mine.iter().find(|a| a.program_id == id))
        .or(mine.first())
        .cloned();
    let Some(affiliate) = chosen else {
        return Ok(None);
    };
    let program = programs::find(&mut books, affiliate.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let names = programs::list(&mut books).await?;
    let all = mine
        .iter()
        .filter_map(|a| {
            names
                .iter()
                .find(|p| p.id == a.program_id)
                .map(|p| (p.id, p.settings.name.clone()))
        })
        .collect();
    let device = super::capture::device_of(headers);
    affiliates::seen(&mut books, affiliate.id, auth.client_ip, &device).await?;
    Ok(Some(Me {
        affiliate,
        program,
        all,
    }))
}

/// The codes of refusals the pages translate (`affiliation-error-<code>`).
const TRANSLATED: &[&str] = &[
    "code",
    "code-taken",
    "too-long",
    "destination",
    "below-threshold",
    "no-bank-details",
    "payout-open",
    "iban",
    "bic",
    "name",
    "required",
    "not-cancellable",
    "banned",
    "closed",
];

/// A refusal as a flash on `back`; anything else is an error page.
pub(super) fn refused(back: &str, error: Error) -> Result<Response, AppError> {
    let Some(code) = error
        .code()
        .filter(|_| !matches!(error, Error::NotFound(_)))
    else {
        return Err(error.into());
    };
    let key = if TRANSLATED.contains(&code) {
        format!("affiliation-error-{code}")
    } else {
        "affiliation-error-generic".to_owned()
    };
    Ok(redirect_with(
        back,
        Some(Flash::new(FlashKind::Error, &key)),
    ))
}

pub(super) fn done(back: &str, key: &str) -> Response {
    redirect_with(back, Some(Flash::new(FlashKind::Success, key)))
}

/// `/affiliate/x/?program=N` when the member has several programmes.
pub(super) fn back(path: &str, me: &Me) -> String {
    if me.all.len() > 1 {
        format!("{path}?program={}", me.program.id)
    } else {
        path.to_owned()
    }
}
