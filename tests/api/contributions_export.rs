//! The payments exports: CSV with decimals, ISO dates and formula-looking
//! cells defused; XLSX that a spreadsheet reader opens with every row; the
//! treasurer's page downloads behind the session and role.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use tessera::auth::Role;

use crate::contributions_fixture::{Pay, app, desk, pay, person};
use crate::helpers::browser::Browser;

/// A download with a bearer token: status, content type, bytes.
pub async fn download(
    app: &crate::helpers::TestApp,
    host: &str,
    path: &str,
    token: &str,
) -> (u16, String, Vec<u8>) {
    let response = app
        .http
        .get(format!("http://{}{path}", app.addr))
        .header("Host", host)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn the_csv_has_every_row_as_decimals_and_iso_dates_and_no_formula() {
    let app = app().await;
    let desk = desk(&app, "pay-csv").await;
    let evil = person(
        &app,
        &desk.tenant,
        "evil@x.test",
        "=HYPERLINK(\"http://x\")",
        Role::Member,
        false,
    )
    .await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne, \"la\" Martin",
        Role::Member,
        false,
    )
    .await;
    let day = NaiveDate::from_ymd_opt(2025, 10, 3).expect("date");
    pay(
        &app,
        &desk.tenant,
        Pay {
            payer: evil,
            minor: 123_456,
            received_on: day,
            note: Some("+33 6 12"),
            age_s: 10,
            ..Pay::default()
        },
    )
    .await;
    pay(
        &app,
        &desk.tenant,
        Pay {
            payer: anne,
            minor: 5,
            refunded: 5,
            status: "refunded",
            note: Some("@SUM(A1)"),
            ..Pay::default()
        },
    )
    .await;
    for n in 0..150 {
        pay(
            &app,
            &desk.tenant,
            Pay {
                payer: anne,
                minor: 100 + n,
                method: "transfer",
                age_s: 1000 + n,
                note: Some("-1"),
                ..Pay::default()
            },
        )
        .await;
    }
    let (status, kind, body) =
        download(&app, &desk.host, "/api/v1/payments/export.csv", &desk.token).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header[..8],
        [
            "id",
            "received_on",
            "created_at",
            "paid_at",
            "payer_id",
            "payer_name",
            "payer_email",
            "amount"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 152);
    // Newest first: the refunded one, then the formula one.
    assert_eq!(&rows[0][5], "Anne, \"la\" Martin");
    assert_eq!(&rows[0][7], "0.05");
    assert_eq!(&rows[0][8], "0.05");
    assert_eq!(&rows[0][11], "refunded");
    assert_eq!(&rows[0][15], "'@SUM(A1)");
    assert_eq!(&rows[1][5], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&rows[1][7], "1234.56");
    assert_eq!(&rows[1][1], "2025-10-03");
    assert!(
        rows[1][2].ends_with('Z') && rows[1][2].contains('T'),
        "{}",
        &rows[1][2]
    );
    assert_eq!(&rows[1][9], "EUR");
    assert_eq!(&rows[1][15], "'+33 6 12");
    assert!(
        rows[2..]
            .iter()
            .all(|r| &r[15] == "'-1" && &r[10] == "transfer")
    );

    // Filters apply to exports too.
    let (_, _, body) = download(
        &app,
        &desk.host,
        "/api/v1/payments/export.csv?method=transfer",
        &desk.token,
    )
    .await;
    assert_eq!(
        csv::Reader::from_reader(body.as_slice()).records().count(),
        150
    );
    let (status, _, _) = download(
        &app,
        &desk.host,
        "/api/v1/payments/export.csv?season=x",
        &desk.token,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_xlsx_opens_with_every_row() {
    let app = app().await;
    let desk = desk(&app, "pay-xlsx").await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne",
        Role::Member,
        false,
    )
    .await;
    for n in 0..40 {
        pay(
            &app,
            &desk.tenant,
            Pay {
                payer: anne,
                minor: 1000 + n,
                age_s: n,
                note: Some("=1+1"),
                ..Pay::default()
            },
        )
        .await;
    }
    let (status, kind, body) = download(
        &app,
        &desk.host,
        "/api/v1/payments/export.xlsx",
        &desk.token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(body)).expect("an xlsx file");
    let sheet = workbook
        .worksheet_range("Payments")
        .expect("the Payments sheet");
    assert_eq!(sheet.height(), 41, "header and 40 rows");
    assert_eq!(sheet.get((0, 7)), Some(&Data::String("amount".into())));
    assert_eq!(sheet.get((1, 5)), Some(&Data::String("Anne".into())));
    assert_eq!(sheet.get((1, 7)), Some(&Data::Float(10.0)));
    // A string cell, never a formula.
    assert_eq!(sheet.get((1, 15)), Some(&Data::String("=1+1".into())));
}

#[tokio::test]
async fn the_treasurers_page_downloads_need_the_role() {
    let app = app().await;
    let desk = desk(&app, "pay-dl").await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne",
        Role::Member,
        false,
    )
    .await;
    pay(
        &app,
        &desk.tenant,
        Pay {
            payer: anne,
            ..Pay::default()
        },
    )
    .await;
    let mut visitor = Browser::new(&app, &desk.tenant).await;
    let page = visitor.get("/treasury/payments/export.csv").await;
    assert_eq!(page.status, 303, "sent to sign in");
    let mut member = Browser::signed_in_as(&app, &desk.tenant, anne, Role::Member).await;
    assert_eq!(
        member.get("/treasury/payments/export.csv").await.status,
        403
    );
    let mut treasurer =
        Browser::signed_in_as(&app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let page = treasurer
        .get("/treasury/payments/export.csv?status=paid")
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.lines().count(), 2, "{}", page.body);
    let page = treasurer.get("/treasury/payments/export.xlsx").await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.contains("spreadsheetml"));
}
