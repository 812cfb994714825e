//! Telling the operators that a domain's certificate keeps failing: one
//! mail to the first ACME contact when failures reach
//! `tls.acme.alert_after_failures` (again only after a success), queued in
//! the transaction that records the failure.

use sqlx::PgConnection;

use crate::config::AcmeConfig;
use crate::mail::QueuedMail;
use crate::model::Email;

pub async fn queue(
    conn: &mut PgConnection,
    config: &AcmeConfig,
    hostname: &str,
    failures: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    tracing::error!(
        domain = hostname,
        failures,
        error,
        "certificate keeps failing"
    );
    let Some(to) = operators_address(config) else {
        return Ok(());
    };
    let mail = QueuedMail {
        to,
        to_name: None,
        template: "certificate-failing".into(),
        locale: "en".into(),
        data: serde_json::json!({
            "hostname": hostname,
            "failures": failures,
            "error": error,
        }),
    };
    let dedupe = format!("certificate-failing:{hostname}:{failures}");
    crate::mail::platform::queue(conn, &mail, &dedupe).await?;
    Ok(())
}

/// The first `mailto:` contact, as an address.
fn operators_address(config: &AcmeConfig) -> Option<Email> {
    config.contact.iter().find_map(|contact| {
        let address = contact.strip_prefix("mailto:")?;
        Email::parse(address).ok()
    })
}
