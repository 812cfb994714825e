//! SEPA credit transfer initiation, ISO 20022 `pain.001.001.09` (the 2019
//! version the EPC rulebooks use since March 2024): the file a treasurer
//! uploads to the association's bank to pay several people at once.
//!
//! One file is one message with one payment (`PmtInf`): the association's
//! account is debited on one date for every transfer, in euros, each bank
//! paying its own fees (`SLEV`), booked as one batch.

use chrono::{DateTime, NaiveDate, Utc};

use super::account::{Bic, Iban};
use super::error::{Field, Problem, SepaError};
use super::rules;
use super::xml::Xml;

/// The schema's namespace, the `Document` element's `xmlns`.
pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";

/// The association paying: it sends the file and its account is debited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debtor {
    /// Any text; reduced to the SEPA set, then at most 70 characters.
    pub name: String,
    pub iban: Iban,
    /// Written `NOTPROVIDED` when unknown (IBAN-only, accepted in SEPA).
    pub bic: Option<Bic>,
}

/// One payment to one person or organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Our reference, returned by the bank on statements and rejects: 1 to
    /// 35 SEPA characters, unique in the batch, never converted.
    pub end_to_end_id: String,
    /// Euro cents, more than zero.
    pub amount_minor: i64,
    /// Any text; reduced to the SEPA set, then at most 70 characters.
    pub creditor_name: String,
    pub creditor_iban: Iban,
    /// Left out of the file when unknown.
    pub creditor_bic: Option<Bic>,
    /// What the payee reads on their statement; reduced to the SEPA set and
    /// cut to 140 characters; left out when empty.
    pub remittance: String,
}

/// A file's worth of transfers from the association's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Unique per file for the bank (it refuses a repeated one): 1 to 35
    /// SEPA characters. Also used as the payment's `PmtInfId`.
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    /// The day the association's account is debited (`ReqdExctnDt`).
    pub execution_date: NaiveDate,
    pub debtor: Debtor,
    pub transfers: Vec<Transfer>,
}

/// The batch as a `pain.001.001.09` document (UTF-8 XML), after checking
/// everything the schema does not: the EPC's lengths and character set,
/// amounts, unique end-to-end ids. The first problem found is returned.
pub fn document(batch: &Batch) -> Result<String, SepaError> {
    let checked = Checked::of(batch)?;
    Ok(Xml::document(NAMESPACE, |x| {
        x.element("CstmrCdtTrfInitn", |x| {
            group_header(x, batch, &checked);
            payment(x, batch, &checked);
        })
    }))
}

/// What the writer needs beyond the batch: the texts as they go in the
/// file, and the control sum.
struct Checked {
    debtor_name: String,
    /// One per transfer, in order.
    texts: Vec<Texts>,
    control_sum: String,
}

struct Texts {
    creditor_name: String,
    remittance: Option<String>,
}

impl Checked {
    fn of(batch: &Batch) -> Result<Self, SepaError> {
        let on_batch = |field| move |problem| SepaError::Batch { field, problem };
        rules::id(&batch.message_id).map_err(on_batch(Field::MessageId))?;
        let debtor_name = rules::name(&batch.debtor.name).map_err(on_batch(Field::DebtorName))?;
        if batch.transfers.is_empty() {
            return Err(SepaError::NoTransaction);
        }
        let mut texts = Vec::with_capacity(batch.transfers.len());
        for (index, transfer) in batch.transfers.iter().enumerate() {
            let on = |field| {
                move |problem| SepaError::Transaction {
                    index,
                    field,
                    problem,
                }
            };
            rules::id(&transfer.end_to_end_id).map_err(on(Field::EndToEndId))?;
            rules::amount(transfer.amount_minor).map_err(on(Field::Amount))?;
            texts.push(Texts {
                creditor_name: rules::name(&transfer.creditor_name)
                    .map_err(on(Field::CreditorName))?,
                remittance: rules::remittance(&transfer.remittance),
            });
        }
        let ids = batch.transfers.iter().map(|t| t.end_to_end_id.as_str());
        if let Some((first, index)) = rules::first_duplicate(ids) {
            return Err(SepaError::Transaction {
                index,
                field: Field::EndToEndId,
                problem: Problem::Duplicate { first },
            });
        }
        let sum = rules::control_sum(batch.transfers.iter().map(|t| t.amount_minor))
            .map_err(on_batch(Field::ControlSum))?;
        Ok(Self {
            debtor_name,
            texts,
            control_sum: rules::decimal(sum),
        })
    }
}

fn group_header(x: &mut Xml, batch: &Batch, checked: &Checked) {
    x.element("GrpHdr", |x| {
        x.text("MsgId", &batch.message_id);
        x.text(
            "CreDtTm",
            &batch.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        x.text("NbOfTxs", &batch.transfers.len().to_string());
        x.text("CtrlSum", &checked.control_sum);
        x.party("InitgPty", &checked.debtor_name);
    });
}

fn payment(x: &mut Xml, batch: &Batch, checked: &Checked) {
    x.element("PmtInf", |x| {
        x.text("PmtInfId", &batch.message_id);
        x.text("PmtMtd", "TRF");
        x.text("BtchBookg", "true");
        x.text("NbOfTxs", &batch.transfers.len().to_string());
        x.text("CtrlSum", &checked.control_sum);
        x.element("PmtTpInf", |x| {
            x.element("SvcLvl", |x| x.text("Cd", "SEPA"))
        });
        x.element("ReqdExctnDt", |x| {
            x.text("Dt", &batch.execution_date.format("%Y-%m-%d").to_string())
        });
        x.party("Dbtr", &checked.debtor_name);
        x.account("DbtrAcct", &batch.debtor.iban);
        x.agent("DbtrAgt", batch.debtor.bic.as_ref());
        x.text("ChrgBr", "SLEV");
        for (transfer, texts) in batch.transfers.iter().zip(&checked.texts) {
            transaction(x, transfer, texts);
        }
    });
}

fn transaction(x: &mut Xml, transfer: &Transfer, texts: &Texts) {
    x.element("CdtTrfTxInf", |x| {
        x.element("PmtId", |x| x.text("EndToEndId", &transfer.end_to_end_id));
        x.element("Amt", |x| {
            let amount = rules::decimal(transfer.amount_minor);
            x.text_with("InstdAmt", Some(("Ccy", "EUR")), &amount);
        });
        if let Some(bic) = &transfer.creditor_bic {
            x.agent("CdtrAgt", Some(bic));
        }
        x.party("Cdtr", &texts.creditor_name);
        x.account("CdtrAcct", &transfer.creditor_iban);
        if let Some(remittance) = &texts.remittance {
            x.element("RmtInf", |x| x.text("Ustrd", remittance));
        }
    });
}

#[cfg(test)]
#[path = "credit_transfer_tests.rs"]
mod tests;
