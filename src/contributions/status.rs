//! A membership's status, derived from dates and payments by rules the
//! association may edit (CiviCRM style: the first rule whose window
//! contains today wins), then by three facts that beat any rule: a staff
//! override, a cancellation, and a payment still on its way — a member
//! whose payment is pending or being retried is never shown as lapsed, and
//! one whose dues are presented again after a failed debit is in grace.

use chrono::{Days, NaiveDate};

use super::model::Status;
use crate::db::TenantTx;

/// Which date a rule's offset counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The first day of the member's first period in the chain.
    Join,
    Start,
    End,
}

impl Event {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "join" => Some(Event::Join),
            "start" => Some(Event::Start),
            "end" => Some(Event::End),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Event::Join => "join",
            Event::Start => "start",
            Event::End => "end",
        }
    }
}

/// `status` from `from` (+ days) to `to` (+ days, inclusive; `None`: open).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    pub status: Status,
    pub from: (Event, i32),
    pub to: Option<(Event, i32)>,
}

/// What a status is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub joined_on: NaiveDate,
    pub starts_on: NaiveDate,
    /// `None`: lifetime.
    pub ends_on: Option<NaiveDate>,
    /// Something is owed for the period.
    pub amount_due: bool,
    /// Some of it was paid (or credited).
    pub paid_any: bool,
    /// A payment for it is pending (announced, or being retried).
    pub payment_pending: bool,
    /// The pending payment presents the dues again after a failed one (a
    /// direct debit re-presented): the member was counted as paying.
    pub payment_retrying: bool,
    pub cancelled: bool,
    pub overridden: Option<Status>,
}

impl Facts {
    fn date_of(&self, event: Event) -> Option<NaiveDate> {
        match event {
            Event::Join => Some(self.joined_on),
            Event::Start => Some(self.starts_on),
            Event::End => self.ends_on,
        }
    }
}

fn shifted(date: NaiveDate, days: i32) -> Option<NaiveDate> {
    let by = Days::new(u64::from(days.unsigned_abs()));
    if days >= 0 {
        date.checked_add_days(by)
    } else {
        date.checked_sub_days(by)
    }
}

/// The status on `today`.
pub fn status_of(rules: &[Rule], facts: &Facts, today: NaiveDate) -> Status {
    if let Some(status) = facts.overridden {
        return status;
    }
    if facts.cancelled {
        return Status::Cancelled;
    }
    let ended = facts.ends_on.is_some_and(|end| today > end);
    if facts.amount_due && !facts.paid_any {
        return match (ended, facts.payment_pending) {
            // A member whose debit is presented again keeps their rights.
            (false, true) if facts.payment_retrying && today >= facts.starts_on => Status::Grace,
            (false, _) => Status::Pending,
            (true, true) => Status::Grace,
            (true, false) => Status::Expired,
        };
    }
    let by_rule = rules
        .iter()
        .find(|rule| matches(rule, facts, today))
        .map(|rule| rule.status);
    let status = by_rule.unwrap_or(if today < facts.starts_on {
        Status::Current
    } else {
        Status::Expired
    });
    if status == Status::Expired && facts.payment_pending {
        return Status::Grace;
    }
    status
}

fn matches(rule: &Rule, facts: &Facts, today: NaiveDate) -> bool {
    let (event, days) = rule.from;
    let Some(from) = facts.date_of(event).and_then(|date| shifted(date, days)) else {
        return false;
    };
    let until_ok = match rule.to {
        None => true,
        // An end that does not exist (lifetime) never closes the window.
        Some((event, days)) => match facts.date_of(event) {
            None => true,
            Some(date) => shifted(date, days).is_some_and(|to| today <= to),
        },
    };
    today >= from && until_ok
}

/// The association's rules, in order.
pub async fn rules(tx: &mut TenantTx) -> Result<Vec<Rule>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT status, from_event, from_days, to_event, to_days
         FROM membership_status_rules ORDER BY position"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let to = match (row.to_event.as_deref().and_then(Event::parse), row.to_days) {
                (Some(event), Some(days)) => Some((event, days)),
                _ => None,
            };
            Some(Rule {
                status: row.status.parse().ok()?,
                from: (Event::parse(&row.from_event)?, row.from_days),
                to,
            })
        })
        .collect())
}

/// Replaces the rules (staff edit them as a whole, in order).
pub async fn replace_rules(tx: &mut TenantTx, rules: &[Rule]) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM membership_status_rules")
        .execute(tx.conn().await?)
        .await?;
    for (position, rule) in (1_i32..).zip(rules) {
        sqlx::query!(
            "INSERT INTO membership_status_rules (position, status, from_event, from_days, to_event, to_days)
             VALUES ($1, $2, $3, $4, $5, $6)",
            position,
            rule.status.as_str(),
            rule.from.0.as_str(),
            rule.from.1,
            rule.to.map(|(event, _)| event.as_str()),
            rule.to.map(|(_, days)| days)
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
