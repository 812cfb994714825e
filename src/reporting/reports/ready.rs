//! « Your report is ready »: the notice a scheduled report sends its
//! recipient, with its totals and the link to the file.

use super::catalogue::ReportKind;
use super::params::ReportQuery;
use super::run::Summary;
use super::schedules::Schedule;
use crate::db::TenantTx;

pub async fn tell(
    tx: &mut TenantTx,
    schedule: &Schedule,
    kind: ReportKind,
    query: &ReportQuery,
    summary: &Summary,
) -> Result<(), sqlx::Error> {
    let french = !tx.tenant().locale.starts_with("en");
    let (from, to) = (summary.params.from, summary.params.to);
    let sums: Vec<String> = summary
        .sums
        .iter()
        .map(|s| format!("{} {} {}", s.column, s.amount, s.currency))
        .collect();
    let title = match french {
        true => format!("Rapport prêt : {} du {from} au {to}", kind.as_str()),
        false => format!("Report ready: {} from {from} to {to}", kind.as_str()),
    };
    let body = match french {
        true => format!("{} lignes. {}", summary.rows, sums.join(" · ")),
        false => format!("{} rows. {}", summary.rows, sums.join(" · ")),
    };
    let url = link(kind, query);
    crate::reporting::alerts::fire::tell(tx, &[schedule.recipient_id], &title, &body, &url).await
}

/// The report's page with the run's parameters and format: the download.
fn link(kind: ReportKind, query: &ReportQuery) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("from", &query.from),
        ("to", &query.to),
        ("plan_id", &query.plan_id),
        ("method", &query.method),
        ("status", &query.status),
        ("format", &query.format),
    ] {
        if let Some(value) = value {
            pairs.append_pair(name, value);
        }
    }
    format!("/dashboard/reports/{}?{}", kind.as_str(), pairs.finish())
}
