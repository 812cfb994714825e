//! A tax receipt as a PDF with every mention of form 2041-RD, in French
//! (the form is French whatever the portal's language), typeset by typst
//! from a fixed template (`tax_receipt.typ`) with fonts built into the
//! binary. Everything the association or the donor wrote reaches it as
//! data in `sys.inputs`, shown as text, never evaluated ([`crate::typeset`]). The amount is printed framed by asterisks
//! and in words (`french-amount-words`).

use chrono::NaiveDate;
use typst::foundations::Dict;

use super::declaration::Declaration;
use super::store::TaxReceipt;
use crate::contributions::receipts::pdf::{Lang, date};
use crate::model::{Amount, Currency};
use crate::typeset::{Template, put};

static TEMPLATE: Template = Template::new(include_str!("tax_receipt.typ"));

/// What one receipt shows.
#[derive(Debug, Clone)]
pub struct TaxReceiptPdf {
    pub organisation_name: String,
    pub declaration: Declaration,
    pub receipt: TaxReceipt,
    /// The order number of the receipt it replaces.
    pub replaces: Option<String>,
}

pub use crate::typeset::TypesetError as PdfError;

/// Renders on the blocking pool; the same receipt always gives the same
/// bytes (fixed document id, no timestamp).
pub async fn render(receipt: TaxReceiptPdf) -> Result<Vec<u8>, PdfError> {
    let ident = format!("tax-receipt-{}", receipt.receipt.reference);
    TEMPLATE.render(inputs(&receipt), ident).await
}

/// « 1 500,00 € » and « mille cinq cents euros ».
pub fn amount_texts(minor: i64) -> (String, String) {
    let figure = Amount::new(minor, Currency::EUR)
        .map(|a| a.format("fr"))
        .unwrap_or_default();
    let words = u64::try_from(minor)
        .ok()
        .and_then(|cents| french_amount_words::euro_amount_to_words(cents).ok())
        .unwrap_or_default();
    (figure, words)
}

/// « le 5 décembre 2026 », or « du 1er mars 2026 au 5 décembre 2026
/// (cumul 2026) ».
pub fn when(receipt: &TaxReceipt) -> String {
    let day = |d: NaiveDate| date(Lang::Fr, d);
    if receipt.first_on == receipt.last_on && receipt.kind == "gift" {
        format!("le {}", day(receipt.first_on))
    } else {
        format!(
            "du {} au {} (cumul {})",
            day(receipt.first_on),
            day(receipt.last_on),
            receipt.tax_year
        )
    }
}

fn inputs(r: &TaxReceiptPdf) -> Dict {
    let decl = &r.declaration;
    let receipt = &r.receipt;
    let (figure, words) = amount_texts(receipt.amount_minor);
    let has = |method: &str| receipt.methods.iter().any(|m| m == method);
    let mut org = Dict::new();
    put(&mut org, "name", r.organisation_name.as_str());
    put(&mut org, "identifier", decl.identifier.as_str());
    put(&mut org, "street", decl.street.as_str());
    put(&mut org, "post_code", decl.post_code.as_str());
    put(&mut org, "town", decl.town.as_str());
    put(&mut org, "object", decl.object.as_str());
    put(&mut org, "kind", decl.organisation_type.as_str());
    put(&mut org, "other", decl.organisation_other.as_str());
    let mut donor = Dict::new();
    put(&mut donor, "name", receipt.donor_name.as_str());
    put(&mut donor, "address", receipt.donor_address.as_str());
    let mut signatory = Dict::new();
    put(&mut signatory, "name", decl.signatory_name.as_str());
    put(&mut signatory, "title", decl.signatory_title.as_str());
    let mut d = Dict::new();
    put(&mut d, "number", receipt.reference.as_str());
    put(&mut d, "org", org);
    put(&mut d, "donor", donor);
    put(&mut d, "signatory", signatory);
    put(&mut d, "amount", figure);
    put(&mut d, "words", words);
    put(&mut d, "when", when(receipt));
    put(&mut d, "article_200", decl.article_200);
    put(&mut d, "article_978", decl.article_978);
    put(&mut d, "cash", has("cash"));
    put(&mut d, "cheque", has("cheque"));
    put(
        &mut d,
        "bank",
        has("transfer") || has("direct_debit") || has("card") || has("online"),
    );
    put(
        &mut d,
        "issued_on",
        date(Lang::Fr, receipt.issued_at.date_naive()),
    );
    put(&mut d, "cancelled", receipt.cancelled_at.is_some());
    put(&mut d, "replaces", r.replaces.clone());
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_in_figures_and_words() {
        let (figure, words) = amount_texts(150_000);
        assert!(
            figure.contains("1") && figure.contains("500,00"),
            "{figure}"
        );
        assert_eq!(words, "mille cinq cents euros");
        assert_eq!(amount_texts(1_550).1, "quinze euros et cinquante centimes");
    }
}
