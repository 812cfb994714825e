//! SEPA direct debit files (`tessera::sepa::direct_debit`), checked by
//! libxml2's `xmllint` against the ISO 20022 `pain.008.001.08` schema
//! vendored in tests/fixtures/sepa (see its README): every sequence type,
//! amendments of each kind, structured addresses, and ids, names and
//! amounts at their limits with accents transliterated. No server.

use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use tessera::sepa::direct_debit::{
    AccountChange, Amendment, Batch, Creditor, Debit, Mandate, Sequence, document,
};
use tessera::sepa::{Address, Bic, CreditorId, CreditorIdError, Field, Iban, Problem, SepaError};

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sepa/pain.008.001.08.xsd"
);

pub fn assert_valid(xml: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("batch.xml");
    std::fs::write(&path, xml).expect("write");
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&path)
        .output()
        .expect("xmllint runs (apt-get install libxml2-utils)");
    assert!(
        out.status.success(),
        "not a valid pain.008.001.08 document:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn ics() -> CreditorId {
    CreditorId::parse("FR72ZZZ123456").expect("a valid ICS")
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, day).expect("a date")
}

fn address(town: &str) -> Address {
    Address {
        street: "Boulevard de l'Œuvre Laïque".to_owned(),
        building: "12 bis".to_owned(),
        post_code: "34000".to_owned(),
        town: town.to_owned(),
        country: "FR".to_owned(),
    }
}

fn creditor() -> Creditor {
    Creditor {
        name: "Fédération des Œuvres Laïques de l'Hérault".to_owned(),
        iban: Iban::parse("FR76 3000 6000 0112 3456 7890 189").expect("IBAN"),
        bic: Some(Bic::parse("AGRIFRPP").expect("BIC")),
        id: ics(),
        address: Some(address("Montpellier")),
    }
}

fn debit(n: usize, sequence: Sequence, day: u32) -> Debit {
    Debit {
        end_to_end_id: format!("SDD-{n:04}"),
        amount_minor: 1500 + i64::try_from(n).expect("small"),
        sequence,
        collection_date: date(day),
        mandate: Mandate {
            id: format!("RUM-2026-{n:05}"),
            signed_on: date(1),
            amendment: None,
        },
        debtor_name: "Jérôme Çelik-Øster".to_owned(),
        debtor_iban: Iban::parse("DE89370400440532013000").expect("IBAN"),
        debtor_bic: None,
        debtor_address: None,
        remittance: "Cotisation saison 2026–2027 — merci !".to_owned(),
    }
}

fn batch(debits: Vec<Debit>) -> Batch {
    Batch {
        message_id: "SDD-2026-12-10".to_owned(),
        created_at: Utc
            .with_ymd_and_hms(2026, 12, 5, 9, 0, 0)
            .single()
            .expect("time"),
        creditor: creditor(),
        debits,
    }
}

#[test]
fn every_sequence_and_amendment_validates() {
    let mut debits = vec![
        debit(1, Sequence::First, 10),
        debit(2, Sequence::Recurring, 10),
        debit(3, Sequence::OneOff, 10),
        debit(4, Sequence::Final, 17),
        debit(5, Sequence::Recurring, 17),
    ];
    debits[1].mandate.amendment = Some(Amendment {
        original_mandate_id: Some("RUM-OLD-2".to_owned()),
        original_creditor: Some(("Ancien Nom de l'Association".to_owned(), ics())),
        original_account: Some(AccountChange::SameBank(
            Iban::parse("DE89370400440532013000").expect("IBAN"),
        )),
    });
    debits[4].mandate.amendment = Some(Amendment {
        original_account: Some(AccountChange::OtherBank),
        ..Amendment::default()
    });
    debits[3].debtor_address = Some(address("Saint-Étienne-du-Grès"));
    debits[3].debtor_bic = Some(Bic::parse("COBADEFFXXX").expect("BIC"));
    let xml = document(&batch(debits)).expect("a document");
    assert_valid(&xml);
    assert_eq!(
        xml.matches("<PmtInf>").count(),
        5,
        "one per date and sequence"
    );
    for code in ["FRST", "RCUR", "OOFF", "FNAL"] {
        assert!(xml.contains(&format!("<SeqTp>{code}</SeqTp>")), "{code}");
    }
    assert!(
        xml.contains("<Nm>Federation des Ouvres Laiques de l'Herault</Nm>"),
        "{xml}"
    );
    assert!(xml.contains("<TwnNm>Saint-Etienne-du-Gres</TwnNm>"));
    assert!(xml.contains("<OrgnlMndtId>RUM-OLD-2</OrgnlMndtId>"));
    assert!(xml.contains("<Id>SMNDA</Id>"));
    assert!(xml.contains("<CtrlSum>75.15</CtrlSum>"));
}

#[test]
fn limits_are_accepted_and_one_past_them_refused() {
    let mut at_limit = debit(1, Sequence::Recurring, 10);
    at_limit.end_to_end_id = "E".repeat(35);
    at_limit.mandate.id = "R".repeat(35);
    at_limit.amount_minor = 99_999_999_999;
    at_limit.debtor_name = format!("É{}", "e".repeat(69));
    at_limit.remittance = "é".repeat(200);
    let mut long_message = batch(vec![at_limit.clone()]);
    long_message.message_id = "M".repeat(35);
    let xml = document(&long_message).expect("a document at the limits");
    assert_valid(&xml);
    assert!(xml.contains("<InstdAmt Ccy=\"EUR\">999999999.99</InstdAmt>"));
    assert!(xml.contains(&format!("<Ustrd>{}</Ustrd>", "e".repeat(140))));

    let mut cases: Vec<(Debit, Field, Problem)> = Vec::new();
    let mut id = at_limit.clone();
    id.end_to_end_id.push('E');
    cases.push((id, Field::EndToEndId, Problem::TooLong { len: 36, max: 35 }));
    let mut rum = at_limit.clone();
    rum.mandate.id = "RUM-é".to_owned();
    cases.push((rum, Field::MandateId, Problem::Charset));
    let mut amount = at_limit.clone();
    amount.amount_minor += 1;
    cases.push((amount, Field::Amount, Problem::TooLarge));
    let mut zero = at_limit.clone();
    zero.amount_minor = 0;
    cases.push((zero, Field::Amount, Problem::NotPositive));
    let mut name = at_limit;
    name.debtor_name.push('x');
    cases.push((
        name,
        Field::DebtorName,
        Problem::TooLong { len: 71, max: 70 },
    ));
    for (bad, field, problem) in cases {
        let error = document(&batch(vec![debit(9, Sequence::Recurring, 10), bad]));
        assert_eq!(
            error,
            Err(SepaError::Transaction {
                index: 1,
                field,
                problem
            })
        );
    }
}

#[test]
fn a_large_batch_validates() {
    let debits = (0..2_000)
        .map(|n| {
            debit(
                n,
                if n % 3 == 0 {
                    Sequence::First
                } else {
                    Sequence::Recurring
                },
                10 + u32::try_from(n % 4).expect("small"),
            )
        })
        .collect();
    let xml = document(&batch(debits)).expect("a document");
    assert_valid(&xml);
    assert_eq!(xml.matches("<DrctDbtTxInf>").count(), 2_000);
}

#[test]
fn invalid_accounts_and_creditor_ids_are_refused() {
    assert!(Iban::parse("FR76 3000 6000 0112 3456 7890 188").is_err());
    assert!(Iban::parse("XX00 1234").is_err());
    assert_eq!(
        CreditorId::parse("FR73ZZZ123456"),
        Err(CreditorIdError::Checksum)
    );
    assert_eq!(
        CreditorId::parse("FR72ZZZ1234567"),
        Err(CreditorIdError::FrenchLength)
    );
    assert_eq!(
        CreditorId::parse("FR7ZZZ123456"),
        Err(CreditorIdError::Format)
    );
    let mut bad_town = creditor();
    bad_town.address = Some(Address {
        town: String::new(),
        ..address("")
    });
    let mut with = batch(vec![debit(1, Sequence::Recurring, 10)]);
    with.creditor = bad_town;
    assert_eq!(
        document(&with),
        Err(SepaError::CreditorAddress {
            field: Field::Town,
            problem: Problem::Empty
        })
    );
}
