//! `/membership/renew/{token}`: the one-click renew link of a reminder
//! mail. It works without signing in (the signed link, mailed to the
//! payer, is the proof; it names one membership and expires after
//! `links::RENEW_LINK_DAYS`): a page shows what would be renewed and at
//! what price; its button renews (as the payer: the whole household) and
//! shows how to pay, with "I have sent a transfer" under the same token.
//! No other data is reachable with the link, and it cannot be reused for
//! another membership or another association.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::links;
use crate::auth::RequestAuth;
use crate::contributions::error::Error;
use crate::contributions::memberships::{self, MembershipView};
use crate::contributions::pages::pay::{self, PayInfo};
use crate::contributions::pages::{Money, render, until};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

#[derive(Serialize)]
struct RenewLinkPage<'a> {
    csrf: &'a str,
    token: &'a str,
    member: String,
    plan: String,
    ends_on: Option<String>,
    amount: Money,
    /// Already renewed (or not renewable): nothing to do but pay.
    done: bool,
    renewed_now: bool,
    announced: bool,
    pay: Option<PayInfo>,
}

/// The membership the token names, or 404.
async fn linked(
    auth: &RequestAuth,
    tx: &mut TenantTx,
    token: &str,
) -> Result<MembershipView, AppError> {
    let now = chrono::Utc::now();
    let id = links::check_renew(&auth.auth.keys, tx.tenant().id, token, now)
        .ok_or(AppError::NotFound)?;
    memberships::find(tx, id).await?.ok_or(AppError::NotFound)
}

struct Shown {
    renewed_now: bool,
    announced: bool,
}

async fn show(
    themes: &Themes,
    view: &PageView,
    auth: &RequestAuth,
    tx: &mut TenantTx,
    token: &str,
    m: &MembershipView,
    shown: Shown,
) -> Result<Response, AppError> {
    let done = m.renewed || !m.renewable || shown.renewed_now;
    let pay = match done {
        true => Some(pay::pay_info(tx, m.payer_id, view.locale).await?),
        false => None,
    };
    let page = RenewLinkPage {
        csrf: auth.csrf.value(),
        token,
        member: m.member_name.clone(),
        plan: m.plan_name.clone(),
        ends_on: until(m.ends_on, view.locale),
        amount: Money::new(m.amount, view.locale),
        done,
        renewed_now: shown.renewed_now,
        announced: shown.announced,
        pay,
    };
    render(
        themes,
        tx,
        view,
        "membership/renew_link.html",
        StatusCode::OK,
        &page,
    )
    .await
}

pub async fn form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let m = linked(&auth, &mut tx, &token).await?;
    let shown = Shown {
        renewed_now: false,
        announced: false,
    };
    show(&themes, &view, &auth, &mut tx, &token, &m, shown).await
}

pub async fn renew(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let m = linked(&auth, &mut tx, &token).await?;
    // The link went to the payer: the renewal is theirs.
    let renewed_now =
        match memberships::renew(&mut tx, m.id, m.payer_id, false, memberships::today()).await {
            Ok(_) => true,
            // Renewed in the meantime (another click, another device).
            Err(Error::Conflict { .. }) => false,
            Err(error) => return Err(error.into()),
        };
    let m = memberships::find(&mut tx, m.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let shown = Shown {
        renewed_now,
        announced: false,
    };
    show(&themes, &view, &auth, &mut tx, &token, &m, shown).await
}

pub async fn transfer_sent(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let m = linked(&auth, &mut tx, &token).await?;
    pay::announce_transfer(&mut tx, m.payer_id, None).await?;
    let shown = Shown {
        renewed_now: false,
        announced: true,
    };
    show(&themes, &view, &auth, &mut tx, &token, &m, shown).await
}
