//! A payment receipt as a PDF, in the association's colours, typeset by
//! [`crate::typeset`] (typst, fonts built into the binary), so the output
//! is the same on every machine.
//!
//! Security boundary: the template (`receipt.typ`) is fixed; everything a
//! tenant or a member wrote (names, addresses, plan names) reaches it as
//! typst *data* in `sys.inputs`, which is shown as text and never parsed
//! as markup or code. The engine resolves no file but the template itself,
//! so nothing on the server's disk can be read from a receipt.
//!
//! Typesetting is CPU work: [`render_blocking`] runs on a blocking thread
//! ([`render`] does that), never on the async runtime.

use chrono::{Datelike, NaiveDate};
use typst::foundations::Dict;

use crate::typeset::{Array, IntoValue, Template, Value, put};

use crate::contributions::Method;
use crate::model::{Colour, DEFAULT_PRIMARY};

/// The language of a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// French unless `locale` is English (the product's first audience).
    pub fn from_locale(locale: &str) -> Self {
        if locale.starts_with("en") {
            Self::En
        } else {
            Self::Fr
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }
}

/// Who issues the receipt.
#[derive(Debug, Clone)]
pub struct Association {
    pub name: String,
    /// Postal address, one line each (may be empty).
    pub address: Vec<String>,
    pub colour: Option<Colour>,
}

/// Who paid (the receipt's holder).
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub address: Vec<String>,
}

/// One thing the payment paid for, e.g. "Adhésion 2026-2027 — Standard".
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    /// Already formatted for the receipt's language.
    pub amount: String,
}

/// Everything a receipt shows. Plain values: amounts come formatted
/// (`Amount::format`), dates are formatted here in the receipt's language.
#[derive(Debug, Clone)]
pub struct ReceiptPdf {
    pub lang: Lang,
    pub association: Association,
    /// `2026-000042` (see [`number_text`]).
    pub number: String,
    pub issued_on: NaiveDate,
    pub member: Member,
    /// The total, formatted.
    pub amount: String,
    pub amount_in_words: Option<String>,
    pub paid_on: NaiveDate,
    pub method: Method,
    pub lines: Vec<Line>,
    /// A cancelled receipt carries a large "ANNULÉ / CANCELLED" watermark.
    pub cancelled: bool,
}

/// The printed form of a receipt number: year, dash, six digits.
pub fn number_text(year: i32, number: i32) -> String {
    format!("{year}-{number:06}")
}

pub use crate::typeset::TypesetError as PdfError;

static TEMPLATE: Template = Template::new(include_str!("receipt.typ"));

/// Renders on the blocking pool.
pub async fn render(receipt: ReceiptPdf) -> Result<Vec<u8>, PdfError> {
    let ident = format!("receipt-{}", receipt.number);
    TEMPLATE.render(inputs(&receipt), ident).await
}

/// Renders the PDF on this thread (tens of milliseconds: CPU work). The
/// document id is fixed: the same receipt renders to the same bytes (a
/// re-run job finds its file already stored, with the same hash).
pub fn render_blocking(receipt: &ReceiptPdf) -> Result<Vec<u8>, PdfError> {
    TEMPLATE.pdf(inputs(receipt), format!("receipt-{}", receipt.number))
}

/// The template's `sys.inputs`: values only.
fn inputs(r: &ReceiptPdf) -> Dict {
    let words = Words::of(r.lang);
    let colour = r.association.colour.unwrap_or(DEFAULT_PRIMARY).to_string();
    let mut d = Dict::new();
    put(&mut d, "lang", r.lang.code());
    put(&mut d, "title", format!("{} {}", words.receipt, r.number));
    put(&mut d, "colour", colour);
    put(&mut d, "number", r.number.as_str());
    put(&mut d, "issued_on", date(r.lang, r.issued_on));
    put(&mut d, "paid_on", date(r.lang, r.paid_on));
    put(&mut d, "method", words.method(r.method));
    put(&mut d, "amount", r.amount.as_str());
    put(&mut d, "words", r.amount_in_words.clone());
    put(&mut d, "cancelled", r.cancelled);
    put(&mut d, "watermark", "ANNULÉ / CANCELLED");
    put(
        &mut d,
        "association",
        party(&r.association.name, &r.association.address),
    );
    put(&mut d, "member", party(&r.member.name, &r.member.address));
    put(&mut d, "lines", lines(&r.lines));
    put(&mut d, "labels", words.dict(&r.association.name));
    d
}

fn party(name: &str, address: &[String]) -> Dict {
    let mut d = Dict::new();
    put(&mut d, "name", name);
    let lines: Array = address.iter().map(|l| l.as_str().into_value()).collect();
    put(&mut d, "address", lines);
    d
}

fn lines(lines: &[Line]) -> Array {
    lines
        .iter()
        .map(|line| {
            let mut d = Dict::new();
            put(&mut d, "label", line.label.as_str());
            put(&mut d, "amount", line.amount.as_str());
            Value::Dict(d)
        })
        .collect()
}

/// "6 décembre 2026", "1er mars 2026" / "6 December 2026".
pub fn date(lang: Lang, day: NaiveDate) -> String {
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let months = match lang {
        Lang::Fr => FR,
        Lang::En => EN,
    };
    let month = months[day.month0() as usize % 12];
    let ordinal = if lang == Lang::Fr && day.day() == 1 {
        "er"
    } else {
        ""
    };
    format!("{}{ordinal} {month} {}", day.day(), day.year())
}

/// The receipt's fixed words in one language.
struct Words {
    lang: Lang,
    receipt: &'static str,
}

impl Words {
    fn of(lang: Lang) -> Self {
        let receipt = match lang {
            Lang::Fr => "Reçu",
            Lang::En => "Receipt",
        };
        Self { lang, receipt }
    }

    fn method(&self, method: Method) -> &'static str {
        let fr = self.lang == Lang::Fr;
        match method {
            Method::Cash if fr => "espèces",
            Method::Cash => "cash",
            Method::Cheque if fr => "chèque",
            Method::Cheque => "cheque",
            Method::Transfer if fr => "virement",
            Method::Transfer => "bank transfer",
            Method::Card if fr => "carte",
            Method::Card => "card",
            Method::Online if fr => "paiement en ligne",
            Method::Online => "online payment",
            Method::DirectDebit if fr => "prélèvement SEPA",
            Method::DirectDebit => "SEPA direct debit",
            Method::Other if fr => "autre",
            Method::Other => "other",
        }
    }

    fn dict(&self, association: &str) -> Dict {
        let fr = self.lang == Lang::Fr;
        let pick = |f: &'static str, e: &'static str| if fr { f } else { e };
        let mut d = Dict::new();
        put(&mut d, "receipt", self.receipt);
        put(&mut d, "received_from", pick("Reçu de", "Received from"));
        put(&mut d, "payment", pick("Paiement", "Payment"));
        put(&mut d, "paid_on", pick("Reçu le", "Received on"));
        put(&mut d, "method", pick("Moyen :", "Method:"));
        put(&mut d, "item", pick("Objet", "Item"));
        put(&mut d, "amount", pick("Montant", "Amount"));
        put(&mut d, "total", pick("Total reçu", "Total received"));
        put(
            &mut d,
            "in_words",
            pick("Soit en toutes lettres :", "In words:"),
        );
        let statement = if fr {
            format!("{association} atteste avoir reçu le paiement ci-dessus.")
        } else {
            format!("{association} acknowledges receipt of the payment above.")
        };
        put(&mut d, "statement", statement);
        put(
            &mut d,
            "footer",
            pick(
                "Document émis électroniquement ; il ne peut être modifié.",
                "Issued electronically; this document cannot be altered.",
            ),
        );
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_out_in_the_receipts_language() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(date(Lang::Fr, day(2026, 9, 1)), "1er septembre 2026");
        assert_eq!(date(Lang::Fr, day(2026, 12, 6)), "6 décembre 2026");
        assert_eq!(date(Lang::En, day(2026, 9, 1)), "1 September 2026");
        assert_eq!(number_text(2026, 42), "2026-000042");
    }
}
