//! What the bank says back about direct debits: rejects before settlement
//! (`pain.002` status reports) and returns or refunds after it (`camt.054`
//! debit notifications), read into one list of [`Returned`] debits, each
//! named by the end-to-end id we gave it, with the ISO reason code and
//! what it means for the mandate ([`Consequence`]).

use chrono::NaiveDate;
use roxmltree::{Document, Node};

/// Which message the file was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `pain.002`: refused before the money moved.
    StatusReport,
    /// `camt.054`: taken back after the money moved.
    Notification,
}

/// One debit the bank did not (or no longer) pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub end_to_end_id: String,
    /// The ISO 20022 reason code (`AM04`, `MD06` …), `NARR` when none.
    pub reason: String,
    /// Euro cents, when the file says.
    pub amount_minor: Option<i64>,
    /// The booking or collection date, when the file says.
    pub on: Option<NaiveDate>,
}

/// A bank's report on earlier batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub source: Source,
    /// The `MsgId` of the batch it reports on, when it says (pain.002).
    pub original_message_id: Option<String>,
    /// Set when the bank refused the whole file (`GrpSts` `RJCT`) with
    /// this reason; the debits are then not listed one by one.
    pub whole_file_rejected: Option<String>,
    pub returned: Vec<Returned>,
}

/// What a reason code means for the mandate and the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consequence {
    /// Try again at the next collection (not enough money, a passing fault).
    Retry,
    /// The debtor asked their bank for the money back (the 8-week right):
    /// the mandate stays, the payment is undone.
    Refunded,
    /// The account or the mandate can no longer be used.
    MandateEnded,
    /// Someone must look (wrong mandate data, a regulatory reason …).
    Review,
}

/// The consequence of a reason code (EPC guidance on R-transactions).
pub fn consequence(reason: &str) -> Consequence {
    match reason {
        "AM04" | "MS03" | "CNOR" | "DNOR" | "FOCR" | "TM01" => Consequence::Retry,
        "MD06" => Consequence::Refunded,
        "AC01" | "AC04" | "AC06" | "AC13" | "AG01" | "AG02" | "MD01" | "MD07" | "MS02" | "SL01"
        | "BE05" => Consequence::MandateEnded,
        _ => Consequence::Review,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("not XML: {0}")]
    Xml(String),
    #[error("neither a pain.002 status report nor a camt.054 notification")]
    UnknownMessage,
}

/// Reads a `pain.002` (any version) or `camt.054` (any version) file.
pub fn read(xml: &str) -> Result<Report, ReadError> {
    let document = Document::parse(xml).map_err(|e| ReadError::Xml(e.to_string()))?;
    let root = document.root_element();
    if let Some(report) = child(root, "CstmrPmtStsRpt") {
        return Ok(status_report(report));
    }
    if let Some(notification) = child(root, "BkToCstmrDbtCdtNtfctn") {
        return Ok(debit_notification(notification));
    }
    Err(ReadError::UnknownMessage)
}

fn status_report(report: Node<'_, '_>) -> Report {
    let group = child(report, "OrgnlGrpInfAndSts");
    let whole_file_rejected = group
        .filter(|g| text_at(*g, &["GrpSts"]).as_deref() == Some("RJCT"))
        .map(|g| reason_of(g));
    let returned = descendants(report, "TxInfAndSts")
        .filter(|tx| text_at(*tx, &["TxSts"]).as_deref() == Some("RJCT"))
        .filter_map(|tx| {
            Some(Returned {
                end_to_end_id: text_at(tx, &["OrgnlEndToEndId"])?,
                reason: reason_of(tx),
                amount_minor: text_at(tx, &["OrgnlTxRef", "Amt", "InstdAmt"])
                    .and_then(|a| minor(&a)),
                on: text_at(tx, &["OrgnlTxRef", "ReqdColltnDt"]).and_then(|d| date(&d)),
            })
        })
        .collect();
    Report {
        source: Source::StatusReport,
        original_message_id: group.and_then(|g| text_at(g, &["OrgnlMsgId"])),
        whole_file_rejected,
        returned,
    }
}

fn debit_notification(notification: Node<'_, '_>) -> Report {
    let mut returned = Vec::new();
    for entry in descendants(notification, "Ntry") {
        let booked = text_at(entry, &["BookgDt", "Dt"]).and_then(|d| date(&d));
        for tx in descendants(entry, "TxDtls") {
            let Some(info) = child(tx, "RtrInf") else {
                continue;
            };
            let Some(end_to_end_id) = text_at(tx, &["Refs", "EndToEndId"]) else {
                continue;
            };
            let amount = text_at(tx, &["Amt"]).or_else(|| text_at(entry, &["Amt"]));
            returned.push(Returned {
                end_to_end_id,
                reason: text_at(info, &["Rsn", "Cd"]).unwrap_or_else(|| "NARR".to_owned()),
                amount_minor: amount.and_then(|a| minor(&a)),
                on: booked,
            });
        }
    }
    Report {
        source: Source::Notification,
        original_message_id: None,
        whole_file_rejected: None,
        returned,
    }
}

/// `StsRsnInf/Rsn/Cd` (or `Prtry`), `NARR` when the bank gave none.
fn reason_of(node: Node<'_, '_>) -> String {
    text_at(node, &["StsRsnInf", "Rsn", "Cd"])
        .or_else(|| text_at(node, &["StsRsnInf", "Rsn", "Prtry"]))
        .unwrap_or_else(|| "NARR".to_owned())
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

fn descendants<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.descendants()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// The trimmed text at a path of child elements.
fn text_at(node: Node<'_, '_>, path: &[&str]) -> Option<String> {
    let mut at = node;
    for name in path {
        at = child(at, name)?;
    }
    let text = at.text()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `12.5` or `12.50` euros as cents; anything else is `None`.
fn minor(amount: &str) -> Option<i64> {
    let (units, cents) = amount.split_once('.').unwrap_or((amount, "0"));
    if cents.len() > 2 || !units.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let cents: i64 = format!("{cents:0<2}").parse().ok()?;
    units
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

#[cfg(test)]
#[path = "returns_tests.rs"]
mod tests;
