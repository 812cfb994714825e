use chrono::TimeZone;

use super::*;
use crate::sepa::{CreditorIdError, IbanError};

#[derive(Debug)]
enum Setup {
    Iban,
    Ics,
}

impl From<IbanError> for Setup {
    fn from(_: IbanError) -> Self {
        Setup::Iban
    }
}

impl From<CreditorIdError> for Setup {
    fn from(_: CreditorIdError) -> Self {
        Setup::Ics
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default()
}

fn debit(id: &str, sequence: Sequence, date: NaiveDate) -> Result<Debit, Setup> {
    Ok(Debit {
        end_to_end_id: id.to_owned(),
        amount_minor: 2500,
        sequence,
        collection_date: date,
        mandate: Mandate {
            id: format!("RUM-{id}"),
            signed_on: day(1),
            amendment: None,
        },
        debtor_name: "Zoé Lefèvre".to_owned(),
        debtor_iban: Iban::parse("DE89370400440532013000")?,
        debtor_bic: None,
        debtor_address: None,
        remittance: "Cotisation 2026–2027".to_owned(),
    })
}

fn batch(debits: Vec<Debit>) -> Result<Batch, Setup> {
    Ok(Batch {
        message_id: "SDD-2026-12".to_owned(),
        created_at: Utc
            .with_ymd_and_hms(2026, 12, 2, 8, 0, 0)
            .single()
            .unwrap_or_default(),
        creditor: Creditor {
            name: "Club Nautique de Sète".to_owned(),
            iban: Iban::parse("FR7630006000011234567890189")?,
            bic: Bic::parse("AGRIFRPP").ok(),
            id: CreditorId::parse("FR72ZZZ123456")?,
            address: None,
        },
        debits,
    })
}

#[test]
fn one_payment_per_date_and_sequence() -> Result<(), Setup> {
    let xml = document(&batch(vec![
        debit("A", Sequence::Recurring, day(10))?,
        debit("B", Sequence::OneOff, day(10))?,
        debit("C", Sequence::Recurring, day(10))?,
        debit("D", Sequence::Recurring, day(17))?,
    ])?);
    let xml = xml.map_err(|_| Setup::Iban)?;
    assert_eq!(xml.matches("<PmtInf>").count(), 3);
    assert_eq!(xml.matches("<SeqTp>RCUR</SeqTp>").count(), 2);
    assert!(xml.contains("<PmtInfId>SDD-2026-12-1</PmtInfId>"));
    // A and C share a payment: its count and sum are theirs.
    let first = xml.split("</PmtInf>").next().unwrap_or_default();
    assert!(first.contains("<NbOfTxs>2</NbOfTxs>") && first.contains("<CtrlSum>50.00</CtrlSum>"));
    assert!(xml.contains("<CtrlSum>100.00</CtrlSum>"));
    assert!(xml.contains("<Nm>Club Nautique de Sete</Nm>"));
    assert!(xml.contains("<Nm>Zoe Lefevre</Nm>"));
    assert!(xml.contains("<Id>FR72ZZZ123456</Id>"));
    Ok(())
}

#[test]
fn amendments_name_what_changed() -> Result<(), Setup> {
    let mut changed = debit("A", Sequence::Recurring, day(10))?;
    changed.mandate.amendment = Some(Amendment {
        original_mandate_id: Some("OLD-RUM".to_owned()),
        original_creditor: None,
        original_account: AccountChange::between(
            &Iban::parse("FR7630006000011234567890189")?,
            &changed.debtor_iban,
        ),
    });
    let xml = document(&batch(vec![changed])?).map_err(|_| Setup::Iban)?;
    assert!(xml.contains("<AmdmntInd>true</AmdmntInd>"));
    assert!(xml.contains("<OrgnlMndtId>OLD-RUM</OrgnlMndtId>"));
    assert!(xml.contains("<Id>SMNDA</Id>"));
    Ok(())
}

#[test]
fn an_account_at_the_same_bank_keeps_the_former_iban() -> Result<(), Setup> {
    let old = Iban::parse("FR7630006000011234567890189")?;
    let new = Iban::parse("FR2530006000019876543210121")?;
    assert_eq!(
        AccountChange::between(&old, &new),
        Some(AccountChange::SameBank(old.clone()))
    );
    assert_eq!(AccountChange::between(&old, &old), None);
    Ok(())
}

#[test]
fn a_bad_debit_is_named() -> Result<(), Setup> {
    let mut bad = debit("B", Sequence::Recurring, day(10))?;
    bad.mandate.id = "RUM//1".to_owned();
    let error = document(&batch(vec![
        debit("A", Sequence::Recurring, day(10))?,
        bad,
    ])?);
    assert_eq!(
        error,
        Err(SepaError::Transaction {
            index: 1,
            field: Field::MandateId,
            problem: Problem::Slashes
        })
    );
    let twice = document(&batch(vec![
        debit("A", Sequence::Recurring, day(10))?,
        debit("A", Sequence::OneOff, day(11))?,
    ])?);
    assert_eq!(
        twice,
        Err(SepaError::Transaction {
            index: 1,
            field: Field::EndToEndId,
            problem: Problem::Duplicate { first: 0 }
        })
    );
    assert_eq!(document(&batch(Vec::new())?), Err(SepaError::NoTransaction));
    Ok(())
}

#[test]
fn payment_ids_stay_within_35_characters() {
    let long = "X".repeat(35);
    let id = payment_id(&long, 12);
    assert_eq!(id.len(), 35);
    assert!(id.ends_with("-12"));
}
