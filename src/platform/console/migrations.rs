//! `/console/migrations`: the migration registry (tenant migrations of this
//! binary, schemas per version, quarantined or lagging tenants, platform
//! migrations applied) and the retry of a quarantined tenant.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::error::AppError;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::platform::ops::Ops;
use crate::platform::ops::migrations::{Registry, SchemaRetry};
use crate::tenancy::audit::Actor;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};

#[derive(Serialize)]
struct MigrationsPage {
    operator: OperatorPrincipal,
    registry: Registry,
}

/// `GET /console/migrations`.
pub async fn page(
    State(themes): State<Themes>,
    State(ops): State<Ops>,
    view: ConsoleView,
    operator: OperatorPrincipal,
) -> Result<Response, AppError> {
    let page = MigrationsPage {
        operator,
        registry: ops.migrations().await?,
    };
    themes.console_page(&view, "platform/migrations.html", StatusCode::OK, &page)
}

/// `POST /console/migrations/{slug}/retry`: back to the registry with the
/// outcome (the new error, if it failed again, is on the page).
pub async fn retry(
    State(ops): State<Ops>,
    CanWrite(operator): CanWrite,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let (kind, key) = match ops.retry_schema(&slug, &actor(&operator)).await? {
        SchemaRetry::Migrated => (FlashKind::Success, "op-migrations-flash-migrated"),
        SchemaRetry::FailedAgain(_) => (FlashKind::Error, "op-migrations-flash-failed"),
        SchemaRetry::NotQuarantined => (FlashKind::Error, "op-migrations-flash-not-quarantined"),
    };
    Ok(redirect_with(
        "/console/migrations",
        Some(Flash::new(kind, key)),
    ))
}

fn actor(operator: &OperatorPrincipal) -> Actor {
    Actor::operator(operator.id, &operator.email, "console", operator.ip)
}
