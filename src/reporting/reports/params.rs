//! A report's parameters as a query string (`from`, `to`, `plan_id`,
//! `method`, `status`, `format`), checked against what the report reads:
//! a parameter a report does not read, an unknown word or a period the
//! wrong way round is refused with the field named, before any work.

use chrono::{Days, NaiveDate};
use serde::Deserialize;
use utoipa::IntoParams;

use super::catalogue::ReportKind;
use crate::affiliation::model::LineStatus;
use crate::contributions::model::Status;
use crate::contributions::{Method, PaymentStatus};

crate::text_enum!(
    /// What the report is delivered as.
    Format {
        Html = "html",
        Json = "json",
        Csv = "csv",
        Xlsx = "xlsx",
        Pdf = "pdf",
    }
);

/// The query string of a report.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// First day (YYYY-MM-DD); default: the first day of the season.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD); default: today (renewals: 60 days ahead).
    pub to: Option<String>,
    /// Only memberships (or payments allocated to memberships) of this plan.
    pub plan_id: Option<String>,
    /// Payments only: `cash`, `cheque`, `transfer`, `card`, `other`, `online`.
    pub method: Option<String>,
    /// Payments: `pending`, `paid`, `failed`, `refunded`; members:
    /// `pending`, `new`, `current`, `grace`, `expired`, `cancelled`;
    /// commissions: `held`, `pending`, `due`, `paid`, `void`.
    pub status: Option<String>,
    /// `json` (API default), `csv`, `xlsx`, `pdf`; `html` for pages.
    pub format: Option<String>,
    /// CSV only: `;` for spreadsheets set to French (default `,`).
    pub delimiter: Option<String>,
}

/// A status word, read as the report's own kind of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Membership(Status),
    Payment(PaymentStatus),
    Line(LineStatus),
}

impl StatusFilter {
    pub fn as_str(&self) -> &'static str {
        match self {
            StatusFilter::Membership(s) => s.as_str(),
            StatusFilter::Payment(s) => s.as_str(),
            StatusFilter::Line(s) => s.as_str(),
        }
    }
}

/// Checked parameters.
#[derive(Debug, Clone)]
pub struct Params {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub plan_id: Option<i64>,
    pub method: Option<Method>,
    pub status: Option<StatusFilter>,
    pub format: Format,
    pub delimiter: u8,
}

/// A refused parameter: its name and the message key saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParam {
    pub field: &'static str,
    pub key: &'static str,
}

fn bad(field: &'static str, key: &'static str) -> BadParam {
    BadParam { field, key }
}

/// The longest period a report covers (ten years).
const MAX_DAYS: i64 = 3660;

impl ReportQuery {
    /// `season` is the first day of the current season; `default_format`
    /// the format when none is asked.
    pub fn check(
        &self,
        kind: ReportKind,
        today: NaiveDate,
        season: NaiveDate,
        default_format: Format,
    ) -> Result<Params, BadParam> {
        let reads = kind.reads();
        let (from, to) = self.period(kind, today, season)?;
        let plan_id = match given(&self.plan_id) {
            None => None,
            Some(id) => Some(
                id.parse::<i64>()
                    .map_err(|_| bad("plan_id", "report-error-unknown"))?,
            ),
        };
        if plan_id.is_some() && !reads.plan {
            return Err(bad("plan_id", "report-error-not-read"));
        }
        if given(&self.method).is_some() && !reads.method {
            return Err(bad("method", "report-error-not-read"));
        }
        if given(&self.status).is_some() && !reads.status {
            return Err(bad("status", "report-error-not-read"));
        }
        let method = match self.method.as_deref().filter(|m| !m.is_empty()) {
            None => None,
            Some(m) => Some(
                m.parse()
                    .map_err(|_| bad("method", "report-error-unknown"))?,
            ),
        };
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(status_of(kind, s).ok_or(bad("status", "report-error-unknown"))?),
        };
        let format = match self.format.as_deref().filter(|f| !f.is_empty()) {
            None => default_format,
            Some(f) => f
                .parse()
                .map_err(|_| bad("format", "report-error-unknown"))?,
        };
        let delimiter = match self.delimiter.as_deref() {
            None | Some(",") | Some("") => b',',
            Some(";") => b';',
            Some(_) => return Err(bad("delimiter", "report-error-unknown")),
        };
        Ok(Params {
            from,
            to,
            plan_id,
            method,
            status,
            format,
            delimiter,
        })
    }

    fn period(
        &self,
        kind: ReportKind,
        today: NaiveDate,
        season: NaiveDate,
    ) -> Result<(NaiveDate, NaiveDate), BadParam> {
        let (default_from, default_to) = match kind {
            ReportKind::Renewals => (
                today,
                today.checked_add_days(Days::new(60)).unwrap_or(today),
            ),
            _ => (season, today),
        };
        period(&self.from, &self.to, (default_from, default_to))
    }
}

/// `[from, to]` as typed (`YYYY-MM-DD`, each defaulting to `defaults`),
/// checked: the right way round and ten years at most.
pub fn period(
    from: &Option<String>,
    to: &Option<String>,
    defaults: (NaiveDate, NaiveDate),
) -> Result<(NaiveDate, NaiveDate), BadParam> {
    let date = |text: &Option<String>, field, default| match given(text) {
        None => Ok(default),
        Some(text) => {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad(field, "report-error-date"))
        }
    };
    let from = date(from, "from", defaults.0)?;
    let to = date(to, "to", defaults.1)?;
    if to < from {
        return Err(bad("to", "report-error-period"));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(bad("from", "report-error-too-long"));
    }
    Ok((from, to))
}

/// A parameter sent with a value (forms send empty fields).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn status_of(kind: ReportKind, word: &str) -> Option<StatusFilter> {
    match kind {
        ReportKind::Members => word.parse().ok().map(StatusFilter::Membership),
        ReportKind::Payments => word.parse().ok().map(StatusFilter::Payment),
        ReportKind::Commissions => word.parse().ok().map(StatusFilter::Line),
        _ => None,
    }
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
