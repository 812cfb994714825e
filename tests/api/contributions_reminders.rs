//! Renewal reminders and the treasurers' digest, read on a real SMTP sink:
//! each due reminder leaves exactly once (a second run, a restart between
//! batches, and an opted-out payer are covered), its renew and unsubscribe
//! links work on its own association's host only, and the digest goes to
//! treasurers and admins once per ISO week.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use tessera::auth::{Keys, Role};
use tessera::config::PublicScheme;
use tessera::contributions::reminders::{self, due, links};
use tessera::tenancy::Tenant;

use crate::account_flow::{link_path, mailing_config, nth_mail};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{TestApp, migrated_database, spawn_app_with, test_config};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Sets the association's reminder offsets.
async fn reminder_days(app: &TestApp, tenant: &Arc<Tenant>, days: &[i32]) {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query("UPDATE contribution_settings SET reminder_days = $1, weekly_digest = false")
        .bind(days)
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// A yearly plan and a membership of `account` (paid for by itself) ending
/// on `ends_on`; returns the membership's id.
pub async fn membership_ending(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    account: i64,
    ends_on: NaiveDate,
) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let conn = tx.conn().await.unwrap();
    let plan: i64 = sqlx::query_scalar(
        "INSERT INTO plans (name, period, anchor) VALUES ('Saison', 'yearly', 'anniversary')
         RETURNING id",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let tier: i64 = sqlx::query_scalar(
        "INSERT INTO plan_tiers (plan_id, code, label, amount_minor)
         VALUES ($1, 'standard', 'Standard', 3000) RETURNING id",
    )
    .bind(plan)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO memberships (account_id, plan_id, tier_id, payer_id, starts_on, ends_on,
                                  amount_minor, currency)
         VALUES ($1, $2, $3, $1, $4 - 364, $4, 3000, 'EUR') RETURNING id",
    )
    .bind(account)
    .bind(plan)
    .bind(tier)
    .bind(ends_on)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn linker(app: &TestApp) -> links::Linker {
    app.state.reminder_links()
}

async fn run(app: &TestApp, tenant: &Arc<Tenant>, batch: i64) -> reminders::Report {
    reminders::run(&app.state.db, tenant.clone(), &linker(app), today(), batch)
        .await
        .expect("reminder run")
}

/// Waits a little for mails that should not come.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
}

#[tokio::test]
async fn a_due_reminder_leaves_once_with_working_links_and_an_opt_out_stops_it() {
    let sink = SmtpSink::start();
    // Browsers reach this instance over plain HTTP on a port of its own,
    // as in `tessera demo`: the mailed links must say so.
    let mut config = mailing_config(&sink);
    config.http.public_scheme = Some(PublicScheme::Http);
    config.http.public_port = Some(18080);
    let app = spawn_app_with(migrated_database().await, config).await;
    let (tenant, _) = app.create_tenant("remind", "Club Rappel").await;
    reminder_days(&app, &tenant, &[7]).await;
    let alice = create_account(
        &app,
        &tenant,
        "alice@example.test",
        "pw-alice-123456",
        Role::Member,
    )
    .await;
    let bob = create_account(
        &app,
        &tenant,
        "bob@example.test",
        "pw-bob-1234567",
        Role::Member,
    )
    .await;
    let ends = today() + Duration::days(7);
    let alices = membership_ending(&app, &tenant, alice, ends).await;
    membership_ending(&app, &tenant, bob, today() + Duration::days(20)).await;

    let report = run(&app, &tenant, 100).await;
    assert_eq!(report.reminders, 1, "{report:?}");
    let mail = nth_mail(&sink, 1).await;
    assert!(mail.to.ends_with("<alice@example.test>"), "{}", mail.to);
    assert!(mail.subject.contains("prend fin"), "{}", mail.subject);
    for part in [&mail.subject, &mail.text, &mail.html] {
        assert!(!part.contains("mail-"), "an untranslated key: {part}");
    }
    assert!(
        mail.text.contains("/membership/unsubscribe/"),
        "{}",
        mail.text
    );
    // Mail clients get the unsubscribe page as a header too.
    assert!(
        mail.list_unsubscribe.starts_with(&format!(
            "<http://{}:18080/membership/unsubscribe/",
            tenant.default_host.as_str()
        )),
        "{}",
        mail.list_unsubscribe
    );

    // Again, and again through the job itself: nothing more.
    assert_eq!(run(&app, &tenant, 100).await.reminders, 0);
    settle().await;
    assert_eq!(sink.count(), 1);

    // The renew link opens the renewal page without signing in.
    let renew = link_path(&mail);
    assert!(renew.starts_with("/membership/renew/"), "{renew}");
    let mut visitor = Browser::new(&app, &tenant).await;
    let page = visitor.get(&renew).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Its button renews (no sign-in) and shows how to pay.
    let renewed = visitor.post(&renew, &[]).await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    assert!(
        renewed.body.contains("transfer-reference\">RF"),
        "{}",
        renewed.body
    );
    let sent = visitor.post(&format!("{renew}/transfer-sent"), &[]).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let mut tx = app.tenant_tx(&tenant).await;
    let (renewals, pending): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM memberships WHERE previous_id = $1),
                (SELECT count(*) FROM payments WHERE payer_id = $2 AND status = 'pending')",
    )
    .bind(alices)
    .bind(alice)
    .fetch_one(tx.conn().await.unwrap())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((renewals, pending), (1, 1));
    // A second click renews nothing more.
    assert_eq!(visitor.post(&renew, &[]).await.status, 200);
    // The same token, altered, is refused.
    let forged = format!("{}x", &renew[..renew.len() - 1]);
    assert_eq!(visitor.get(&forged).await.status, 404);
    let other = renew.replacen(&format!("/{alices}-"), &format!("/{}-", alices + 1), 1);
    assert_eq!(visitor.get(&other).await.status, 404);

    // Unsubscribing: the page alone changes nothing; its button does.
    let start = mail.text.find("/membership/unsubscribe/").unwrap();
    let unsubscribe: String = mail.text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert_eq!(visitor.get(&unsubscribe).await.status, 200);
    let done = visitor.post(&unsubscribe, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let mut tx = app.tenant_tx(&tenant).await;
    let topics: Vec<String> =
        sqlx::query_scalar("SELECT topic FROM mail_opt_outs WHERE account_id = $1")
            .bind(alice)
            .fetch_all(tx.conn().await.unwrap())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(topics, ["renewal_reminders"]);

    // Bob has opted out too: his reminder, due now, is not sent.
    let mut tx = app.tenant_tx(&tenant).await;
    reminders::pages::opt_out(&mut tx, bob, links::Topic::RenewalReminders)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    reminder_days(&app, &tenant, &[7, 20]).await;
    assert_eq!(run(&app, &tenant, 100).await.reminders, 0);
    settle().await;
    assert_eq!(sink.count(), 1);
}

#[tokio::test]
async fn a_restart_between_batches_sends_each_reminder_exactly_once() {
    let sink = SmtpSink::start();
    let options = migrated_database().await;
    // The first instance runs no jobs: its mails wait in the queue.
    let mut quiet = test_config();
    quiet.jobs.workers = 0;
    let first = spawn_app_with(options.clone(), quiet).await;
    let (tenant, _) = first.create_tenant("restart", "Club Reprise").await;
    reminder_days(&first, &tenant, &[7, -7]).await;
    for n in 0..5 {
        let email = format!("m{n}@example.test");
        let id = create_account(&first, &tenant, &email, "pw-member-123456", Role::Member).await;
        // Two due offsets for some: still one mail each.
        let ends = if n % 2 == 0 { 7 } else { -7 };
        membership_ending(&first, &tenant, id, today() + Duration::days(ends)).await;
    }
    // One batch of two payers commits, then the instance stops.
    let mut tx = first.tenant_tx(&tenant).await;
    let batch = due::send_batch(&mut tx, &linker(&first), today(), 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(batch.mails, 2);
    drop(first);

    let second = spawn_app_with(options, mailing_config(&sink)).await;
    let report = run(&second, &tenant, 2).await;
    assert_eq!(report.reminders, 3, "{report:?}");
    nth_mail(&sink, 5).await;
    assert_eq!(run(&second, &tenant, 2).await.reminders, 0);
    settle().await;
    let mut to: Vec<String> = sink.mails().into_iter().map(|m| m.to).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 5, "each member exactly once: {to:?}");
    assert_eq!(sink.count(), 5);
}

#[tokio::test]
async fn renew_links_of_one_association_are_refused_on_another() {
    let app = spawn_app_with(migrated_database().await, test_config()).await;
    let (a, _) = app.create_tenant("rena", "Club A").await;
    let (b, _) = app.create_tenant("renb", "Club B").await;
    let keys = Keys::load(app.pool()).await.unwrap();
    let member = create_account(&app, &a, "a@example.test", "pw-member-123456", Role::Member).await;
    let id = membership_ending(&app, &a, member, today() + Duration::days(7)).await;
    let token = links::renew_token(&keys, a.id, id, Utc::now());
    let mut on_a = Browser::new(&app, &a).await;
    assert_eq!(
        on_a.get(&format!("/membership/renew/{token}")).await.status,
        200
    );
    let mut on_b = Browser::new(&app, &b).await;
    assert_eq!(
        on_b.get(&format!("/membership/renew/{token}")).await.status,
        404
    );
    let unsubscribe = links::unsubscribe_token(&keys, a.id, member, links::Topic::RenewalReminders);
    let path = format!("/membership/unsubscribe/{unsubscribe}");
    assert_eq!(on_b.get(&path).await.status, 404);
    assert_eq!(on_b.post(&path, &[]).await.status, 404);
    // An expired link is refused too.
    let old = links::renew_token(&keys, a.id, id, Utc::now() - Duration::days(61));
    assert_eq!(
        on_a.get(&format!("/membership/renew/{old}")).await.status,
        404
    );
}

#[tokio::test]
async fn the_digest_goes_to_treasurers_and_admins_once_a_week() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let (tenant, _) = app.create_tenant("digest", "Club Digest").await;
    create_account(
        &app,
        &tenant,
        "treasurer@example.test",
        "pw-treas-123456",
        Role::Treasurer,
    )
    .await;
    let admin = create_account(
        &app,
        &tenant,
        "admin@example.test",
        "pw-admin-1234567",
        Role::Admin,
    )
    .await;
    let mut tx = app.tenant_tx(&tenant).await;
    sqlx::query("UPDATE accounts SET locale = 'en' WHERE id = $1")
        .bind(admin)
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    create_account(
        &app,
        &tenant,
        "member@example.test",
        "pw-member-123456",
        Role::Member,
    )
    .await;
    let quitter = create_account(
        &app,
        &tenant,
        "quit@example.test",
        "pw-quit-12345678",
        Role::Treasurer,
    )
    .await;
    let mut tx = app.tenant_tx(&tenant).await;
    sqlx::query("INSERT INTO mail_opt_outs (account_id, topic) VALUES ($1, 'treasurer_digest')")
        .bind(quitter)
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(run(&app, &tenant, 100).await.digests, 2);
    nth_mail(&sink, 2).await;
    assert_eq!(run(&app, &tenant, 100).await.digests, 0);
    settle().await;
    let mut to: Vec<String> = sink.mails().into_iter().map(|m| m.to).collect();
    to.sort();
    assert!(to[0].ends_with("<admin@example.test>"), "{to:?}");
    assert!(to[1].ends_with("<treasurer@example.test>"), "{to:?}");
    // Each in the reader's language, every string translated.
    let mails = sink.mails();
    assert!(mails.iter().any(|m| m.subject.contains("treasurer’s week")));
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("semaine de trésorerie"))
    );
    for mail in &mails {
        for part in [&mail.subject, &mail.text, &mail.html] {
            assert!(!part.contains("mail-"), "an untranslated key: {part}");
        }
    }
    // Next week, it goes again.
    let next_week = reminders::digest::iso_week(today() + Duration::days(7));
    assert_ne!(next_week, reminders::digest::iso_week(today()));
    let mut tx = app.tenant_tx(&tenant).await;
    let sent = tessera::contributions::reminders::digest::send_if_due(
        &mut tx,
        &linker(&app),
        today() + Duration::days(7),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(sent, 2);
}
