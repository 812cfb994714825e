//! Scheduled reports and alerts: a due schedule tells its recipient (in
//! their notifications, kind « reports ») with the period's totals and the
//! file's link, once; failed payments and arrears above a threshold reach
//! the treasurers who asked, and nobody else; all of it per tenant.

use chrono::{Datelike, Months, NaiveDate, Utc};
use serde_json::json;
use tessera::auth::Role;
use tessera::contributions::payments;
use tessera::contributions::{Method, PaymentStatus};

use crate::contributions_core_fixture::cash;
use crate::contributions_fixture::{get, person, send};
use crate::helpers::TestApp;
use crate::helpers::browser::Browser;
use crate::reporting_fixture::seeded;

/// `(title, body, url)` of the `reports` notices `account` received.
async fn notices(
    app: &TestApp,
    tenant: &std::sync::Arc<tessera::model::Tenant>,
    account: i64,
) -> Vec<(String, String, String)> {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query_as(
        "SELECT n.title, n.body, n.url FROM notices n JOIN notifications r ON r.notice_id = n.id
         WHERE r.account_id = $1 AND n.kind = 'reports' ORDER BY n.id",
    )
    .bind(account)
    .fetch_all(tx.conn().await.expect("conn"))
    .await
    .expect("notices")
}

async fn daily(
    app: &TestApp,
    tenant: &std::sync::Arc<tessera::model::Tenant>,
    day: NaiveDate,
) -> (u64, u64) {
    let mut tx = app.tenant_tx(tenant).await;
    let done = tessera::reporting::reports::daily(&mut tx, day)
        .await
        .expect("daily");
    tx.commit().await.expect("commit");
    done
}

fn next_month_first() -> NaiveDate {
    let today = Utc::now().date_naive();
    today
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)))
        .expect("date")
}

#[tokio::test]
async fn a_due_schedule_tells_its_recipient_once_with_the_totals() {
    let s = seeded("sched-run").await;
    let (app, desk) = (&s.app, &s.desk);
    let body =
        json!({"report": "payments", "format": "xlsx", "frequency": "monthly", "method": "cash"});
    let created = send(
        app,
        "POST",
        &desk.host,
        "/api/v1/reports/schedules",
        &body,
        &desk.token,
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.json);
    let first = next_month_first();
    assert_eq!(created.json["next_run_on"], first.to_string());
    assert_eq!(created.json["recipient_id"], desk.treasurer);

    assert_eq!(
        daily(app, &desk.tenant, first.pred_opt().expect("eve"))
            .await
            .0,
        0,
        "not due yet"
    );
    assert_eq!(daily(app, &desk.tenant, first).await.0, 1);
    let told = notices(app, &desk.tenant, desk.treasurer).await;
    assert_eq!(told.len(), 1, "{told:?}");
    let (title, text, url) = &told[0];
    assert!(title.contains("payments"), "{title}");
    // Three cash payments this month (one half refunded): 90.00 received.
    assert!(text.starts_with("3 "), "{text}");
    assert!(text.contains("amount 90.00 EUR"), "{text}");
    assert!(
        url.starts_with("/dashboard/reports/payments?")
            && url.contains("format=xlsx")
            && url.contains("method=cash"),
        "{url}"
    );
    assert_eq!(
        daily(app, &desk.tenant, first).await.0,
        0,
        "once per period"
    );
    assert_eq!(notices(app, &desk.tenant, desk.treasurer).await.len(), 1);

    // The link opens the file for the recipient.
    let mut treasurer =
        Browser::signed_in_as(app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let file = treasurer.get(url).await;
    assert_eq!(file.status, 200);
    assert!(file.content_type.contains("spreadsheetml"));
}

#[tokio::test]
async fn schedules_are_checked_and_stay_in_their_tenant() {
    let s = seeded("sched-check").await;
    let (app, desk) = (&s.app, &s.desk);
    let member = person(app, &desk.tenant, "m@sched.test", "Mo", Role::Member, false).await;
    for (body, field) in [
        (
            json!({"report": "salaries", "format": "csv", "frequency": "weekly"}),
            "report",
        ),
        (
            json!({"report": "members", "format": "json", "frequency": "weekly"}),
            "format",
        ),
        (
            json!({"report": "members", "format": "csv", "frequency": "daily"}),
            "frequency",
        ),
        (
            json!({"report": "members", "format": "csv", "frequency": "weekly", "method": "cash"}),
            "method",
        ),
        (
            json!({"report": "members", "format": "csv", "frequency": "weekly", "recipient_id": member}),
            "recipient_id",
        ),
        (
            json!({"report": "members", "format": "csv", "frequency": "weekly", "plan_id": 999999}),
            "plan_id",
        ),
    ] {
        let refused = send(
            app,
            "POST",
            &desk.host,
            "/api/v1/reports/schedules",
            &body,
            &desk.token,
        )
        .await;
        assert_eq!(refused.status, 422, "{body}");
        assert!(
            refused.json["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with(field),
            "{body}: {:?}",
            refused.json
        );
    }
    let body = json!({"report": "arrears", "format": "pdf", "frequency": "weekly"});
    let mine = send(
        app,
        "POST",
        &desk.host,
        "/api/v1/reports/schedules",
        &body,
        &desk.token,
    )
    .await;
    let id = mine.json["id"].as_i64().expect("id");

    let other = crate::contributions_fixture::desk(app, "sched-check-b").await;
    let theirs = get(app, &other.host, "/api/v1/reports/schedules", &other.token).await;
    assert_eq!(theirs.json, json!([]), "B sees none of A's");
    let path = format!("/api/v1/reports/schedules/{id}");
    assert_eq!(
        send(app, "DELETE", &other.host, &path, &json!({}), &other.token)
            .await
            .status,
        404
    );
    let crossed = send(app, "DELETE", &desk.host, &path, &json!({}), &other.token)
        .await
        .status;
    assert!(matches!(crossed, 401 | 403));
    assert_eq!(
        get(app, &desk.host, "/api/v1/reports/schedules", &desk.token)
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        send(app, "DELETE", &desk.host, &path, &json!({}), &desk.token)
            .await
            .status,
        204
    );

    let mut treasurer =
        Browser::signed_in_as(app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    assert_eq!(
        treasurer.get("/dashboard/reports/schedules").await.status,
        200
    );
    let csrf = treasurer.csrf();
    let made = treasurer
        .post(
            "/dashboard/reports/schedules",
            &[
                ("csrf_token", &csrf),
                ("report", "receipts"),
                ("frequency", "monthly"),
                ("format", "csv"),
            ],
        )
        .await;
    assert_eq!(made.status, 303);
    let bad = treasurer
        .post(
            "/dashboard/reports/schedules",
            &[
                ("csrf_token", &csrf),
                ("report", "receipts"),
                ("frequency", "hourly"),
                ("format", "csv"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    let mut visitor = Browser::signed_in_as(app, &desk.tenant, member, Role::Member).await;
    assert_eq!(
        visitor.get("/dashboard/reports/schedules").await.status,
        403
    );
}

#[tokio::test]
async fn alerts_reach_the_treasurers_who_asked_and_nobody_else() {
    let s = seeded("alerts").await;
    let (app, desk) = (&s.app, &s.desk);
    let quiet = person(
        app,
        &desk.tenant,
        "quiet@alerts.test",
        "Quiet Treasurer",
        Role::Treasurer,
        false,
    )
    .await;
    let wanted = json!({"payment_failed": true, "arrears_above_minor": 10_000});
    let saved = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/dashboard/alerts",
        &wanted,
        &desk.token,
    )
    .await;
    assert_eq!(saved.status, 200);
    assert_eq!(
        get(app, &desk.host, "/api/v1/dashboard/alerts", &desk.token)
            .await
            .json,
        wanted
    );
    let bad = json!({"payment_failed": true, "arrears_above_minor": -1});
    assert_eq!(
        send(
            app,
            "PUT",
            &desk.host,
            "/api/v1/dashboard/alerts",
            &bad,
            &desk.token
        )
        .await
        .status,
        422
    );

    // A transfer announced, then failed.
    let payer = crate::contributions_core_fixture::person(app, &desk.tenant, "Pat Failing").await;
    let mut tx = app.tenant_tx(&desk.tenant).await;
    let announced = payments::NewPayment {
        method: Method::Transfer,
        status: PaymentStatus::Pending,
        ..cash(payer, 4_200)
    };
    let pending = payments::record(&mut tx, &announced, None)
        .await
        .expect("pending");
    payments::mark_failed(&mut tx, pending.id, None)
        .await
        .expect("failed");
    tx.commit().await.expect("commit");
    let told = notices(app, &desk.tenant, desk.treasurer).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].0.contains("Pat Failing"), "{:?}", told[0]);
    assert_eq!(told[0].2, format!("/treasury/payments/{}", pending.id));
    assert!(
        notices(app, &desk.tenant, quiet).await.is_empty(),
        "not subscribed"
    );

    // Arrears of 125.00 against a threshold of 100.00: told once a day.
    let today = Utc::now().date_naive();
    assert_eq!(daily(app, &desk.tenant, today).await.1, 1);
    assert_eq!(daily(app, &desk.tenant, today).await.1, 0);
    let told = notices(app, &desk.tenant, desk.treasurer).await;
    assert_eq!(told.len(), 2);
    assert!(told[1].0.contains("125.00"), "{:?}", told[1]);
    assert!(notices(app, &desk.tenant, quiet).await.is_empty());

    // The other tenant's treasurer reads and writes only their own.
    let other = crate::contributions_fixture::desk(app, "alerts-b").await;
    assert_eq!(
        get(app, &other.host, "/api/v1/dashboard/alerts", &other.token)
            .await
            .json["payment_failed"],
        false
    );
    let crossed = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/dashboard/alerts",
        &wanted,
        &other.token,
    )
    .await
    .status;
    assert!(matches!(crossed, 401 | 403));

    let mut treasurer =
        Browser::signed_in_as(app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let page = treasurer.get("/dashboard/notifications/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("checked"));
    let csrf = treasurer.csrf();
    let wrong = treasurer
        .post(
            "/dashboard/notifications/",
            &[("csrf_token", &csrf), ("arrears_above", "lots")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let member = person(
        app,
        &desk.tenant,
        "m@alerts.test",
        "Mo",
        Role::Member,
        false,
    )
    .await;
    let mut visitor = Browser::signed_in_as(app, &desk.tenant, member, Role::Member).await;
    assert_eq!(visitor.get("/dashboard/notifications/").await.status, 403);
}
