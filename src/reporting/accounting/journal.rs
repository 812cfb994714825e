//! The journal as a table an accountant's software imports (one row per
//! debit/credit pair, like Paheko's « simplifié » layout): CSV or XLSX,
//! streamed through `tabular`.

use chrono::NaiveDate;
use futures::TryStreamExt;

use super::chart::Chart;
use super::entries::{Books, JournalEntry};
use crate::contributions::journal;
use crate::db::TenantTx;
use crate::tabular::{self, Cell, Column, Feed, Kind, Row};

/// Column keys (CSV header) and kinds.
const SHAPE: [(&str, Kind); 9] = [
    ("entry", Kind::Text),
    ("journal", Kind::Text),
    ("date", Kind::Date),
    ("piece", Kind::Text),
    ("label", Kind::Text),
    ("reference", Kind::Text),
    ("debit_account", Kind::Text),
    ("credit_account", Kind::Text),
    ("amount", Kind::Money),
];

pub fn columns(label: impl Fn(&str) -> String) -> Vec<Column> {
    SHAPE
        .iter()
        .map(|&(key, kind)| Column {
            key,
            label: label(&format!("accounting-col-{key}")),
            kind,
        })
        .collect()
}

/// The rows of `[from, to]`, produced on `tx` (the producer's own).
pub fn spawn(mut tx: TenantTx, chart: Chart, from: NaiveDate, to: NaiveDate) -> Feed {
    let (sender, feed) = tabular::feed();
    tokio::spawn(async move {
        let mut books = Books::default();
        let conn = match tx.conn().await {
            Ok(conn) => conn,
            Err(error) => return sender.fail(error.into()).await,
        };
        let mut movements = std::pin::pin!(journal::entries(conn, from, to));
        loop {
            match movements.try_next().await {
                Ok(Some(movement)) => {
                    let entry = books.entry(&chart, &movement);
                    for row in rows(&entry) {
                        if sender.send(row).await.is_err() {
                            return;
                        }
                    }
                }
                Ok(None) => return,
                Err(error) => return sender.fail(error.into()).await,
            }
        }
    });
    feed
}

/// An entry as debit/credit pairs: its one line on one side against each
/// line of the other.
pub fn rows(entry: &JournalEntry) -> Vec<Row> {
    let debits: Vec<_> = entry.lines.iter().filter(|l| l.debit.is_some()).collect();
    let credits: Vec<_> = entry.lines.iter().filter(|l| l.credit.is_some()).collect();
    let pairs: Vec<(&str, &str, _)> = match (debits.as_slice(), credits.as_slice()) {
        ([debit], credits) => credits
            .iter()
            .filter_map(|c| Some((debit.account.as_str(), c.account.as_str(), c.credit?)))
            .collect(),
        (debits, [credit]) => debits
            .iter()
            .filter_map(|d| Some((d.account.as_str(), credit.account.as_str(), d.debit?)))
            .collect(),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .map(|(debit, credit, amount)| {
            vec![
                Cell::Text(format!("{}{}", entry.journal, entry.number)),
                Cell::text(entry.journal.as_str()),
                Cell::Date(entry.date),
                Cell::text(entry.piece.as_str()),
                Cell::text(entry.label.as_str()),
                Cell::text(entry.payment_reference.as_str()),
                Cell::text(debit),
                Cell::text(credit),
                Cell::Money(amount),
            ]
        })
        .collect()
}
