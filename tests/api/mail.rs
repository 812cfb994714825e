//! Mail, read back from a real SMTP server: themed with the tenant's brand
//! and language, multipart, the links intact; exactly one copy of each mail
//! across a worker's death; the outbox only on the platform host.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tessera::config::{Config, MailTransport};
use tessera::mail::{self, Mail};
use tessera::model::{Email, Tenant};
use tessera::platform::operators::OperatorRole;

use crate::helpers::console::signed_in_operator;
use crate::helpers::smtp::{ReadMail, SmtpSink};
use crate::helpers::{TestApp, migrated_database, spawn_app_with};
use crate::jobs::fast_config;

fn smtp_config(sink: &SmtpSink) -> Config {
    let mut config = fast_config();
    config.mail.transport = Some(MailTransport::Smtp);
    config.mail.smtp_url = Some(sink.url().into());
    config.mail.from = "noreply@tessera.test".into();
    config
}

fn verify(to: &str, locale: &str, link: &str) -> Mail {
    Mail {
        to: Email::parse(to).unwrap(),
        to_name: Some("Zoé Martin".into()),
        template: "verify-email",
        locale: locale.into(),
        data: json!({"name": "Zoé Martin", "link": link}),
    }
}

async fn queue(app: &TestApp, tenant: &Arc<Tenant>, mail: &Mail) {
    let mut tx = app.tenant_tx(tenant).await;
    mail::queue(&mut tx, mail).await.unwrap();
    tx.commit().await.unwrap();
}

/// Runs every due job with the app's own handlers.
async fn deliver(app: &TestApp) {
    let worker = tessera::app::job_worker(&app.state);
    while !worker.run_once().await.unwrap().is_empty() {}
}

#[tokio::test]
async fn a_mail_arrives_multipart_branded_and_in_the_readers_language() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, smtp_config(&sink)).await;
    let (tenant, _) = app.create_tenant("mail-brand", "Vélo Club Étoile").await;
    let link = "https://velo.example/accounts/verify?token=abc123&next=%2F";
    queue(&app, &tenant, &verify("zoe@example.org", "fr", link)).await;
    queue(&app, &tenant, &verify("zoe@example.org", "en", link)).await;
    deliver(&app).await;

    let mails = sink.mails();
    assert_eq!(mails.len(), 2);
    let (fr, en) = (&mails[0], &mails[1]);
    assert_eq!(
        fr.subject,
        "Confirmez votre adresse e-mail pour Vélo Club Étoile"
    );
    assert_eq!(
        en.subject,
        "Confirm your email address for Vélo Club Étoile"
    );
    assert_eq!(fr.content_type, "multipart/alternative");
    assert!(
        fr.from.contains("Vélo Club Étoile") && fr.from.contains("<noreply@tessera.test>"),
        "{}",
        fr.from
    );
    assert!(fr.to.contains("zoe@example.org"), "{}", fr.to);
    assert!(fr.message_id.starts_with("<job-") && fr.message_id.ends_with("@tessera.test>"));
    // The link arrives whole in both parts (escaped as HTML requires).
    assert!(fr.text.contains(link), "{}", fr.text);
    assert!(fr.html.contains(&link.replace('&', "&amp;")), "{}", fr.html);
    assert!(fr.text.contains("Bonjour Zoé Martin") && fr.text.contains("Confirmer mon adresse"));
    assert!(en.text.contains("Hello Zoé Martin") && en.text.contains("Confirm my address"));
    assert!(fr.html.contains("<html lang=\"fr\">") && en.html.contains("<html lang=\"en\">"));
    assert!(
        fr.html.contains("Vélo Club Étoile"),
        "the brand's name heads the mail"
    );
    // The brand's colour (the default one here) styles the header.
    assert!(
        fr.html
            .contains(&format!("background:{}", tenant.brand.primary_or_default()))
    );
}

#[tokio::test]
async fn every_template_renders_in_both_languages() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, smtp_config(&sink)).await;
    let (tenant, _) = app.create_tenant("mail-all", "Les Amis du Parc").await;
    let data = json!({
        "name": "Ana", "inviter": "Paul Durand", "link": "https://parc.example/x?t=1",
        "event": "password-changed", "when": "2026-03-01T10:30:00Z",
    });
    let templates = [
        "verify-email",
        "reset-password",
        "invitation",
        "email-change",
        "security-notice",
    ];
    for template in templates {
        for locale in ["fr", "en"] {
            let mail = Mail {
                to: Email::parse("ana@example.org").unwrap(),
                to_name: None,
                template,
                locale: locale.into(),
                data: data.clone(),
            };
            queue(&app, &tenant, &mail).await;
        }
    }
    deliver(&app).await;
    let mails: Vec<ReadMail> = sink.mails();
    assert_eq!(mails.len(), 10);
    for mail in &mails {
        for part in [&mail.subject, &mail.text, &mail.html] {
            assert!(!part.contains("mail-"), "an untranslated key: {part}");
        }
        assert!(
            mail.subject.contains("Les Amis du Parc"),
            "{}",
            mail.subject
        );
        assert!(mail.text.contains("Les Amis du Parc"));
    }
    let invitation = mails
        .iter()
        .find(|m| m.subject.contains("invitation"))
        .unwrap();
    assert!(
        invitation.text.contains("Paul Durand vous invite"),
        "{}",
        invitation.text
    );
    let notice = mails
        .iter()
        .find(|m| m.subject.starts_with("Security notice"))
        .unwrap();
    assert!(
        notice.text.contains("Your password was changed."),
        "{}",
        notice.text
    );
    assert!(notice.text.contains("2026"), "{}", notice.text);
}

#[tokio::test]
async fn a_restart_mid_run_neither_loses_nor_duplicates_a_mail() {
    let sink = SmtpSink::start();
    let options = migrated_database().await;
    let first = spawn_app_with(options.clone(), smtp_config(&sink)).await;
    let (tenant, _) = first.create_tenant("mail-restart", "Restart").await;
    queue(
        &first,
        &tenant,
        &verify("before@example.org", "fr", "https://x.example/1"),
    )
    .await;
    queue(
        &first,
        &tenant,
        &verify("after@example.org", "fr", "https://x.example/2"),
    )
    .await;

    // The first instance claims both, then stops: one mail before sending
    // it, the other after sending it but before finishing its job.
    let worker = tessera::app::job_worker(&first.state);
    let claimed = worker.claim(2).await.unwrap();
    assert_eq!(claimed.len(), 2);
    worker.execute(&claimed[1]).await.unwrap();
    drop((worker, first));
    assert_eq!(sink.count(), 1);

    // A second instance, its worker on, takes both over once the lease ran out.
    let mut config = smtp_config(&sink);
    config.jobs.workers = 2;
    let second = spawn_app_with(options, config).await;
    let started = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM platform.jobs WHERE kind = 'mail' AND state <> 'done'",
        )
        .fetch_one(second.pool())
        .await
        .unwrap();
        if waiting == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the mails were never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut recipients: Vec<String> = sink.mails().into_iter().map(|m| m.to).collect();
    recipients.sort();
    assert_eq!(
        recipients,
        vec![
            "Zoé Martin <after@example.org>",
            "Zoé Martin <before@example.org>"
        ],
        "each mail exactly once"
    );
}

#[tokio::test]
async fn the_outbox_keeps_mails_and_shows_them_on_the_platform_host_only() {
    let mut config = fast_config();
    config.mail.transport = Some(MailTransport::Outbox);
    let app = spawn_app_with(migrated_database().await, config).await;
    let (tenant, _) = app.create_tenant("mail-outbox", "Boîte d’envoi").await;
    let link = "https://outbox.example/verify?token=t0k3n";
    queue(&app, &tenant, &verify("demo@example.org", "en", link)).await;
    deliver(&app).await;

    let platform = app.state.config.platform_host.as_str().to_owned();
    // Behind the operators' sign-in, like the rest of the platform host.
    let anonymous = app.get(&platform, "/outbox").await;
    assert_eq!(anonymous.status(), 303);
    let (mut console, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    let page = console.get("/outbox").await;
    let (status, list) = (page.status, page.body);
    assert_eq!(status, 200);
    assert!(
        list.contains("Confirm your email address for Boîte d’envoi"),
        "{list}"
    );
    assert!(list.contains("demo@example.org"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM platform.outbox")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let shown = console.get(&format!("/outbox/{id}")).await;
    let (status, page) = (shown.status, shown.body);
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("<a href=\"{link}\">")),
        "the link can be followed"
    );
    assert_eq!(console.get("/outbox/999999").await.status, 404);
    // A mail that can never be sent is dead-lettered, and listed there.
    let bogus = tessera::jobs::NewJob::new("mail", json!({"not": "a mail"}));
    tessera::jobs::enqueue_platform(app.pool(), Some(tenant.id), bogus)
        .await
        .unwrap();
    deliver(&app).await;
    let page = console.get("/outbox/dead").await;
    let (status, dead) = (page.status, page.body);
    assert_eq!(status, 200);
    assert!(
        dead.contains("<td>mail</td>") && dead.contains("not a mail"),
        "{dead}"
    );
    assert_eq!(console.get("/outbox/x").await.status, 404);
    // Never on a tenant's host.
    let host = tenant.default_host.as_str();
    assert_eq!(app.get_text(host, "/outbox").await.0, 404);
    assert_eq!(app.get_text(host, &format!("/outbox/{id}")).await.0, 404);
    assert_eq!(app.get_text(host, "/outbox/dead").await.0, 404);

    // With another transport, the platform host has no outbox either.
    let sink = SmtpSink::start();
    let smtp = spawn_app_with(migrated_database().await, smtp_config(&sink)).await;
    let (mut console, _, _) = signed_in_operator(&smtp, OperatorRole::Operator).await;
    assert_eq!(console.get("/outbox").await.status, 404);
    assert_eq!(console.get("/outbox/dead").await.status, 404);
}
