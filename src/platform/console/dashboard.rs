//! `GET /console`: the platform at a glance — tenants by status, members
//! and contributions collected across tenants, growth and collections per
//! month as SVG charts, and the latest tenants.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::charts;
use crate::error::AppError;
use crate::platform::operators::OperatorPrincipal;
use crate::platform::tenants::stats::PlatformStats;
use crate::platform::tenants::{ListFilter, TenantLine, Tenants};
use crate::themes::Themes;
use crate::themes::console::ConsoleView;

#[derive(Serialize)]
struct Dashboard {
    operator: OperatorPrincipal,
    stats: PlatformStats,
    recent: Vec<TenantLine>,
    growth_chart: String,
    collected: Vec<Collected>,
}

/// One currency's collections over the last twelve months.
#[derive(Serialize)]
struct Collected {
    currency: String,
    /// In minor units, over the twelve months.
    total_minor: i64,
    chart: String,
}

pub async fn page(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    view: ConsoleView,
    operator: OperatorPrincipal,
) -> Result<Response, AppError> {
    let stats = tenants.stats().await?;
    let filter = ListFilter {
        limit: Some(10),
        ..Default::default()
    };
    let recent = tenants.list(&filter).await?.items;
    let growth: Vec<(String, i64)> = stats
        .growth
        .iter()
        .map(|m| (m.month.clone(), m.created))
        .collect();
    let title = if view.locale == "fr" {
        "Associations créées par mois"
    } else {
        "Tenants created per month"
    };
    let page = Dashboard {
        growth_chart: charts::bars(title, &growth),
        collected: collected(&stats, view.locale),
        operator,
        stats,
        recent,
    };
    themes.console_page(&view, "platform/dashboard.html", StatusCode::OK, &page)
}

fn collected(stats: &PlatformStats, locale: &str) -> Vec<Collected> {
    let mut currencies: Vec<&str> = stats
        .totals
        .collected
        .iter()
        .map(|m| m.currency.as_str())
        .collect();
    currencies.sort_unstable();
    currencies.dedup();
    currencies
        .into_iter()
        .map(|currency| {
            let points: Vec<(String, i64)> = stats
                .growth
                .iter()
                .map(|month| {
                    let minor = stats
                        .totals
                        .collected
                        .iter()
                        .filter(|m| m.currency == currency && m.month == month.month)
                        .map(|m| m.minor)
                        .sum::<i64>();
                    (month.month.clone(), minor / 100)
                })
                .collect();
            let title = match locale {
                "fr" => format!("Cotisations encaissées par mois ({currency})"),
                _ => format!("Contributions collected per month ({currency})"),
            };
            Collected {
                currency: currency.to_owned(),
                total_minor: stats
                    .totals
                    .collected
                    .iter()
                    .filter(|m| m.currency == currency)
                    .map(|m| m.minor)
                    .sum(),
                chart: charts::bars(&title, &points),
            }
        })
        .collect()
}
