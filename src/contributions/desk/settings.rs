//! The contribution settings (`/treasury/settings`): the season's first
//! month, when renewal reminders go out, the weekly digest, the bank
//! details shown to members who pay by transfer; and the status rules
//! (which status a membership has from which day), edited as a whole.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

use super::{Choice, Errors, done, optional, render};
use crate::audit::{self, Entry};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::settings::{self, Settings};
use crate::contributions::status::{self, Event, Rule};
use crate::contributions::{Error, Status};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::flash::FlashKind;
use crate::web::form::Form;

/// Rule rows the form shows (an empty status removes the row).
const RULE_ROWS: usize = 6;
/// The statuses a rule may give (the others come from facts).
const RULE_STATUSES: [&str; 4] = ["new", "current", "grace", "expired"];
const EVENTS: [&str; 3] = ["join", "start", "end"];
/// Offsets stay within ten years.
const MAX_DAYS: i32 = 3650;

#[derive(Debug, Clone, Default, Serialize)]
struct Values {
    season_start_month: String,
    reminder_days: String,
    weekly_digest: bool,
    bank_account_holder: String,
    iban: String,
    bic: String,
}

#[derive(Debug, Clone, Default, Serialize)]
struct RuleRow {
    status: String,
    from_event: String,
    from_days: String,
    to_event: String,
    to_days: String,
}

#[derive(Serialize)]
struct SettingsPage {
    values: Values,
    errors: Errors,
    rules: Vec<RuleRow>,
    rule_errors: Vec<String>,
    months: Vec<u32>,
    statuses: Vec<Choice>,
    events: Vec<Choice>,
    currency: String,
    csrf_token: String,
}

const TEMPLATE: &str = "treasury/settings.html";

fn values_of(s: &Settings) -> Values {
    Values {
        season_start_month: s.season_start_month.to_string(),
        reminder_days: s
            .reminder_days
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        weekly_digest: s.weekly_digest,
        bank_account_holder: s.bank_account_holder.clone().unwrap_or_default(),
        iban: s.iban.clone().unwrap_or_default(),
        bic: s.bic.clone().unwrap_or_default(),
    }
}

fn rows_of(rules: &[Rule]) -> Vec<RuleRow> {
    let mut rows: Vec<RuleRow> = rules
        .iter()
        .map(|rule| RuleRow {
            status: rule.status.as_str().into(),
            from_event: rule.from.0.as_str().into(),
            from_days: rule.from.1.to_string(),
            to_event: rule.to.map(|t| t.0.as_str().into()).unwrap_or_default(),
            to_days: rule.to.map(|t| t.1.to_string()).unwrap_or_default(),
        })
        .collect();
    rows.resize(RULE_ROWS.max(rows.len()), RuleRow::default());
    rows
}

async fn page(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    values: Option<Values>,
    errors: Errors,
    rules: Option<(Vec<RuleRow>, Vec<String>)>,
) -> Result<SettingsPage, AppError> {
    let stored = settings::get(tx).await?;
    let (rules, rule_errors) = match rules {
        Some(given) => given,
        None => (rows_of(&status::rules(tx).await?), Vec::new()),
    };
    Ok(SettingsPage {
        values: values.unwrap_or_else(|| values_of(&stored)),
        errors,
        rules,
        rule_errors,
        months: (1..=12).collect(),
        statuses: Choice::words(&RULE_STATUSES, "treasury-status-"),
        events: Choice::words(&EVENTS, "treasury-event-"),
        currency: stored.currency.code().to_owned(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /treasury/settings`.
pub async fn form(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = page(&mut tx, &auth, None, Errors::default(), None).await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &data).await
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

/// `POST /treasury/settings`.
pub async fn save(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = Values {
        season_start_month: field(&fields, "season_start_month"),
        reminder_days: field(&fields, "reminder_days"),
        weekly_digest: field(&fields, "weekly_digest") == "on",
        bank_account_holder: field(&fields, "bank_account_holder"),
        iban: field(&fields, "iban"),
        bic: field(&fields, "bic"),
    };
    let old = settings::get(&mut tx).await?;
    let mut errors = Errors::default();
    let month = values.season_start_month.trim().parse::<u32>().ok();
    if month.is_none() {
        errors.add("season_start_month", "treasury-error-month");
    }
    let days: Result<Vec<i32>, _> = values
        .reminder_days
        .split([',', ';', ' '])
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.trim().parse::<i32>())
        .collect();
    if days.is_err() {
        errors.add("reminder_days", "treasury-error-reminder-days");
    }
    if let (Some(month), Ok(days)) = (month, days) {
        let new = Settings {
            currency: old.currency,
            season_start_month: month,
            reminder_days: days,
            weekly_digest: values.weekly_digest,
            bank_account_holder: optional(&values.bank_account_holder),
            iban: optional(&values.iban),
            bic: optional(&values.bic),
        };
        match settings::update(&mut tx, &new).await {
            Ok(()) => {
                let entry = Entry::new("contributions.settings.update")
                    .by(guard.principal().account_id)
                    .from(auth.client_ip)
                    .with(
                        json!({ "season_start_month": month, "weekly_digest": new.weekly_digest }),
                    );
                audit::record(&mut tx, entry).await?;
                return Ok(done(
                    "/treasury/settings",
                    FlashKind::Success,
                    "flash-saved",
                ));
            }
            Err(Error::Database(error)) => return Err(AppError::Database(error)),
            Err(error) => errors.store(&error, "season_start_month"),
        }
    }
    let data = page(&mut tx, &auth, Some(values), errors, None).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(&themes, &tx, &view, TEMPLATE, status, &data).await
}

/// Reads the rule rows; `Err` lists what is wrong (row numbers from 1).
fn read_rules(rows: &[RuleRow]) -> Result<Vec<Rule>, Vec<String>> {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.status.trim().is_empty() {
            continue;
        }
        match read_rule(row) {
            Some(rule) => rules.push(rule),
            None => problems.push((i + 1).to_string()),
        }
    }
    if rules.is_empty() && problems.is_empty() {
        problems.push("1".into());
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

fn read_rule(row: &RuleRow) -> Option<Rule> {
    let days = |text: &str| {
        text.trim()
            .parse::<i32>()
            .ok()
            .filter(|d| (-MAX_DAYS..=MAX_DAYS).contains(d))
    };
    let event = |text: &str| serde_json::from_value::<Event>(json!(text)).ok();
    let status: Status = row.status.parse().ok()?;
    if !RULE_STATUSES.contains(&status.as_str()) {
        return None;
    }
    let from = (event(&row.from_event)?, days(&row.from_days)?);
    let to = match (row.to_event.trim(), row.to_days.trim()) {
        ("", "") => None,
        (to_event, to_days) => Some((event(to_event)?, days(to_days)?)),
    };
    Some(Rule { status, from, to })
}

/// `POST /treasury/settings/rules`: replaces the rules, in order.
pub async fn save_rules(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let rows: Vec<RuleRow> = (0..RULE_ROWS.max(12))
        .take_while(|i| fields.iter().any(|(k, _)| *k == format!("rule_status_{i}")))
        .map(|i| RuleRow {
            status: field(&fields, &format!("rule_status_{i}")),
            from_event: field(&fields, &format!("rule_from_event_{i}")),
            from_days: field(&fields, &format!("rule_from_days_{i}")),
            to_event: field(&fields, &format!("rule_to_event_{i}")),
            to_days: field(&fields, &format!("rule_to_days_{i}")),
        })
        .collect();
    match read_rules(&rows) {
        Ok(rules) => {
            status::replace_rules(&mut tx, &rules).await?;
            let entry = Entry::new("contributions.status_rules.replace")
                .by(guard.principal().account_id)
                .from(auth.client_ip)
                .with(json!({ "rules": rules }));
            audit::record(&mut tx, entry).await?;
            Ok(done(
                "/treasury/settings",
                FlashKind::Success,
                "flash-saved",
            ))
        }
        Err(problems) => {
            let mut rows = rows;
            rows.resize(RULE_ROWS.max(rows.len()), RuleRow::default());
            let rules = Some((rows, problems));
            let data = page(&mut tx, &auth, None, Errors::default(), rules).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&themes, &tx, &view, TEMPLATE, status, &data).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: &str, from: (&str, &str), to: (&str, &str)) -> RuleRow {
        RuleRow {
            status: status.into(),
            from_event: from.0.into(),
            from_days: from.1.into(),
            to_event: to.0.into(),
            to_days: to.1.into(),
        }
    }

    #[test]
    fn rule_rows_are_read_or_named() {
        let good = [
            row("current", ("start", "0"), ("end", "0")),
            row("", ("", ""), ("", "")),
            row("expired", ("end", "31"), ("", "")),
        ];
        assert_eq!(read_rules(&good).map(|r| r.len()), Ok(2));
        let bad = [
            row("current", ("start", "x"), ("end", "0")),
            row("pending", ("start", "0"), ("", "")),
            row("grace", ("end", "1"), ("end", "")),
        ];
        assert_eq!(
            read_rules(&bad).err(),
            Some(vec!["1".into(), "2".into(), "3".into()])
        );
        assert!(read_rules(&[]).is_err(), "at least one rule");
    }
}
