//! The FEC (« fichier des écritures comptables », art. A47 A-1 LPF): one
//! line per entry line, 18 columns in their legal order, separated by tabs,
//! no quotes, dates `AAAAMMJJ`, amounts with a decimal comma, encoded in
//! ISO-8859-15, named `{SIREN}FEC{closing date}.txt`. Streamed as the
//! movements come from the database.

use axum::body::{Body, Bytes};
use chrono::NaiveDate;
use futures::{SinkExt, TryStreamExt};

use super::chart::Chart;
use super::entries::{Books, JournalEntry, Line};
use crate::contributions::journal;
use crate::db::TenantTx;
use crate::model::Amount;

/// The 18 columns, in the order the law gives.
pub const COLUMNS: [&str; 18] = [
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
];

const CHUNK: usize = 64 * 1024;

/// `123456789FEC20261231.txt`.
pub fn file_name(siren: &str, closing: NaiveDate) -> String {
    format!("{siren}FEC{}.txt", closing.format("%Y%m%d"))
}

/// The FEC of `[from, to]` as a streamed body; `tx` is the writer's own.
pub fn body(mut tx: TenantTx, chart: Chart, from: NaiveDate, to: NaiveDate) -> Body {
    let (sender, receiver) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut out = sender.clone();
        if let Err(error) = write(&mut tx, &chart, from, to, sender).await {
            tracing::warn!(%error, "the FEC export stopped");
            let _ = out.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    Body::from_stream(receiver)
}

async fn write(
    tx: &mut TenantTx,
    chart: &Chart,
    from: NaiveDate,
    to: NaiveDate,
    mut out: futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), sqlx::Error> {
    let mut text = COLUMNS.join("\t");
    text.push_str("\r\n");
    let mut books = Books::default();
    let mut movements = std::pin::pin!(journal::entries(tx.conn().await?, from, to));
    while let Some(movement) = movements.try_next().await? {
        let entry = books.entry(chart, &movement);
        for line in &entry.lines {
            text.push_str(&fec_line(&entry, line));
        }
        if text.len() >= CHUNK {
            let chunk = latin9(&std::mem::take(&mut text));
            if out.send(Ok(chunk)).await.is_err() {
                return Ok(());
            }
        }
    }
    let _ = out.send(Ok(latin9(&text))).await;
    Ok(())
}

/// One line of the file, ending in CRLF.
pub fn fec_line(entry: &JournalEntry, line: &Line) -> String {
    let date = entry.date.format("%Y%m%d").to_string();
    let fields = [
        clean(&entry.journal),
        clean(entry.journal_label),
        entry.number.to_string(),
        date.clone(),
        clean(&line.account),
        clean(&line.account_label),
        String::new(),
        String::new(),
        clean(&entry.piece),
        date.clone(),
        clean(&entry.label),
        comma(line.debit),
        comma(line.credit),
        String::new(),
        String::new(),
        date,
        String::new(),
        String::new(),
    ];
    let mut text = fields.join("\t");
    text.push_str("\r\n");
    text
}

/// `1234,50`; an empty side is `0,00`.
fn comma(amount: Option<Amount>) -> String {
    amount.map_or_else(|| "0,00".to_owned(), |a| a.decimal().replace('.', ","))
}

/// No tab or line break may reach a field.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// ISO-8859-15; a character it lacks becomes `?`.
pub fn latin9(text: &str) -> Bytes {
    let mut out = Vec::with_capacity(text.len());
    let mut buffer = [0_u8; 4];
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        if c.is_whitespace() {
            out.push(b' ');
            continue;
        }
        let (bytes, _, errors) = encoding_rs::ISO_8859_15.encode(c.encode_utf8(&mut buffer));
        match (errors, bytes.as_ref()) {
            (false, [byte]) => out.push(*byte),
            _ => out.push(b'?'),
        }
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin9_has_the_euro_and_accents_and_nothing_else() {
        assert_eq!(latin9("Été €").as_ref(), [0xC9, b't', 0xE9, b' ', 0xA4]);
        assert_eq!(latin9("a\u{202f}b✓").as_ref(), b"a b?");
    }

    #[test]
    fn fields_never_hold_tabs_or_line_breaks() {
        assert_eq!(clean("a\tb\r\nc "), "a b  c");
    }
}
