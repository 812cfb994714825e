//! Reports: each report's totals equal the sums of its rows and the sums
//! of the underlying tables (queried here, independently); CSV, XLSX and
//! PDF hold the same rows; parameters are checked; staff only, tenant by
//! tenant.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use tessera::auth::Role;

use crate::contributions_fixture::{get, key, person, scalar};
use crate::contributions_receipts_fixture::pdf_text;
use crate::helpers::api_client;
use crate::helpers::browser::Browser;
use crate::reporting_fixture::{cents, column_sum, download, rows, seeded, total};

#[tokio::test]
async fn every_report_totals_its_rows_and_matches_the_tables() {
    let s = seeded("rep-sums").await;
    let (app, desk) = (&s.app, &s.desk);
    let t = &desk.tenant;
    let report = |path: &'static str| async move {
        let reply = get(app, &desk.host, path, &desk.token).await;
        assert_eq!(reply.status, 200, "{path}: {:?}", reply.json);
        reply.json
    };

    let payments = report("/api/v1/reports/payments").await;
    assert_eq!(
        rows(&payments) as i64,
        scalar(app, t, "SELECT count(*) FROM payments").await
    );
    assert_eq!(payments["totals"]["rows"], rows(&payments));
    for (key, sql) in [
        ("amount", "SELECT sum(amount_minor)::bigint FROM payments"),
        (
            "refunded",
            "SELECT sum(refunded_minor)::bigint FROM payments",
        ),
        (
            "net",
            "SELECT sum(amount_minor - refunded_minor)::bigint FROM payments",
        ),
    ] {
        assert_eq!(total(&payments, key), column_sum(&payments, key), "{key}");
        assert_eq!(total(&payments, key), scalar(app, t, sql).await, "{key}");
    }
    assert_eq!(total(&payments, "net"), 3_000 + 3_000 + 1_500 + 2_000);

    let members = report("/api/v1/reports/members").await;
    assert_eq!(rows(&members), 6);
    assert_eq!(
        total(&members, "amount"),
        scalar(app, t, "SELECT sum(amount_minor)::bigint FROM memberships").await
    );
    let paid_sql =
        "SELECT sum(net_minor)::bigint FROM allocation_net WHERE status IN ('paid', 'refunded')";
    assert_eq!(total(&members, "paid"), scalar(app, t, paid_sql).await);
    for key in ["amount", "paid", "due"] {
        assert_eq!(total(&members, key), column_sum(&members, key), "{key}");
    }

    let arrears = report("/api/v1/reports/arrears").await;
    let due_sql = "SELECT sum(greatest(m.amount_minor - m.credit_minor - coalesce(
                     (SELECT sum(n.net_minor) FROM allocation_net n
                      WHERE n.membership_id = m.id AND n.status IN ('paid', 'refunded')), 0), 0))::bigint
                   FROM memberships m";
    assert_eq!(total(&arrears, "due"), scalar(app, t, due_sql).await);
    assert_eq!(total(&arrears, "due"), 1_500 + 3_000 + 3_000 + 5_000);
    assert_eq!(
        rows(&arrears),
        4,
        "the half-refunded, the part-paid, the two unpaid"
    );
    assert_eq!(total(&arrears, "due"), column_sum(&arrears, "due"));

    let receipts = report("/api/v1/reports/receipts").await;
    let live =
        "SELECT coalesce(sum(amount_minor), 0)::bigint FROM receipts WHERE cancelled_at IS NULL";
    assert_eq!(total(&receipts, "amount"), scalar(app, t, live).await);
    assert_eq!(
        rows(&receipts) as i64,
        scalar(app, t, "SELECT count(*) FROM receipts").await
    );

    let ends: chrono::NaiveDate = scalar_date(app, t).await;
    let path = format!("/api/v1/reports/renewals?from={ends}&to={ends}");
    let renewals = get(app, &desk.host, &path, &desk.token).await.json;
    assert_eq!(rows(&renewals), 6);
    assert_eq!(total(&renewals, "amount"), 4 * 3_000 + 2 * 5_000);

    let commissions = report("/api/v1/reports/commissions").await;
    assert_eq!(commissions["totals"]["rows"], 0);
}

async fn scalar_date(
    app: &crate::helpers::TestApp,
    t: &std::sync::Arc<tessera::model::Tenant>,
) -> chrono::NaiveDate {
    let mut tx = app.tenant_tx(t).await;
    sqlx::query_scalar("SELECT max(ends_on) FROM memberships")
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("ends")
}

#[tokio::test]
async fn filters_narrow_the_rows_and_the_totals() {
    let s = seeded("rep-filters").await;
    let (app, desk) = (&s.app, &s.desk);
    let cheques = get(
        app,
        &desk.host,
        "/api/v1/reports/payments?method=cheque",
        &desk.token,
    )
    .await;
    assert_eq!(rows(&cheques.json), 1);
    assert_eq!(total(&cheques.json, "amount"), 2_000);
    let plan_b = format!("/api/v1/reports/members?plan_id={}", s.plans[1]);
    let members = get(app, &desk.host, &plan_b, &desk.token).await;
    assert_eq!(rows(&members.json), 2);
    assert_eq!(total(&members.json, "amount"), 10_000);
    let pending = get(
        app,
        &desk.host,
        "/api/v1/reports/members?status=pending",
        &desk.token,
    )
    .await;
    assert_eq!(
        rows(&pending.json),
        2,
        "the two who paid nothing: {:?}",
        pending.json
    );
    assert_eq!(total(&pending.json, "due"), 8_000);
}

#[tokio::test]
async fn csv_xlsx_and_pdf_hold_the_same_rows() {
    let s = seeded("rep-files").await;
    let (app, desk) = (&s.app, &s.desk);
    let json = get(app, &desk.host, "/api/v1/reports/payments", &desk.token)
        .await
        .json;
    let expected_rows = rows(&json);
    let expected_net = total(&json, "net");

    let (status, kind, bytes) = download(
        app,
        &desk.host,
        "/api/v1/reports/payments?format=csv",
        &desk.token,
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().expect("header").clone();
    let net = header.iter().position(|h| h == "net").expect("net column");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), expected_rows);
    assert_eq!(
        records.iter().map(|r| cents(&r[net])).sum::<i64>(),
        expected_net
    );

    let (status, _, semicolons) = download(
        app,
        &desk.host,
        "/api/v1/reports/payments?format=csv&delimiter=%3B",
        &desk.token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&semicolons).starts_with("payment_id;received_on;"));

    let (status, kind, bytes) = download(
        app,
        &desk.host,
        "/api/v1/reports/payments?format=xlsx",
        &desk.token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("range");
    let all: Vec<&[Data]> = sheet.rows().collect();
    // Header, the rows, then one totals line.
    assert_eq!(all.len(), expected_rows + 2);
    let net_of = |row: &[Data]| match &row[net] {
        Data::Float(f) => (f * 100.0).round() as i64,
        other => panic!("net cell {other:?}"),
    };
    let body: i64 = all[1..=expected_rows].iter().map(|r| net_of(r)).sum();
    assert_eq!(body, expected_net);
    assert_eq!(
        net_of(all[expected_rows + 1]),
        expected_net,
        "the totals line"
    );

    let (status, kind, bytes) = download(
        app,
        &desk.host,
        "/api/v1/reports/payments?format=pdf",
        &desk.token,
    )
    .await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let text = pdf_text(&bytes);
    assert!(
        text.contains("Journal des paiements") || text.contains("Payments journal"),
        "{text}"
    );
    assert!(
        text.contains("95,00") || text.contains("95.00"),
        "the net total in the PDF: {text}"
    );
}

#[tokio::test]
async fn bad_parameters_are_refused_with_their_field() {
    let s = seeded("rep-params").await;
    let (app, desk) = (&s.app, &s.desk);
    for (path, field) in [
        ("/api/v1/reports/members?method=cash", "method"),
        (
            "/api/v1/reports/payments?from=2026-05-01&to=2026-04-01",
            "to",
        ),
        ("/api/v1/reports/payments?from=yesterday", "from"),
        ("/api/v1/reports/payments?status=lost", "status"),
        ("/api/v1/reports/payments?format=docx", "format"),
        ("/api/v1/reports/payments?format=html", "format"),
    ] {
        let reply = get(app, &desk.host, path, &desk.token).await;
        assert_eq!(reply.status, 422, "{path}");
        assert_eq!(reply.content_type, "application/problem+json");
        let detail = reply.json["detail"].as_str().unwrap_or_default();
        assert!(detail.starts_with(field), "{path}: {detail}");
    }
    let unknown = get(app, &desk.host, "/api/v1/reports/salaries", &desk.token).await;
    assert_eq!(unknown.status, 404);
    let extra = get(
        app,
        &desk.host,
        "/api/v1/reports/payments?sort=name",
        &desk.token,
    )
    .await;
    assert_eq!(extra.status, 400);
}

#[tokio::test]
async fn only_treasurers_and_scoped_keys_read_reports_of_their_own_tenant() {
    let s = seeded("rep-who").await;
    let (app, desk) = (&s.app, &s.desk);
    let other = crate::contributions_fixture::desk(app, "rep-who-b").await;
    person(
        app,
        &other.tenant,
        "bea@b.test",
        "Bea Outsider",
        Role::Member,
        false,
    )
    .await;
    crate::contributions_fixture::pay(
        app,
        &other.tenant,
        crate::contributions_fixture::Pay {
            payer: other.treasurer,
            minor: 777,
            ..Default::default()
        },
    )
    .await;

    let member_email = "member@rep-who.test";
    person(
        app,
        &desk.tenant,
        member_email,
        "Mel Member",
        Role::Member,
        true,
    )
    .await;
    let (member_token, _) = api_client::login(
        app,
        &desk.host,
        member_email,
        crate::contributions_fixture::PASSWORD,
    )
    .await;
    assert_eq!(
        get(app, &desk.host, "/api/v1/reports/payments", &member_token)
            .await
            .status,
        403
    );
    assert_eq!(
        api_client::get(app, &desk.host, "/api/v1/reports/payments", None)
            .await
            .status,
        401
    );

    let unscoped = key(app, desk, &["contributions:read"]).await;
    assert_eq!(
        get(app, &desk.host, "/api/v1/reports/payments", &unscoped)
            .await
            .status,
        403
    );
    let scoped = key(app, desk, &["reporting:read"]).await;
    assert_eq!(
        get(app, &desk.host, "/api/v1/reports/payments", &scoped)
            .await
            .status,
        200
    );

    // B's treasurer, on A's host; A's token on B's host.
    let theirs = get(app, &desk.host, "/api/v1/reports/payments", &other.token).await;
    assert!(matches!(theirs.status, 401 | 403), "{}", theirs.status);
    let crossed = get(app, &other.host, "/api/v1/reports/payments", &desk.token).await;
    assert!(matches!(crossed.status, 401 | 403), "{}", crossed.status);
    // B's own report holds B's payment only.
    let own = get(app, &other.host, "/api/v1/reports/payments", &other.token).await;
    assert_eq!(rows(&own.json), 1);
    assert_eq!(total(&own.json, "amount"), 777);
    let mine = get(app, &desk.host, "/api/v1/reports/payments", &desk.token).await;
    assert!(
        !mine.json.to_string().contains("7.77"),
        "A never sees B's payment"
    );
}

#[tokio::test]
async fn the_treasurer_pages_show_rows_totals_and_downloads() {
    let s = seeded("rep-pages").await;
    let (app, desk) = (&s.app, &s.desk);
    let mut treasurer =
        Browser::signed_in_as(app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let index = treasurer.get("/dashboard/reports/").await;
    assert_eq!(index.status, 200);
    assert!(index.body.contains("/dashboard/reports/arrears"));
    let page = treasurer.get("/dashboard/reports/arrears").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("125,00") || page.body.contains("125.00"),
        "the total due"
    );
    assert!(page.body.contains("format=xlsx"));
    let file = treasurer.get("/dashboard/reports/arrears?format=csv").await;
    assert_eq!(file.content_type, "text/csv; charset=utf-8");
    assert_eq!(file.body.lines().count(), 5, "header and four rows");
    let bad = treasurer
        .get("/dashboard/reports/payments?from=2026-05-01&to=2026-04-01")
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("aria-invalid=\"true\""));

    let member = person(
        app,
        &desk.tenant,
        "m@rep-pages.test",
        "Mo",
        Role::Member,
        false,
    )
    .await;
    let mut visitor = Browser::signed_in_as(app, &desk.tenant, member, Role::Member).await;
    assert_eq!(visitor.get("/dashboard/reports/arrears").await.status, 403);
}
