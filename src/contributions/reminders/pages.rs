//! The pages the reminder mails link to, which work without signing in:
//! `/membership/unsubscribe/{token}` (a page, then a button: mail scanners
//! follow links, so only the POST records the opt-out) and
//! `/membership/renew/{token}` (`renew_link`). A forged, expired or other
//! association's token gets a 404, like an unknown page.

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use super::links::{self, Topic};
use crate::auth::{Auth, RequestAuth};
use crate::contributions::pages::render;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Auth: FromRef<S>,
{
    Router::new()
        .route(
            "/membership/unsubscribe/{token}",
            get(unsubscribe_form).post(unsubscribe),
        )
        .route(
            "/membership/renew/{token}",
            get(super::renew_link::form).post(super::renew_link::renew),
        )
        .route(
            "/membership/renew/{token}/transfer-sent",
            axum::routing::post(super::renew_link::transfer_sent),
        )
}

#[derive(Serialize)]
struct UnsubscribePage<'a> {
    csrf: &'a str,
    token: &'a str,
    topic: &'static str,
    done: bool,
}

fn checked(auth: &RequestAuth, tx: &TenantTx, token: &str) -> Result<(i64, Topic), AppError> {
    links::check_unsubscribe(&auth.auth.keys, tx.tenant().id, token).ok_or(AppError::NotFound)
}

async fn show(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    page: &UnsubscribePage<'_>,
) -> Result<Response, AppError> {
    render(
        themes,
        tx,
        view,
        "membership/unsubscribe.html",
        StatusCode::OK,
        page,
    )
    .await
}

pub async fn unsubscribe_form(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (_, topic) = checked(&auth, &tx, &token)?;
    let page = UnsubscribePage {
        csrf: auth.csrf.value(),
        token: &token,
        topic: topic.as_str(),
        done: false,
    };
    show(&themes, &tx, &view, &page).await
}

pub async fn unsubscribe(
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (account_id, topic) = checked(&auth, &tx, &token)?;
    opt_out(&mut tx, account_id, topic).await?;
    let page = UnsubscribePage {
        csrf: auth.csrf.value(),
        token: &token,
        topic: topic.as_str(),
        done: true,
    };
    show(&themes, &tx, &view, &page).await
}

/// Records that `account_id` wants no more mails of `topic` (once).
pub async fn opt_out(tx: &mut TenantTx, account_id: i64, topic: Topic) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO mail_opt_outs (account_id, topic)
         SELECT id, $2 FROM accounts WHERE id = $1
         ON CONFLICT DO NOTHING",
        account_id,
        topic.as_str()
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}
