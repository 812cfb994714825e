//! The accounting export: the FEC follows the layout rules (18 columns,
//! tab-separated, ISO-8859-15, balanced entries numbered without gaps per
//! journal, named after the SIREN), plan accounts are applied, refunds
//! reversed; the CSV journal carries the same money; the chart is checked.

use std::collections::BTreeMap;

use serde_json::json;
use tessera::auth::Role;

use crate::contributions_fixture::{get, send};
use crate::helpers::browser::Browser;
use crate::reporting_fixture::{cents, download, seeded};

/// `1234,50` in cents.
fn fec_cents(text: &str) -> i64 {
    cents(&text.replace(',', "."))
}

#[tokio::test]
async fn the_fec_follows_the_layout_and_balances() {
    let s = seeded("acc-fec").await;
    let (app, desk) = (&s.app, &s.desk);
    let no_siren = get(app, &desk.host, "/api/v1/accounting/export", &desk.token).await;
    assert_eq!(no_siren.status, 422);
    assert!(
        no_siren.json["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("siren")
    );

    let chart = json!({
        "siren": "123 456 789", "bank_journal": "bq", "cash_journal": "CA", "bank_account": "512",
        "cash_account": "530", "cheque_account": "5112", "dues_account": "756",
        "unallocated_account": "75411",
        "plan_accounts": { s.plans[0].to_string(): "7561", s.plans[1].to_string(): "7562" }
    });
    let saved = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/accounting/chart",
        &chart,
        &desk.token,
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.json);
    assert_eq!(saved.json["siren"], "123456789");

    let response = app
        .http
        .get(format!(
            "http://{}/api/v1/accounting/export?format=fec",
            app.addr
        ))
        .header("Host", &desk.host)
        .header("Authorization", format!("Bearer {}", desk.token))
        .send()
        .await
        .expect("fec");
    assert_eq!(response.status().as_u16(), 200);
    let today = chrono::Utc::now().date_naive().format("%Y%m%d").to_string();
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("name")
        .to_owned();
    assert!(
        disposition.contains(&format!("123456789FEC{today}.txt")),
        "{disposition}"
    );
    let bytes = response.bytes().await.expect("body");
    let (text, _, bad) = encoding_rs::ISO_8859_15.decode(&bytes);
    assert!(!bad);
    assert!(!text.contains('"'), "no quotes");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    let header: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(header.len(), 18);
    assert_eq!(header[0], "JournalCode");
    assert_eq!(header[17], "Idevise");
    let rows: Vec<Vec<&str>> = lines[1..].iter().map(|l| l.split('\t').collect()).collect();
    let mut entries: BTreeMap<(String, u64), (i64, i64)> = BTreeMap::new();
    for row in &rows {
        assert_eq!(row.len(), 18, "{row:?}");
        assert!(
            row[3].len() == 8 && row[3].chars().all(|c| c.is_ascii_digit()),
            "date {}",
            row[3]
        );
        for amount in [row[11], row[12]] {
            let (units, decimals) = amount.split_once(',').expect("decimal comma");
            assert!(
                units.chars().all(|c| c.is_ascii_digit()) && decimals.len() == 2,
                "{amount}"
            );
        }
        let sums = entries
            .entry((row[0].to_owned(), row[2].parse().expect("number")))
            .or_default();
        sums.0 += fec_cents(row[11]);
        sums.1 += fec_cents(row[12]);
    }
    for ((journal, number), (debit, credit)) in &entries {
        assert_eq!(debit, credit, "entry {journal}{number} balances");
    }
    for journal in ["BQ", "CA"] {
        let numbers: Vec<u64> = entries
            .keys()
            .filter(|(j, _)| j == journal)
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(
            numbers,
            (1..=numbers.len() as u64).collect::<Vec<_>>(),
            "{journal} gapless"
        );
    }
    let debit_total: i64 = rows.iter().map(|r| fec_cents(r[11])).sum();
    assert_eq!(
        debit_total,
        3 * 3_000 + 2_000 + 1_500,
        "received, then the refund reversed"
    );
    let accounts: Vec<&str> = rows.iter().map(|r| r[4]).collect();
    for account in ["530", "5112", "7561", "7562"] {
        assert!(accounts.contains(&account), "{account} in {accounts:?}");
    }
    let refund = rows
        .iter()
        .find(|r| r[8].starts_with('R'))
        .expect("a refund entry");
    let refund_lines: Vec<&Vec<&str>> = rows
        .iter()
        .filter(|r| r[2] == refund[2] && r[0] == refund[0])
        .collect();
    assert!(
        refund_lines
            .iter()
            .any(|r| r[4] == "7561" && r[11] == "15,00")
    );
    assert!(
        refund_lines
            .iter()
            .any(|r| r[4] == "530" && r[12] == "15,00")
    );

    let (status, _, csv) = download(
        app,
        &desk.host,
        "/api/v1/accounting/export?format=csv",
        &desk.token,
    )
    .await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let amount = reader
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "amount")
        .expect("amount");
    let journal_total: i64 = reader
        .records()
        .map(|r| cents(&r.expect("row")[amount]))
        .sum();
    assert_eq!(journal_total, debit_total);
}

#[tokio::test]
async fn the_chart_is_checked_and_stays_in_its_tenant() {
    let s = seeded("acc-chart").await;
    let (app, desk) = (&s.app, &s.desk);
    let other = crate::reporting_fixture::seeded("acc-chart-b").await;
    let good = json!({
        "siren": null, "bank_journal": "BQ", "cash_journal": "CA", "bank_account": "512",
        "cash_account": "530", "cheque_account": "5112", "dues_account": "756", "unallocated_account": "75411"
    });
    let mut bad = good.clone();
    bad["bank_account"] = json!("bank");
    let refused = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/accounting/chart",
        &bad,
        &desk.token,
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.json["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("bank_account")
    );
    // A plan id that is none of ours.
    let mut theirs = good.clone();
    let foreign = other.plans[0].max(s.plans[1]) + 1_000;
    theirs["plan_accounts"] = json!({ foreign.to_string(): "7561" });
    assert_eq!(
        send(
            app,
            "PUT",
            &desk.host,
            "/api/v1/accounting/chart",
            &theirs,
            &desk.token
        )
        .await
        .status,
        422
    );
    let unchanged = get(app, &desk.host, "/api/v1/accounting/chart", &desk.token).await;
    assert_eq!(unchanged.json["bank_account"], "512");

    // Another tenant's treasurer and token.
    let crossed = get(
        &other.app,
        &desk.host,
        "/api/v1/accounting/chart",
        &other.desk.token,
    )
    .await;
    assert!(matches!(crossed.status, 401 | 403));
    let crossed = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/accounting/chart",
        &good,
        &other.desk.token,
    )
    .await;
    assert!(matches!(crossed.status, 401 | 403));

    let mut treasurer =
        Browser::signed_in_as(app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let page = treasurer.get("/dashboard/accounting").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("name=\"plan_{}\"", s.plans[0])));
    let csrf = treasurer.csrf();
    let wrong = treasurer
        .post(
            "/dashboard/accounting",
            &[
                ("csrf_token", &csrf),
                ("siren", "12"),
                ("bank_journal", "BQ"),
                ("cash_journal", "CA"),
                ("bank_account", "512"),
                ("cash_account", "530"),
                ("cheque_account", "5112"),
                ("dues_account", "756"),
                ("unallocated_account", "75411"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("aria-invalid=\"true\""));
    let plan = format!("plan_{}", s.plans[0]);
    let saved = treasurer
        .post(
            "/dashboard/accounting",
            &[
                ("csrf_token", &csrf),
                ("siren", "123456789"),
                ("bank_journal", "BQ"),
                ("cash_journal", "CA"),
                ("bank_account", "512"),
                ("cash_account", "530"),
                ("cheque_account", "5112"),
                ("dues_account", "756"),
                ("unallocated_account", "75411"),
                (&plan, "7561"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let chart = get(app, &desk.host, "/api/v1/accounting/chart", &desk.token).await;
    assert_eq!(chart.json["plan_accounts"][s.plans[0].to_string()], "7561");
    let file = treasurer
        .get("/dashboard/accounting/export?format=fec")
        .await;
    assert_eq!(file.status, 200);
    let member = crate::contributions_fixture::person(
        app,
        &desk.tenant,
        "m@acc.test",
        "M",
        Role::Member,
        false,
    )
    .await;
    let mut visitor = Browser::signed_in_as(app, &desk.tenant, member, Role::Member).await;
    assert_eq!(visitor.get("/dashboard/accounting").await.status, 403);
}
