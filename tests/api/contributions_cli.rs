//! `tessera contributions …` as operators run it: the real binary against
//! the database of a running app, reading what that app's tenants hold.

use chrono::{Duration, Utc};

use crate::contributions_fixture::{Pay, desk, pay};
use crate::helpers::cluster::database_url;
use crate::helpers::{migrated_database, spawn_app_with, test_config};
use crate::users_cli::{run as tessera, text};

#[tokio::test]
async fn export_writes_a_tenants_payments_and_remind_runs_now() {
    let options = migrated_database().await;
    let url = database_url(&options);
    let app = spawn_app_with(options, test_config()).await;
    let ours = desk(&app, "cli-pay").await;
    let theirs = desk(&app, "cli-other").await;
    let today = Utc::now().date_naive();
    for (minor, age_s) in [(1250, 10), (4000, 0)] {
        let received_on = today - Duration::days(age_s);
        let payer = ours.treasurer;
        pay(
            &app,
            &ours.tenant,
            Pay {
                payer,
                minor,
                age_s,
                received_on,
                ..Pay::default()
            },
        )
        .await;
    }
    let payer = theirs.treasurer;
    pay(
        &app,
        &theirs.tenant,
        Pay {
            payer,
            minor: 9900,
            ..Pay::default()
        },
    )
    .await;

    let slug = ours.tenant.slug.to_string();
    let export = tessera(&url, &["contributions", "export", "--tenant", &slug]);
    assert!(export.status.success(), "{}", text(&export));
    let csv = String::from_utf8(export.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and our two payments only: {csv}");
    assert!(lines[0].starts_with("id,received_on"), "{csv}");
    assert!(
        lines[1].contains("40.00") && lines[2].contains("12.50"),
        "{csv}"
    );
    assert!(!csv.contains("99.00"), "another tenant's payment: {csv}");

    // A season with nothing in it: the header alone.
    let old = tessera(
        &url,
        &[
            "contributions",
            "export",
            "--tenant",
            &slug,
            "--season",
            "1990",
        ],
    );
    assert!(old.status.success(), "{}", text(&old));
    assert_eq!(String::from_utf8_lossy(&old.stdout).lines().count(), 1);

    let remind = tessera(&url, &["contributions", "remind", "--tenant", &slug]);
    assert!(remind.status.success(), "{}", text(&remind));
    assert!(text(&remind).contains("0 reminder(s)"), "{}", text(&remind));

    // Mistakes are explained and change nothing.
    for args in [
        &["contributions", "export", "--tenant", "nobody"][..],
        &[
            "contributions",
            "export",
            "--tenant",
            &slug,
            "--season",
            "12",
        ],
        &["contributions", "remind"],
    ] {
        let refused = tessera(&url, args);
        assert!(!refused.status.success(), "{args:?}: {}", text(&refused));
        assert!(!text(&refused).trim().is_empty(), "{args:?}: no message");
    }
}
