//! SEPA credit transfer files (`tessera::sepa`), checked by libxml2's
//! `xmllint` against the ISO 20022 `pain.001.001.09` schema vendored in
//! tests/fixtures/sepa (see its README), then refused for what the schema
//! cannot see. No server, no database.

use std::path::Path;
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use tessera::sepa::credit_transfer::{Batch, Debtor, Transfer, document};
use tessera::sepa::{Bic, Field, Iban, IbanError, Problem, SepaError};

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sepa/pain.001.001.09.xsd"
);

/// Real, valid IBANs of several countries (check digits and BBAN format).
const IBANS: &[&str] = &[
    "FR76 3000 6000 0112 3456 7890 189",
    "DE89 3704 0044 0532 0130 00",
    "BE68 5390 0754 7034",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
    "NL91 ABNA 0417 1643 00",
];

/// xmllint's verdict on `xml`: `Ok` when it validates, else its messages.
fn schema_check(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("batch.xml");
    std::fs::write(&path, xml).expect("write");
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&path)
        .output()
        .expect("xmllint runs (apt-get install libxml2-utils)");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn assert_valid(xml: &str) {
    if let Err(errors) = schema_check(xml) {
        panic!("not a valid pain.001.001.09 document:\n{errors}\n{xml}");
    }
}

fn iban(at: usize) -> Iban {
    Iban::parse(IBANS[at % IBANS.len()]).expect("a valid IBAN")
}

fn debtor(bic: Option<&str>) -> Debtor {
    Debtor {
        name: "Fédération des Œuvres Laïques de l'Hérault".to_owned(),
        iban: iban(0),
        bic: bic.map(|bic| Bic::parse(bic).expect("a valid BIC")),
    }
}

fn transfer(at: usize, amount_minor: i64) -> Transfer {
    Transfer {
        end_to_end_id: format!("AFF-2026-05-{at:04}"),
        amount_minor,
        creditor_name: format!("Club n°{at} « Les Éperviers »"),
        creditor_iban: iban(at + 1),
        creditor_bic: None,
        remittance: format!("Reversement d’affiliation n°{at} — mai 2026"),
    }
}

fn batch(debtor: Debtor, transfers: Vec<Transfer>) -> Batch {
    Batch {
        message_id: "TESSERA/AFF/2026-05".to_owned(),
        created_at: Utc.with_ymd_and_hms(2026, 5, 2, 14, 5, 9).unwrap(),
        execution_date: NaiveDate::from_ymd_opt(2026, 5, 6).unwrap(),
        debtor,
        transfers,
    }
}

#[test]
fn sepa_one_transfer_is_schema_valid() {
    let xml = document(&batch(debtor(Some("AGRIFRPP")), vec![transfer(1, 2_500)])).unwrap();
    assert_valid(&xml);
    assert!(xml.contains("<CtrlSum>25.00</CtrlSum>"), "{xml}");
    assert!(
        xml.contains("<Nm>Federation des Ouvres Laiques de l'Herault</Nm>"),
        "{xml}"
    );
}

#[test]
fn sepa_many_transfers_with_accents_and_long_names_are_schema_valid() {
    let mut transfers: Vec<Transfer> = (0..120)
        .map(|at| transfer(at, 1 + at as i64 * 1_001))
        .collect();
    // Names of exactly 70 characters once converted, and remittances far
    // past 140 (cut), in every alphabet the conversion knows.
    transfers[0].creditor_name = format!("Association {}", "é".repeat(58));
    transfers[1].creditor_name =
        "Ærøskøbing Straße Łódź Dvořák Ștefan Þór Ελλάδα България".to_owned();
    transfers[2].remittance = "Œ&<>\"'€ ".repeat(40);
    transfers[3].creditor_name = "🎉 Joëlle d’Arc-en-Ciel 🎉".to_owned();
    transfers[4].amount_minor = tessera::sepa::MAX_AMOUNT_MINOR;
    let xml = document(&batch(debtor(Some("AGRIFRPPXXX")), transfers)).unwrap();
    assert_valid(&xml);
    assert!(
        xml.contains(&format!("<Nm>Association {}</Nm>", "e".repeat(58))),
        "{xml}"
    );
    assert!(xml.contains("<Nm>Joelle d'Arc-en-Ciel</Nm>"), "{xml}");
    assert!(xml.contains("<NbOfTxs>120</NbOfTxs>"));
    // 120 + 1001 × (0 + 1 + … + 119), minus transfer 4's, plus the maximum.
    let sum = 120 + 1_001 * (119 * 120 / 2) - (1 + 4 * 1_001) + tessera::sepa::MAX_AMOUNT_MINOR;
    let sum = format!("<CtrlSum>{}.{:02}</CtrlSum>", sum / 100, sum % 100);
    assert_eq!(xml.matches(&sum).count(), 2, "{sum} in {xml}");
}

#[test]
fn sepa_files_with_and_without_bics_are_schema_valid() {
    for debtor_bic in [None, Some("BNPAFRPP")] {
        let mut transfers: Vec<Transfer> = (0..4).map(|at| transfer(at, 10_000)).collect();
        transfers[1].creditor_bic = Some(Bic::parse("COBADEFFXXX").unwrap());
        transfers[3].creditor_bic = Some(Bic::parse("gebabebb").unwrap());
        transfers[2].remittance = String::new();
        let xml = document(&batch(debtor(debtor_bic), transfers)).unwrap();
        assert_valid(&xml);
        assert_eq!(xml.contains("NOTPROVIDED"), debtor_bic.is_none(), "{xml}");
        assert_eq!(xml.matches("<CdtrAgt>").count(), 2, "{xml}");
        assert_eq!(xml.matches("<RmtInf>").count(), 3, "{xml}");
    }
}

/// The check above is worth something only if a wrong document fails it.
#[test]
fn sepa_schema_check_refuses_a_broken_document() {
    let xml = document(&batch(debtor(None), vec![transfer(1, 100)])).unwrap();
    assert_valid(&xml);
    for (good, bad) in [
        ("<EndToEndId>", "<EndToEndID>"),
        ("</EndToEndId>", "</EndToEndID>"),
        ("<ChrgBr>SLEV</ChrgBr>", "<ChrgBr>FREE</ChrgBr>"),
        ("Ccy=\"EUR\">1.00<", "Ccy=\"EUR\">1.000001<"),
        ("<MsgId>TESSERA/AFF/2026-05</MsgId>", ""),
        ("<Dt>2026-05-06</Dt>", "<Dt>2026-05-06T10:00:00</Dt>"),
    ] {
        let broken = xml.replacen(good, bad, 1);
        assert_ne!(broken, xml);
        assert!(
            schema_check(&broken).is_err(),
            "accepted with {bad:?} for {good:?}"
        );
    }
    assert!(Path::new(XSD).exists());
}

#[test]
fn sepa_refuses_what_the_schema_does_not_see() {
    assert_eq!(
        Iban::parse("FR76 3000 6000 0112 3456 7890 188"),
        Err(IbanError::Checksum)
    );
    assert_eq!(Iban::parse("FR76 3000 6000"), Err(IbanError::Checksum));
    assert_eq!(Iban::parse("not an IBAN"), Err(IbanError::Format));
    assert_eq!(
        document(&batch(debtor(None), vec![])),
        Err(SepaError::NoTransaction)
    );
    assert_eq!(
        document(&batch(debtor(None), vec![transfer(0, 100), transfer(1, 0)])),
        Err(SepaError::Transaction {
            index: 1,
            field: Field::Amount,
            problem: Problem::NotPositive
        })
    );
    assert_eq!(
        document(&batch(
            debtor(None),
            vec![transfer(0, 100), transfer(1, 100), transfer(0, 5)]
        )),
        Err(SepaError::Transaction {
            index: 2,
            field: Field::EndToEndId,
            problem: Problem::Duplicate { first: 0 }
        })
    );
    let mut long_id = transfer(0, 100);
    long_id.end_to_end_id = "E".repeat(36);
    assert_eq!(
        document(&batch(debtor(None), vec![long_id])),
        Err(SepaError::Transaction {
            index: 0,
            field: Field::EndToEndId,
            problem: Problem::TooLong { len: 36, max: 35 }
        })
    );
    let mut long_message = batch(debtor(None), vec![transfer(0, 100)]);
    long_message.message_id = "M".repeat(36);
    assert_eq!(
        document(&long_message),
        Err(SepaError::Batch {
            field: Field::MessageId,
            problem: Problem::TooLong { len: 36, max: 35 }
        })
    );
    let mut long_name = transfer(0, 100);
    long_name.creditor_name = "Ŵ".repeat(71);
    assert_eq!(
        document(&batch(debtor(None), vec![long_name])),
        Err(SepaError::Transaction {
            index: 0,
            field: Field::CreditorName,
            problem: Problem::TooLong { len: 71, max: 70 }
        })
    );
}
