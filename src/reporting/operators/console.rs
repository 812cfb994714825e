//! `/console/reports` (the platform report, with the tenants' CSV) and
//! `/console/federations` (live links; operators propose and end them).
//! Support operators read; the operator role writes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::report::{self, Money, Report};
use crate::error::{AppError, Refusal};
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::reporting::federation::Federations;
use crate::reporting::federation::links::{self, Link};
use crate::themes::Themes;
use crate::themes::console::ConsoleView;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const FEDERATIONS: &str = "/console/federations";

/// A money line as shown (formatted per locale in Rust).
#[derive(Serialize)]
struct MoneyLine {
    key: String,
    amount: String,
}

#[derive(Serialize)]
struct ReportPage {
    operator: OperatorPrincipal,
    report: Report,
    collected: Vec<MoneyLine>,
    richest: Vec<MoneyLine>,
    oldest_waiting: String,
}

fn lines(money: &[Money], locale: &str) -> Vec<MoneyLine> {
    money
        .iter()
        .map(|m| MoneyLine {
            key: m.key.clone(),
            amount: crate::themes::filters::format_money(
                m.minor as f64 / 100.0,
                &m.currency,
                locale,
            ),
        })
        .collect()
}

/// `GET /console/reports`.
pub async fn reports(
    State(themes): State<Themes>,
    State(federations): State<Federations>,
    view: ConsoleView,
    operator: OperatorPrincipal,
) -> Result<Response, AppError> {
    let report = report::report(federations.platform()).await?;
    let waited = report.jobs.oldest_waiting_s;
    let page = ReportPage {
        operator,
        collected: lines(&report.collected_per_month, view.locale),
        richest: lines(&report.largest_by_money, view.locale),
        oldest_waiting: format!(
            "{}:{:02}:{:02}",
            waited / 3600,
            waited / 60 % 60,
            waited % 60
        ),
        report,
    };
    themes.console_page(&view, "platform/reports.html", StatusCode::OK, &page)
}

#[derive(Serialize)]
struct FederationsPage {
    operator: OperatorPrincipal,
    links: Vec<Link>,
}

/// `GET /console/federations`.
pub async fn federations(
    State(themes): State<Themes>,
    State(federations): State<Federations>,
    view: ConsoleView,
    operator: OperatorPrincipal,
) -> Result<Response, AppError> {
    let page = FederationsPage {
        operator,
        links: links::live(federations.platform(), None).await?,
    };
    themes.console_page(&view, "platform/federations.html", StatusCode::OK, &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    action: String,
    parent: String,
    child: String,
    link_id: i64,
}

/// `POST /console/federations`: `propose` a link or `end` one.
pub async fn act(
    State(federations): State<Federations>,
    CanWrite(operator): CanWrite,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let outcome = match form.action.as_str() {
        "propose" => super::api::propose_link(&federations, &form.parent, &form.child, operator.id)
            .await
            .map(|_| ()),
        "end" => match links::end(federations.platform(), None, form.link_id).await? {
            Some(_) => Ok(()),
            None => Err(Refusal::NotFound("link")),
        },
        _ => return Err(AppError::NotFound),
    };
    let flash = match outcome {
        Ok(()) => Flash::new(FlashKind::Success, "fed-op-done"),
        Err(Refusal::Database(error)) => return Err(AppError::Database(error)),
        Err(_) => Flash::new(FlashKind::Error, "fed-op-refused"),
    };
    Ok(redirect_with(FEDERATIONS, Some(flash)))
}
