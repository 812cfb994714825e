//! `/affiliate/links/`: the affiliate's links and coupons, a form for a
//! new one (its own code or a drawn one, a campaign tag, where it lands),
//! and switching one off or on.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::{Pick, back, done, me, refused};
use crate::affiliation::Affiliation;
use crate::affiliation::books::Books;
use crate::affiliation::links::{self, Link, NewLink};
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};
use crate::web::form::Form;

#[derive(Serialize)]
struct Page<'a> {
    csrf: &'a str,
    program_id: i64,
    program_name: String,
    links: Vec<Link>,
    base: String,
}

/// `GET /affiliate/links/`.
pub async fn list(
    State(themes): State<Themes>,
    SignedIn(who): SignedIn,
    view: PageView,
    auth: RequestAuth,
    headers: HeaderMap,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let Some(me) = me(&mut tx, &who, &pick, &auth, &headers).await? else {
        return Ok(Redirect::to("/affiliate/").into_response());
    };
    let links = links::of_affiliate(&mut Books::tenant(&mut tx), me.affiliate.id).await?;
    let scheme = if auth.links_over_tls() {
        "https"
    } else {
        "http"
    };
    let page = Page {
        csrf: auth.csrf.value(),
        program_id: me.program.id,
        program_name: me.program.settings.name.clone(),
        links,
        base: format!("{scheme}://{}", auth.host),
    };
    Ok(themes
        .private_page(&tx, &view, "affiliation/links.html", StatusCode::OK, &page)
        .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LinkForm {
    code: String,
    coupon: Option<String>,
    campaign: String,
    destination: String,
}

/// `POST /affiliate/links/`.
pub async fn create(
    State(affiliation): State<Affiliation>,
    SignedIn(who): SignedIn,
    auth: RequestAuth,
    headers: HeaderMap,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let Some(me) = me(&mut tx, &who, &pick, &auth, &headers).await? else {
        return Err(AppError::NotFound);
    };
    let to = back("/affiliate/links/", &me);
    if me.affiliate.status != crate::affiliation::model::AffiliateStatus::Active {
        return refused(&to, crate::affiliation::Error::conflict("banned", "banned"));
    }
    let new = NewLink {
        code: Some(form.code),
        coupon: form.coupon.is_some(),
        campaign: Some(form.campaign),
        destination: Some(form.destination),
    };
    match links::create(&mut Books::tenant(&mut tx), me.affiliate.id, new).await {
        Ok(_) => {
            affiliation.forget_links();
            Ok(done(&to, "affiliation-flash-link-created"))
        }
        Err(error) => refused(&to, error),
    }
}

/// `POST /affiliate/links/{id}/{on|off}`.
pub async fn toggle(
    State(affiliation): State<Affiliation>,
    SignedIn(who): SignedIn,
    auth: RequestAuth,
    headers: HeaderMap,
    Query(pick): Query<Pick>,
    Path((id, action)): Path<(i64, String)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let Some(me) = me(&mut tx, &who, &pick, &auth, &headers).await? else {
        return Err(AppError::NotFound);
    };
    let active = match action.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::NotFound),
    };
    let to = back("/affiliate/links/", &me);
    match links::set_active(&mut Books::tenant(&mut tx), me.affiliate.id, id, active).await {
        Ok(()) => {
            affiliation.forget_links();
            Ok(done(&to, "affiliation-flash-link-saved"))
        }
        Err(error) => refused(&to, error),
    }
}
