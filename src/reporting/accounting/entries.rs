//! Money movements become balanced journal entries: a payment is debited
//! to its treasury account (bank, cash, cheques to cash) and credited to
//! each plan's revenue account for what it paid, the rest to the
//! unallocated account; a refund is the reverse, dated when it was made.
//! Entries are numbered without gaps per journal, in date order.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::chart::Chart;
use crate::contributions::journal::{Entry, Movement};
use crate::model::Amount;

/// One line of an entry: an account, debited or credited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub account: String,
    /// What the account is (`Banque`, the plan's name …).
    pub account_label: String,
    pub debit: Option<Amount>,
    pub credit: Option<Amount>,
}

/// A balanced entry of one journal.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    pub journal: String,
    pub journal_label: &'static str,
    /// Gapless within the journal, from 1.
    pub number: u64,
    pub date: NaiveDate,
    /// The supporting document: `P<payment id>`, `R<payment id>` for a refund.
    pub piece: String,
    pub label: String,
    pub payment_reference: String,
    pub lines: Vec<Line>,
}

/// Numbers entries per journal as they are made.
#[derive(Debug, Default)]
pub struct Books {
    counters: HashMap<String, u64>,
}

impl Books {
    pub fn entry(&mut self, chart: &Chart, movement: &Entry) -> JournalEntry {
        let (journal, journal_label, treasury, treasury_label) = treasury(chart, &movement.method);
        let counter = self.counters.entry(journal.clone()).or_default();
        *counter += 1;
        let revenue = revenue_lines(chart, movement);
        let (lines, piece, label) = match movement.movement {
            Movement::Received => {
                let mut lines = vec![Line {
                    account: treasury,
                    account_label: treasury_label.into(),
                    debit: Some(movement.amount),
                    credit: None,
                }];
                lines.extend(revenue.into_iter().map(|(account, label, amount)| Line {
                    account,
                    account_label: label,
                    debit: None,
                    credit: Some(amount),
                }));
                (
                    lines,
                    format!("P{}", movement.payment_id),
                    movement.payer_name.clone(),
                )
            }
            Movement::Refunded => {
                let mut lines: Vec<Line> = revenue
                    .into_iter()
                    .map(|(account, label, amount)| Line {
                        account,
                        account_label: label,
                        debit: Some(amount),
                        credit: None,
                    })
                    .collect();
                lines.push(Line {
                    account: treasury,
                    account_label: treasury_label.into(),
                    debit: None,
                    credit: Some(movement.amount),
                });
                let label = format!("Remboursement {}", movement.payer_name);
                (lines, format!("R{}", movement.payment_id), label)
            }
        };
        JournalEntry {
            journal,
            journal_label,
            number: *counter,
            date: movement.on,
            piece,
            label,
            payment_reference: movement
                .cheque_number
                .clone()
                .or_else(|| movement.reference.clone())
                .unwrap_or_default(),
            lines,
        }
    }
}

/// The journal and treasury account of a method.
fn treasury(chart: &Chart, method: &str) -> (String, &'static str, String, &'static str) {
    match method {
        "cash" => (
            chart.cash_journal.clone(),
            "Caisse",
            chart.cash_account.clone(),
            "Caisse",
        ),
        "cheque" => (
            chart.bank_journal.clone(),
            "Banque",
            chart.cheque_account.clone(),
            "Chèques à encaisser",
        ),
        _ => (
            chart.bank_journal.clone(),
            "Banque",
            chart.bank_account.clone(),
            "Banque",
        ),
    }
}

/// Revenue per plan account (plans sharing an account are one line), then
/// what paid no membership.
fn revenue_lines(chart: &Chart, movement: &Entry) -> Vec<(String, String, Amount)> {
    let mut lines: Vec<(String, String, Amount)> = Vec::new();
    let mut allocated = 0_i64;
    for (plan, name, amount) in &movement.plans {
        allocated += amount.minor();
        let account = chart.plan_account(*plan).to_owned();
        match lines.iter_mut().find(|(a, _, _)| *a == account) {
            Some(line) => line.2 = line.2.checked_add(*amount).unwrap_or(line.2),
            None => lines.push((account, format!("Cotisations {name}"), *amount)),
        }
    }
    let rest = movement.amount.minor() - allocated;
    if rest > 0
        && let Some(rest) = Amount::new(rest, movement.amount.currency())
    {
        lines.push((
            chart.unallocated_account.clone(),
            "Dons et avances".into(),
            rest,
        ));
    }
    lines
}

#[cfg(test)]
#[path = "entries_tests.rs"]
mod tests;
