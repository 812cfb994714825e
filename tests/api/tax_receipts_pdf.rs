//! A tax receipt's PDF, mail and pages: every mention of form 2041-RD is
//! in the text (pdftotext), the amount framed and in words; the file is
//! stored once and served unchanged; a cancelled receipt reads « ANNULÉ »
//! while its stored original stays; the donor is mailed; the treasurer's
//! page refuses a wrong SIREN with the field marked; a member reads only
//! their own receipts.

use sha2::{Digest, Sha256};
use tessera::auth::Role;
use tessera::contributions::memberships;

use crate::account_flow::mailing_config;
use crate::contributions_fixture::{desk, person};
use crate::contributions_receipts_fixture::pdf_text;
use crate::direct_debit::mail_for;
use crate::helpers::browser::Browser;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{migrated_database, spawn_app_with};
use crate::tax_receipts::{declare, join, paid, receipt_plan};

/// The raw bytes of a PDF the browser may open (its `Page` holds text).
async fn pdf_bytes(browser: &Browser<'_>, link: &str) -> Vec<u8> {
    let session = browser.session().expect("session");
    browser
        .app
        .http
        .get(browser.url(link))
        .header("host", &browser.host)
        .header("cookie", format!("__Host-session={session}"))
        .send()
        .await
        .expect("pdf")
        .bytes()
        .await
        .expect("bytes")
        .to_vec()
}

#[tokio::test]
async fn the_pdf_carries_every_mention_and_is_stored_once() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let desk = desk(&app, "tax-pdf").await;
    declare(&app, &desk, "tax-pdf").await;
    let member = person(
        &app,
        &desk.tenant,
        "zoe@tax-pdf.test",
        "Zoé Lefèvre",
        Role::Member,
        true,
    )
    .await;
    let plan = receipt_plan(&app, &desk, 2700, 100).await;
    let today = memberships::today();
    let membership = join(&app, &desk.tenant, plan, member, today).await;
    let payment = paid(&app, &desk.tenant, member, membership, 2700, today).await;

    let mut treasurer =
        Browser::signed_in_as(&app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let issued = crate::contributions_fixture::send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/tax-receipts",
        &serde_json::json!({ "payment_id": payment }),
        &desk.token,
    )
    .await;
    assert_eq!(issued.status, 201, "{:?}", issued.json);
    let receipt = issued.json["receipt"].clone();
    let reference = receipt["reference"].as_str().expect("reference").to_owned();
    let told = mail_for(&sink, &reference).await;
    assert!(told.to.contains("zoe@tax-pdf.test"), "{}", told.to);

    let link = format!("/treasury/tax-receipts/{}/pdf", receipt["id"]);
    let first = treasurer.get(&link).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.content_type, "application/pdf");
    let bytes = pdf_bytes(&treasurer, &link).await;
    // Typst sets apostrophes typographically.
    let text = pdf_text(&bytes).replace('’', "'");
    for mention in [
        "N° 11580*05",
        "2041-RD",
        "Numéro d'ordre du reçu",
        reference.as_str(),
        "Organisme bénéficiaire",
        "N° SIREN ou RNA : 732829320",
        "Promouvoir la voile auprès des jeunes",
        "Donateur",
        "Zoé Lefèvre",
        "***27,00 €***",
        "vingt-sept euros",
        "Date du versement ou du don",
        "200 du CGI",
        "978 du CGI",
        "Déclaration de don manuel",
        "Numéraire",
        "Remise d'espèces",
        "Virement, prélèvement, carte bancaire",
        "Tess Trésorière",
        "1740 A",
    ] {
        assert!(
            text.contains(mention),
            "« {mention} » missing from:\n{text}"
        );
    }
    assert!(!text.contains("ANNULÉ"));
    let key: String = {
        let mut tx = app.tenant_tx(&desk.tenant).await;
        let row: (String, Vec<u8>) =
            sqlx::query_as("SELECT storage_key, sha256 FROM tax_receipts WHERE id = $1")
                .bind(receipt["id"].as_i64().expect("id"))
                .fetch_one(tx.conn().await.expect("conn"))
                .await
                .expect("stored");
        assert_eq!(
            row.1,
            Sha256::digest(&bytes).to_vec(),
            "the file served is the file stored"
        );
        row.0
    };

    let mut zoe = Browser::signed_in_as(&app, &desk.tenant, member, Role::Member).await;
    let mine = zoe.get("/membership/tax-receipts").await;
    assert!(mine.body.contains(&reference), "{}", mine.body);
    let other = person(
        &app,
        &desk.tenant,
        "li@tax-pdf.test",
        "Li Wei",
        Role::Member,
        true,
    )
    .await;
    let mut li = Browser::signed_in_as(&app, &desk.tenant, other, Role::Member).await;
    assert_eq!(
        li.get(&format!("/membership/tax-receipts/{}/pdf", receipt["id"]))
            .await
            .status,
        404
    );
    assert_eq!(li.get(&link).await.status, 403);

    let cancel = format!("/treasury/tax-receipts/{}/cancel", receipt["id"]);
    let done = treasurer.post(&cancel, &[("reason", "wrong name")]).await;
    assert_eq!(done.status, 303);
    let void = pdf_bytes(&treasurer, &link).await;
    assert!(pdf_text(&void).contains("ANNULÉ"));
    let stored = app
        .state
        .storage
        .get(desk.tenant.id, &key)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(stored, bytes, "the original stays as it was");

    let page = treasurer.get("/treasury/tax-receipts").await;
    assert!(page.body.contains(&reference), "{}", page.body);
    let mut admin_browser = {
        let admin: i64 = crate::contributions_fixture::scalar(
            &app,
            &desk.tenant,
            "SELECT id FROM accounts WHERE role = 'admin'",
        )
        .await;
        Browser::signed_in_as(&app, &desk.tenant, admin, Role::Admin).await
    };
    let refused = admin_browser
        .post(
            "/treasury/tax-receipts/declaration",
            &[
                ("organisation_type", "association_1901"),
                ("article_200", "on"),
                ("object", "Voile"),
                ("identifier", "123"),
                ("street", "3 quai"),
                ("post_code", "34200"),
                ("town", "Sète"),
                ("signatory_name", "Tess"),
                ("signatory_title", "Trésorière"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains(
            "id=\"d-identifier\" name=\"identifier\" value=\"123\" aria-invalid=\"true\""
        ),
        "{}",
        refused.body
    );
}
