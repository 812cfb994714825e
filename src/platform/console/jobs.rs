//! `/console/jobs`: the job queue (counts by state, a filtered list, newest
//! first), readable by support operators; the retry of a failed or dead
//! job needs the operator role.
//! Payloads are never shown: they may hold personal data.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::jobs::overview::JobFilter;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::platform::ops::Ops;
use crate::platform::ops::jobs::{JobRetry, PAGE, QueuePage, STATES};
use crate::tenancy::audit::Actor;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::extract::{Path, Query};
use crate::web::flash::{Flash, FlashKind, redirect_with};

/// The list's filters as the form sends them (empty fields mean any).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct QueueQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tenant: String,
    before: Option<i64>,
}

impl QueueQuery {
    fn filter(&self) -> JobFilter<'_> {
        JobFilter {
            state: given(&self.state),
            kind: given(&self.kind),
            tenant_slug: given(&self.tenant),
            before: self.before,
            limit: PAGE,
        }
    }
}

fn given(field: &str) -> Option<&str> {
    Some(field.trim()).filter(|s| !s.is_empty())
}

#[derive(Serialize)]
struct JobsPage<'a> {
    operator: OperatorPrincipal,
    query: &'a QueueQuery,
    states: [&'static str; 5],
    queue: QueuePage,
}

/// `GET /console/jobs`.
pub async fn page(
    State(themes): State<Themes>,
    State(ops): State<Ops>,
    view: ConsoleView,
    operator: OperatorPrincipal,
    Query(query): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let page = JobsPage {
        operator,
        queue: ops.queue(&query.filter()).await?,
        states: STATES,
        query: &query,
    };
    themes.console_page(&view, "platform/jobs.html", StatusCode::OK, &page)
}

/// `POST /console/jobs/{id}/retry`: back to the list with what happened.
pub async fn retry(
    State(ops): State<Ops>,
    CanWrite(operator): CanWrite,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let flash = match ops.retry_job(id, &actor(&operator)).await? {
        JobRetry::Queued => Flash::new(FlashKind::Success, "op-jobs-flash-retried"),
        JobRetry::NotRetryable => Flash::new(FlashKind::Error, "op-jobs-flash-not-retryable"),
        JobRetry::AlreadyWaiting => Flash::new(FlashKind::Error, "op-jobs-flash-waiting"),
    };
    Ok(redirect_with("/console/jobs", Some(flash)))
}

fn actor(operator: &OperatorPrincipal) -> Actor {
    Actor::operator(operator.id, &operator.email, "console", operator.ip)
}
