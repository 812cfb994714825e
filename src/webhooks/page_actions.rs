//! The buttons of an endpoint's page, `POST /staff/webhooks/{id}/{action}`:
//! `disable`, `enable`, `test` (queue a `webhook.test` event), `delete`
//! (each then back to a page with a message), and `rotate`, whose answer
//! shows the new secret once. Plain forms: no JavaScript needed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::actions;
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
    let done =
        |path: &str, key: &str| redirect_with(path, Some(Flash::new(FlashKind::Success, key)));
    let page = format!("/staff/webhooks/{id}");
    match action.as_str() {
        "disable" | "enable" => {
            let active = action == "enable";
            actions::set_active(&mut tx, id, active, actor).await?;
            let key = match active {
                true => "webhooks-flash-enabled",
                false => "webhooks-flash-disabled",
            };
            Ok(done(&page, key))
        }
        "test" => {
            actions::send_test(&mut tx, id, actor).await?;
            Ok(done(&page, "webhooks-flash-test"))
        }
        "delete" => {
            actions::delete(&mut tx, id, actor).await?;
            Ok(done("/staff/webhooks", "webhooks-flash-deleted"))
        }
        "rotate" => {
            let (secret, until) = actions::rotate(&mut tx, &webhooks, id, actor).await?;
            let page = SecretPage {
                endpoint: store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?,
                secret: secret.reveal().to_owned(),
                previous_valid_until: Some(until),
            };
            let ctx = Ctx {
                themes,
                webhooks,
                view,
                auth,
            };
            ctx.render(&tx, "webhooks/secret.html", StatusCode::OK, &page)
                .await
        }
        _ => Err(AppError::NotFound),
    }
}
