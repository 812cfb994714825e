use chrono::TimeZone;

use super::*;
use crate::sepa::{IbanError, Problem};

fn batch(transfers: Vec<Transfer>) -> Result<Batch, IbanError> {
    Ok(Batch {
        message_id: "AFF-2026-05".to_owned(),
        created_at: Utc
            .with_ymd_and_hms(2026, 5, 2, 9, 30, 0)
            .single()
            .unwrap_or_default(),
        execution_date: NaiveDate::from_ymd_opt(2026, 5, 5).unwrap_or_default(),
        debtor: Debtor {
            name: "Les Amis du Vélo".to_owned(),
            iban: Iban::parse("FR76 3000 6000 0112 3456 7890 189")?,
            bic: Bic::parse("AGRIFRPP").ok(),
        },
        transfers,
    })
}

fn transfer(id: &str, amount_minor: i64) -> Result<Transfer, IbanError> {
    Ok(Transfer {
        end_to_end_id: id.to_owned(),
        amount_minor,
        creditor_name: "Zoé Müller".to_owned(),
        creditor_iban: Iban::parse("DE89370400440532013000")?,
        creditor_bic: None,
        remittance: "Reversement d’affiliation — mai".to_owned(),
    })
}

const ONE_TRANSFER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>AFF-2026-05</MsgId>
      <CreDtTm>2026-05-02T09:30:00Z</CreDtTm>
      <NbOfTxs>1</NbOfTxs>
      <CtrlSum>12.05</CtrlSum>
      <InitgPty>
        <Nm>Les Amis du Velo</Nm>
      </InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>AFF-2026-05</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>1</NbOfTxs>
      <CtrlSum>12.05</CtrlSum>
      <PmtTpInf>
        <SvcLvl>
          <Cd>SEPA</Cd>
        </SvcLvl>
      </PmtTpInf>
      <ReqdExctnDt>
        <Dt>2026-05-05</Dt>
      </ReqdExctnDt>
      <Dbtr>
        <Nm>Les Amis du Velo</Nm>
      </Dbtr>
      <DbtrAcct>
        <Id>
          <IBAN>FR7630006000011234567890189</IBAN>
        </Id>
      </DbtrAcct>
      <DbtrAgt>
        <FinInstnId>
          <BICFI>AGRIFRPP</BICFI>
        </FinInstnId>
      </DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
      <CdtTrfTxInf>
        <PmtId>
          <EndToEndId>AFF-1</EndToEndId>
        </PmtId>
        <Amt>
          <InstdAmt Ccy="EUR">12.05</InstdAmt>
        </Amt>
        <Cdtr>
          <Nm>Zoe Muller</Nm>
        </Cdtr>
        <CdtrAcct>
          <Id>
            <IBAN>DE89370400440532013000</IBAN>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Reversement d'affiliation - mai</Ustrd>
        </RmtInf>
      </CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
"#;

#[test]
fn one_transfer_gives_the_expected_document() -> Result<(), Box<dyn std::error::Error>> {
    let xml = document(&batch(vec![transfer("AFF-1", 1205)?])?)?;
    assert_eq!(xml, ONE_TRANSFER);
    Ok(())
}

#[test]
fn control_sum_adds_cents_exactly() -> Result<(), Box<dyn std::error::Error>> {
    // 0.1 + 0.2 in floats is 0.30000000000000004.
    let transfers = vec![
        transfer("A", 10)?,
        transfer("B", 20)?,
        transfer("C", 99_999_999_999)?,
    ];
    let xml = document(&batch(transfers)?)?;
    assert_eq!(xml.matches("<CtrlSum>1000000000.29</CtrlSum>").count(), 2);
    assert_eq!(xml.matches("<NbOfTxs>3</NbOfTxs>").count(), 2);
    assert!(xml.contains("<InstdAmt Ccy=\"EUR\">0.10</InstdAmt>"));
    assert!(xml.contains("<InstdAmt Ccy=\"EUR\">999999999.99</InstdAmt>"));
    Ok(())
}

#[test]
fn banks_are_named_when_known() -> Result<(), Box<dyn std::error::Error>> {
    let mut known = transfer("A", 100)?;
    known.creditor_bic = Some(Bic::parse("COBADEFFXXX")?);
    let mut batch = batch(vec![known, transfer("B", 100)?])?;
    batch.debtor.bic = None;
    let xml = document(&batch)?;
    assert!(xml.contains(
        "<DbtrAgt>\n        <FinInstnId>\n          <Othr>\n            <Id>NOTPROVIDED</Id>"
    ));
    assert_eq!(xml.matches("<CdtrAgt>").count(), 1);
    assert!(xml.contains("<BICFI>COBADEFFXXX</BICFI>"));
    Ok(())
}

#[test]
fn empty_remittance_is_left_out_and_long_one_cut() -> Result<(), Box<dyn std::error::Error>> {
    let mut short = transfer("A", 100)?;
    short.remittance = " 🎉 ".to_owned();
    let mut long = transfer("B", 100)?;
    long.remittance = "é".repeat(200);
    let xml = document(&batch(vec![short, long])?)?;
    assert_eq!(xml.matches("<RmtInf>").count(), 1);
    assert!(xml.contains(&format!("<Ustrd>{}</Ustrd>", "e".repeat(140))));
    Ok(())
}

#[test]
fn a_batch_needs_a_transfer_and_valid_ids() -> Result<(), IbanError> {
    assert_eq!(document(&batch(vec![])?), Err(SepaError::NoTransaction));
    let mut bad_id = batch(vec![transfer("A", 1)?])?;
    bad_id.message_id = "MSG//1".to_owned();
    assert_eq!(
        document(&bad_id),
        Err(SepaError::Batch {
            field: Field::MessageId,
            problem: Problem::Slashes
        })
    );
    let mut nameless = batch(vec![transfer("A", 1)?])?;
    nameless.debtor.name = "   ".to_owned();
    assert_eq!(
        document(&nameless),
        Err(SepaError::Batch {
            field: Field::DebtorName,
            problem: Problem::Empty
        })
    );
    Ok(())
}

/// The error a batch of these transfers is refused with.
fn refused(transfers: Vec<Transfer>) -> Option<SepaError> {
    batch(transfers)
        .ok()
        .and_then(|batch| document(&batch).err())
}

#[test]
fn transfer_errors_name_the_field_and_position() -> Result<(), IbanError> {
    assert!(matches!(
        refused(vec![transfer("A", 1)?, transfer("B", 0)?]),
        Some(SepaError::Transaction {
            index: 1,
            field: Field::Amount,
            problem: Problem::NotPositive
        })
    ));
    assert!(matches!(
        refused(vec![
            transfer("A", 1)?,
            transfer("B", 1)?,
            transfer("A", 1)?
        ]),
        Some(SepaError::Transaction {
            index: 2,
            field: Field::EndToEndId,
            problem: Problem::Duplicate { first: 0 }
        })
    ));
    assert!(matches!(
        refused(vec![transfer(&"X".repeat(36), 1)?]),
        Some(SepaError::Transaction {
            index: 0,
            field: Field::EndToEndId,
            problem: Problem::TooLong { len: 36, max: 35 }
        })
    ));
    let mut long_name = transfer("A", 1)?;
    long_name.creditor_name = "Œ".repeat(71);
    assert!(matches!(
        refused(vec![long_name]),
        Some(SepaError::Transaction {
            index: 0,
            field: Field::CreditorName,
            problem: Problem::TooLong { len: 71, max: 70 }
        })
    ));
    Ok(())
}

#[test]
fn errors_read_as_sentences() {
    let error = SepaError::Transaction {
        index: 3,
        field: Field::EndToEndId,
        problem: Problem::Duplicate { first: 1 },
    };
    assert_eq!(
        error.to_string(),
        "transaction 3: end-to-end id is already used by transaction 1"
    );
    assert_eq!(
        SepaError::from(IbanError::Checksum).to_string(),
        "IBAN: the IBAN's check digits are wrong (a mistyped character?)"
    );
}
