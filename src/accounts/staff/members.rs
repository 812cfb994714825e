//! The forms of a member's page (admins only): change the role, deactivate,
//! reactivate, resend the invitation, approve or refuse a sign-up. Each
//! answers with a redirect back to the page and a one-time message.
use axum::Form;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::actions::{self, Actor};
use super::{done, link_base};
use crate::accounts::store;
use crate::auth::{Admin, Principal, RequestAuth, RequireRole, Role};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::PageView;
use crate::web::extract::Path;
use crate::web::flash::FlashKind;

fn back(id: i64) -> String {
    format!("/staff/members/{id}")
}

fn actor(guard: &RequireRole<Admin>, auth: &RequestAuth) -> Actor {
    Actor::person(guard.principal().account_id, auth.client_ip)
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /staff/members/{id}/role`.
pub async fn role(
    guard: RequireRole<Admin>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<RoleForm>,
) -> Result<Response, AppError> {
    let role: Role = form
        .role
        .parse()
        .map_err(|e: crate::auth::role::UnknownRole| {
            AppError::Unprocessable(e.to_string().into())
        })?;
    let changed = actions::change_role(&mut tx, actor(&guard, &auth), id, role).await?;
    let key = if changed {
        "staff-flash-role-changed"
    } else {
        "staff-flash-unchanged"
    };
    Ok(done(&back(id), FlashKind::Success, key))
}

/// `POST /staff/members/{id}/deactivate`.
pub async fn deactivate(
    guard: RequireRole<Admin>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    actions::deactivate(&mut tx, actor(&guard, &auth), id).await?;
    Ok(done(
        &back(id),
        FlashKind::Success,
        "staff-flash-deactivated",
    ))
}

/// `POST /staff/members/{id}/reactivate`.
pub async fn reactivate(
    guard: RequireRole<Admin>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    actions::reactivate(&mut tx, actor(&guard, &auth), id).await?;
    Ok(done(
        &back(id),
        FlashKind::Success,
        "staff-flash-reactivated",
    ))
}

/// `POST /staff/members/{id}/resend`: a fresh invitation link.
pub async fn resend(
    guard: RequireRole<Admin>,
    auth: RequestAuth,
    view: PageView,
    headers: HeaderMap,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let inviter = inviter_name(&mut tx, guard.principal()).await?;
    let base = link_base(&headers, &auth, &view);
    actions::resend(&mut tx, actor(&guard, &auth), id, &inviter, &base).await?;
    Ok(done(
        &back(id),
        FlashKind::Success,
        "staff-flash-invitation-sent",
    ))
}

/// `POST /staff/members/{id}/approve`.
pub async fn approve(
    guard: RequireRole<Admin>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    actions::approve(&mut tx, actor(&guard, &auth), id).await?;
    Ok(done(&back(id), FlashKind::Success, "staff-flash-approved"))
}

/// `POST /staff/members/{id}/refuse`: the sign-up is removed.
pub async fn refuse(
    guard: RequireRole<Admin>,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    actions::refuse(&mut tx, actor(&guard, &auth), id).await?;
    Ok(done(
        "/staff/members/?status=pending",
        FlashKind::Success,
        "staff-flash-refused",
    ))
}

/// The name invitations are signed with.
pub(super) async fn inviter_name(
    tx: &mut TenantTx,
    principal: &Principal,
) -> Result<String, AppError> {
    Ok(store::find(tx, principal.account_id)
        .await?
        .map(|account| account.display_name)
        .unwrap_or_default())
}
