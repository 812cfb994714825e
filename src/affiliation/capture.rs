//! Click capture, on the public path: `/r/<code>` and `?ref=<code>` on any
//! page of the portal. The short link records the click (buffered), sets
//! the referral cookie for the programme's window and sends the visitor on.
//! `?ref=` is turned into the short link by [`ref_parameter`], so both
//! behave alike and pages never see the parameter (nor cache a variant of
//! themselves for it). An unknown or switched-off code is a 404 on the
//! short link; on a page, the parameter is simply dropped.

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::clicks::Click;
use super::cookie::Visit;
use super::fraud::{canonical_ip, device};
use super::model::Attribution;
use super::service::Affiliation;
use crate::auth::RequestAuth;
use crate::auth::cookies::Kind;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Deserialize)]
pub struct Onward {
    /// Where to go instead of the link's destination (a path of the portal).
    to: Option<String>,
}

pub async fn short_link(
    State(affiliation): State<Affiliation>,
    auth: RequestAuth,
    headers: HeaderMap,
    mut tx: TenantTx,
    Path(code): Path<String>,
    Query(onward): Query<Onward>,
) -> Result<Response, AppError> {
    let onward = onward
        .to
        .filter(|path| crate::model::is_local_path(path) && path.len() <= 2000);
    let Some(target) = affiliation.target(&mut tx, &code).await? else {
        // A page's stale `?ref=` still opens the page.
        return match onward {
            Some(page) => Ok(Redirect::to(&page).into_response()),
            None => Err(AppError::NotFound),
        };
    };
    let tenant = tx.tenant().clone();
    let now = Utc::now();
    let previous = auth
        .policy
        .read(&headers, Kind::Referral)
        .and_then(|value| Visit::decode(affiliation.keys(), tenant.id, &value))
        .filter(|visit| visit.within(target.cookie_days, now));
    let click = Click {
        tenant: Some(tenant.clone()),
        id: Uuid::new_v4(),
        link_id: target.link_id,
        at: now,
        ip: auth.client_ip.map(canonical_ip),
        device: device_of(&headers),
        referer: referer_host(&headers),
    };
    // First click: an earlier visit still in its window keeps the credit.
    let keep = target.attribution == Attribution::FirstClick && previous.is_some();
    let cookie = (!keep).then(|| {
        let visit = Visit {
            code: super::links::fold(&code).unwrap_or_default(),
            click: click.id,
            at: now,
        };
        auth.policy.set_for_days(
            Kind::Referral,
            &visit.encode(affiliation.keys(), tenant.id),
            target.cookie_days,
        )
    });
    affiliation.clicks.push(click);
    let to = onward.unwrap_or_else(|| target.destination.clone());
    let mut response = Redirect::to(&to).into_response();
    let response_headers = response.headers_mut();
    if let Some(cookie) = cookie {
        response_headers.append(header::SET_COOKIE, cookie);
    }
    response_headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// What the same-device check compares: user agent and languages, hashed.
pub fn device_of(headers: &HeaderMap) -> Vec<u8> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    device(text(header::USER_AGENT), text(header::ACCEPT_LANGUAGE))
}

fn referer_host(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = url::Url::parse(referer).ok()?.host_str()?.to_owned();
    Some(host.chars().take(255).collect())
}

/// `GET /any/page?ref=CODE&x=1` → `/r/CODE?to=/any/page?x=1`.
pub async fn ref_parameter(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let wanted = request.method() == Method::GET
        && uri.query().is_some_and(|q| q.contains("ref="))
        && !uri.path().starts_with("/api/")
        && !uri.path().starts_with("/r/");
    if !wanted {
        return next.run(request).await;
    }
    let (mut code, mut rest) = (None, url::form_urlencoded::Serializer::new(String::new()));
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "ref" if code.is_none() => code = Some(value.into_owned()),
            "ref" => {}
            _ => {
                rest.append_pair(&key, &value);
            }
        }
    }
    let rest = rest.finish();
    let page = if rest.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{rest}", uri.path())
    };
    let Some(code) = code.and_then(|code| super::links::fold(&code)) else {
        return Redirect::to(&page).into_response();
    };
    let to: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
    Redirect::to(&format!("/r/{code}?to={to}")).into_response()
}

/// The referral cookie of this request, if it is genuine.
pub fn visit_of(
    auth: &RequestAuth,
    headers: &HeaderMap,
    tenant: crate::model::TenantId,
) -> Option<Visit> {
    let value = auth.policy.read(headers, Kind::Referral)?;
    Visit::decode(&auth.auth.keys, tenant, &value)
}

/// `/r/<code>` on the platform host: the platform programme's links (to
/// the sign-up form of a new association by default).
pub async fn platform_short_link(
    State(affiliation): State<Affiliation>,
    auth: RequestAuth,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let target = affiliation
        .platform_target(&code)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = Utc::now();
    let owner = super::platform::OWNER;
    let previous = auth
        .policy
        .read(&headers, Kind::Referral)
        .and_then(|value| Visit::decode(affiliation.keys(), owner, &value))
        .filter(|visit| visit.within(target.cookie_days, now));
    let click = Click {
        tenant: None,
        id: Uuid::new_v4(),
        link_id: target.link_id,
        at: now,
        ip: auth.client_ip.map(canonical_ip),
        device: device_of(&headers),
        referer: referer_host(&headers),
    };
    let keep = target.attribution == Attribution::FirstClick && previous.is_some();
    let visit = Visit {
        code: super::links::fold(&code).unwrap_or_default(),
        click: click.id,
        at: now,
    };
    affiliation.clicks.push(click);
    let to = if target.destination == "/" {
        "/signup"
    } else {
        target.destination.as_str()
    };
    let mut response = Redirect::to(to).into_response();
    if !keep {
        let cookie = auth.policy.set_for_days(
            Kind::Referral,
            &visit.encode(affiliation.keys(), owner),
            target.cookie_days,
        );
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
