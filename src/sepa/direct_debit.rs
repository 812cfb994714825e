//! SEPA direct debit initiation (Core scheme), ISO 20022 `pain.008.001.08`
//! (the 2019 version of the EPC rulebooks since March 2024): the file a
//! treasurer uploads to the association's bank to collect dues and gifts
//! from members' accounts under their mandates.
//!
//! The sequence type and the collection date belong to the payment
//! (`PmtInf`), not to the transaction: [`document`] groups the debits into
//! one payment per (date, sequence) itself, so a caller cannot get that
//! wrong. The association's creditor identifier (ICS) is on each payment;
//! what each debit's mandate declares is [`super::mandate`].

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::account::{Bic, Iban};
use super::address::{Address, Written};
use super::creditor_id::CreditorId;
use super::error::{Field, Problem, SepaError};
use super::mandate::NEW_BANK;
use super::xml::Xml;
use super::{charset, rules};

pub use super::mandate::{AccountChange, Amendment, Mandate};

/// The schema's namespace, the `Document` element's `xmlns`.
pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08";

/// The association collecting: it sends the file and is credited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creditor {
    /// Any text; reduced to the SEPA set, then at most 70 characters.
    pub name: String,
    pub iban: Iban,
    pub bic: Option<Bic>,
    pub id: CreditorId,
    pub address: Option<Address>,
}

/// Where a debit stands in its mandate's life (`SeqTp`). `First` is
/// optional since the 2016 rulebook: `Recurring` may open a mandate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sequence {
    First,
    Recurring,
    OneOff,
    Final,
}

impl Sequence {
    pub fn code(self) -> &'static str {
        match self {
            Sequence::First => "FRST",
            Sequence::Recurring => "RCUR",
            Sequence::OneOff => "OOFF",
            Sequence::Final => "FNAL",
        }
    }
}

/// One collection from one member's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debit {
    /// Our reference, returned on rejects and returns: 1 to 35 SEPA
    /// characters, unique in the file.
    pub end_to_end_id: String,
    /// Euro cents, more than zero.
    pub amount_minor: i64,
    pub sequence: Sequence,
    /// The due date (`ReqdColltnDt`).
    pub collection_date: NaiveDate,
    pub mandate: Mandate,
    pub debtor_name: String,
    pub debtor_iban: Iban,
    pub debtor_bic: Option<Bic>,
    pub debtor_address: Option<Address>,
    /// What the member reads on their statement; cut to 140 characters.
    pub remittance: String,
}

/// A file's worth of debits to one association's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Unique per file for the bank: 1 to 35 SEPA characters.
    pub message_id: String,
    pub created_at: DateTime<Utc>,
    pub creditor: Creditor,
    pub debits: Vec<Debit>,
}

/// The batch as a `pain.008.001.08` document (UTF-8 XML), after checking
/// everything the schema does not. The first problem found is returned,
/// naming the debit by its position in `batch.debits`.
pub fn document(batch: &Batch) -> Result<String, SepaError> {
    let checked = Checked::of(batch)?;
    Ok(Xml::document(NAMESPACE, |x| {
        x.element("CstmrDrctDbtInitn", |x| {
            x.element("GrpHdr", |x| {
                x.text("MsgId", &batch.message_id);
                let created = batch.created_at.format("%Y-%m-%dT%H:%M:%SZ");
                x.text("CreDtTm", &created.to_string());
                x.text("NbOfTxs", &batch.debits.len().to_string());
                x.text("CtrlSum", &checked.control_sum);
                x.party("InitgPty", &checked.creditor_name);
            });
            for (number, ((date, sequence), indexes)) in checked.groups.iter().enumerate() {
                let group = Group {
                    id: payment_id(&batch.message_id, number + 1),
                    date: *date,
                    sequence: *sequence,
                    indexes,
                };
                payment(x, batch, &checked, &group);
            }
        })
    }))
}

/// `PmtInfId`: the message id, cut to leave room, and the payment's number.
fn payment_id(message_id: &str, number: usize) -> String {
    let suffix = format!("-{number}");
    let room = rules::MAX_ID.saturating_sub(suffix.len());
    format!("{}{suffix}", charset::truncate(message_id, room))
}

/// What the writer needs beyond the batch: texts as they go in the file,
/// the debits grouped per payment, the control sums.
struct Checked {
    creditor_name: String,
    creditor_address: Option<Written>,
    texts: Vec<Texts>,
    /// Positions of the debits of each (date, sequence), in order.
    groups: BTreeMap<(NaiveDate, Sequence), Vec<usize>>,
    control_sum: String,
}

struct Texts {
    debtor_name: String,
    debtor_address: Option<Written>,
    remittance: Option<String>,
    original_creditor_name: Option<String>,
}

struct Group<'a> {
    id: String,
    date: NaiveDate,
    sequence: Sequence,
    indexes: &'a [usize],
}

impl Checked {
    fn of(batch: &Batch) -> Result<Self, SepaError> {
        let on_batch = |field| move |problem| SepaError::Batch { field, problem };
        rules::id(&batch.message_id).map_err(on_batch(Field::MessageId))?;
        let creditor = &batch.creditor;
        let creditor_name = rules::name(&creditor.name).map_err(on_batch(Field::CreditorName))?;
        let creditor_address = match &creditor.address {
            Some(address) => Some(
                address
                    .written()
                    .map_err(|(field, problem)| SepaError::CreditorAddress { field, problem })?,
            ),
            None => None,
        };
        if batch.debits.is_empty() {
            return Err(SepaError::NoTransaction);
        }
        let mut texts = Vec::with_capacity(batch.debits.len());
        let mut groups: BTreeMap<(NaiveDate, Sequence), Vec<usize>> = BTreeMap::new();
        for (index, debit) in batch.debits.iter().enumerate() {
            texts.push(
                Texts::of(debit).map_err(|(field, problem)| SepaError::Transaction {
                    index,
                    field,
                    problem,
                })?,
            );
            groups
                .entry((debit.collection_date, debit.sequence))
                .or_default()
                .push(index);
        }
        let ids = batch.debits.iter().map(|d| d.end_to_end_id.as_str());
        if let Some((first, index)) = rules::first_duplicate(ids) {
            return Err(SepaError::Transaction {
                index,
                field: Field::EndToEndId,
                problem: Problem::Duplicate { first },
            });
        }
        let sum = rules::control_sum(batch.debits.iter().map(|d| d.amount_minor))
            .map_err(on_batch(Field::ControlSum))?;
        Ok(Self {
            creditor_name,
            creditor_address,
            texts,
            groups,
            control_sum: rules::decimal(sum),
        })
    }
}

impl Texts {
    fn of(debit: &Debit) -> Result<Self, (Field, Problem)> {
        let at = |field| move |problem| (field, problem);
        rules::id(&debit.end_to_end_id).map_err(at(Field::EndToEndId))?;
        rules::amount(debit.amount_minor).map_err(at(Field::Amount))?;
        rules::id(&debit.mandate.id).map_err(at(Field::MandateId))?;
        let amendment = debit.mandate.amendment.as_ref();
        if let Some(original) = amendment.and_then(|a| a.original_mandate_id.as_deref()) {
            rules::id(original).map_err(at(Field::MandateId))?;
        }
        let original_creditor_name = match amendment.and_then(|a| a.original_creditor.as_ref()) {
            Some((name, _)) => Some(rules::name(name).map_err(at(Field::OriginalCreditorName))?),
            None => None,
        };
        Ok(Self {
            debtor_name: rules::name(&debit.debtor_name).map_err(at(Field::DebtorName))?,
            debtor_address: debit
                .debtor_address
                .as_ref()
                .map(Address::written)
                .transpose()?,
            remittance: rules::remittance(&debit.remittance),
            original_creditor_name,
        })
    }
}

fn payment(x: &mut Xml, batch: &Batch, checked: &Checked, group: &Group<'_>) {
    let amounts = group.indexes.iter().filter_map(|&i| batch.debits.get(i));
    let sum: i64 = amounts.map(|d| d.amount_minor).sum();
    let creditor = &batch.creditor;
    x.element("PmtInf", |x| {
        x.text("PmtInfId", &group.id);
        x.text("PmtMtd", "DD");
        x.text("BtchBookg", "true");
        x.text("NbOfTxs", &group.indexes.len().to_string());
        x.text("CtrlSum", &rules::decimal(sum));
        x.element("PmtTpInf", |x| {
            x.element("SvcLvl", |x| x.text("Cd", "SEPA"));
            x.element("LclInstrm", |x| x.text("Cd", "CORE"));
            x.text("SeqTp", group.sequence.code());
        });
        x.text("ReqdColltnDt", &group.date.format("%Y-%m-%d").to_string());
        party(
            x,
            "Cdtr",
            &checked.creditor_name,
            checked.creditor_address.as_ref(),
        );
        x.account("CdtrAcct", &creditor.iban);
        x.agent("CdtrAgt", creditor.bic.as_ref());
        x.text("ChrgBr", "SLEV");
        scheme_id(x, "CdtrSchmeId", None, &creditor.id);
        for &index in group.indexes {
            if let (Some(debit), Some(texts)) = (batch.debits.get(index), checked.texts.get(index))
            {
                transaction(x, debit, texts);
            }
        }
    });
}

fn transaction(x: &mut Xml, debit: &Debit, texts: &Texts) {
    x.element("DrctDbtTxInf", |x| {
        x.element("PmtId", |x| x.text("EndToEndId", &debit.end_to_end_id));
        let amount = rules::decimal(debit.amount_minor);
        x.text_with("InstdAmt", Some(("Ccy", "EUR")), &amount);
        x.element("DrctDbtTx", |x| {
            x.element("MndtRltdInf", |x| {
                x.text("MndtId", &debit.mandate.id);
                let signed = debit.mandate.signed_on.format("%Y-%m-%d");
                x.text("DtOfSgntr", &signed.to_string());
                if let Some(amendment) = &debit.mandate.amendment {
                    x.text("AmdmntInd", "true");
                    amendment_details(x, amendment, texts);
                }
            });
        });
        x.agent("DbtrAgt", debit.debtor_bic.as_ref());
        party(x, "Dbtr", &texts.debtor_name, texts.debtor_address.as_ref());
        x.account("DbtrAcct", &debit.debtor_iban);
        if let Some(remittance) = &texts.remittance {
            x.element("RmtInf", |x| x.text("Ustrd", remittance));
        }
    });
}

fn amendment_details(x: &mut Xml, amendment: &Amendment, texts: &Texts) {
    x.element("AmdmntInfDtls", |x| {
        if let Some(original) = &amendment.original_mandate_id {
            x.text("OrgnlMndtId", original);
        }
        if let Some((_, id)) = &amendment.original_creditor {
            scheme_id(
                x,
                "OrgnlCdtrSchmeId",
                texts.original_creditor_name.as_deref(),
                id,
            );
        }
        match &amendment.original_account {
            Some(AccountChange::SameBank(iban)) => x.account("OrgnlDbtrAcct", iban),
            Some(AccountChange::OtherBank) => x.element("OrgnlDbtrAcct", |x| {
                x.element("Id", |x| x.element("Othr", |x| x.text("Id", NEW_BANK)))
            }),
            None => {}
        }
    });
}

/// `<tag>[<Nm>…</Nm>]<Id><PrvtId><Othr><Id>ICS</Id><SchmeNm><Prtry>SEPA…`.
fn scheme_id(x: &mut Xml, tag: &str, name: Option<&str>, id: &CreditorId) {
    x.element(tag, |x| {
        if let Some(name) = name {
            x.text("Nm", name);
        }
        x.element("Id", |x| {
            x.element("PrvtId", |x| {
                x.element("Othr", |x| {
                    x.text("Id", id.as_str());
                    x.element("SchmeNm", |x| x.text("Prtry", "SEPA"));
                })
            })
        });
    });
}

/// A party by its name and, when known, its structured address.
fn party(x: &mut Xml, tag: &str, name: &str, address: Option<&Written>) {
    x.element(tag, |x| {
        x.text("Nm", name);
        if let Some(address) = address {
            x.element("PstlAdr", |x| {
                let parts = [
                    ("StrtNm", address.street.as_deref()),
                    ("BldgNb", address.building.as_deref()),
                    ("PstCd", address.post_code.as_deref()),
                    ("TwnNm", Some(address.town.as_str())),
                    ("Ctry", Some(address.country.as_str())),
                ];
                for (tag, value) in parts {
                    if let Some(value) = value {
                        x.text(tag, value);
                    }
                }
            });
        }
    });
}

#[cfg(test)]
#[path = "direct_debit_tests.rs"]
mod tests;
