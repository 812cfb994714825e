//! The buttons of an endpoint's page, `POST /staff/webhooks/{id}/{action}`:
//! `disable`, `enable`, `test` (queue a `webhook.test` event), `delete`
//! (each then back to a page with a message), and `rotate`, whose answer
//! shows the new secret once. Plain forms: no JavaScript needed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::actions::{self, Actor};
use super::pages::{Ctx, SecretPage, actor};
use super::service::Webhooks;
use super::store;
use crate::auth::{Admin, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};

/// `POST /staff/webhooks/{id}/{action}`.
pub async fn act(
    guard: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(webhooks): State<Webhooks>,
    view: PageView,
    auth: RequestAuth,
    Path((id, action)): Path<(i64, String)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let actor = actor(&guard, &auth);
    let page = format!("/staff/webhooks/{id}");
    let (to, key) = match action.as_str() {
        "enable" => {
            actions::set_active(&mut tx, id, true, actor).await?;
            (page.as_str(), "webhooks-flash-enabled")
        }
        "disable" => {
            actions::set_active(&mut tx, id, false, actor).await?;
            (page.as_str(), "webhooks-flash-disabled")
        }
        "test" => {
            actions::send_test(&mut tx, id, actor).await?;
            (page.as_str(), "webhooks-flash-test")
        }
        "delete" => {
            actions::delete(&mut tx, id, actor).await?;
            ("/staff/webhooks", "webhooks-flash-deleted")
        }
        "rotate" => {
            let ctx = Ctx {
                themes,
                webhooks,
                view,
                auth,
            };
            return rotate(&ctx, &mut tx, id, actor).await;
        }
        _ => return Err(AppError::NotFound),
    };
    Ok(redirect_with(to, Some(Flash::new(FlashKind::Success, key))))
}

/// A new secret, on the one page that shows it.
async fn rotate(ctx: &Ctx, tx: &mut TenantTx, id: i64, actor: Actor) -> Result<Response, AppError> {
    let (secret, until) = actions::rotate(tx, &ctx.webhooks, id, actor).await?;
    let page = SecretPage {
        endpoint: store::find(tx, id).await?.ok_or(AppError::NotFound)?,
        secret: secret.reveal().to_owned(),
        previous_valid_until: Some(until),
    };
    ctx.render(tx, "webhooks/secret.html", StatusCode::OK, &page)
        .await
}
