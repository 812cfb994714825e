use super::*;

fn payment(payer: &str) -> LiveEvent {
    LiveEvent::Payment(PaymentEvent {
        id: 7,
        amount: "25.00".into(),
        currency: "EUR".into(),
        method: "cash".into(),
        change: PaymentChange::Paid,
        payer: payer.into(),
    })
}

#[test]
fn a_payload_round_trips_with_its_tenant() -> Result<(), serde_json::Error> {
    let envelope = Envelope::new(TenantId::new(42), &payment("Anne"));
    let text = envelope.encode()?;
    assert!(text.contains(r#""tenant":42"#), "{text}");
    assert!(text.contains(r#""kind":"payment""#), "{text}");
    assert_eq!(Envelope::decode(&text), Some(envelope));
    Ok(())
}

#[test]
fn names_are_cut_so_a_payload_stays_small() -> Result<(), serde_json::Error> {
    let long = "é".repeat(10_000);
    let text = Envelope::new(TenantId::new(1), &payment(&long)).encode()?;
    assert!(text.len() < 1000, "{} bytes", text.len());
    let signup = Envelope::new(TenantId::new(1), &LiveEvent::signup(3, &long)).encode()?;
    assert!(signup.len() < 1000, "{} bytes", signup.len());
    Ok(())
}

#[test]
fn foreign_payloads_are_ignored() {
    assert_eq!(Envelope::decode("42"), None);
    assert_eq!(Envelope::decode(r#"{"tenant":1}"#), None);
    assert_eq!(
        Envelope::decode(r#"{"tenant":"x","event":{"kind":"signup","account_id":1,"name":"A"}}"#),
        None
    );
}
