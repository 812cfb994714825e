//! `tessera demo`: the product on a laptop. Embedded PostgreSQL, migrations,
//! the tenants of `tenants/`, a little sample content, and HTTP on
//! 127.0.0.1:8080 with each tenant's URL printed.

use std::process::ExitCode;

use super::serve::migrate_at_start;
use super::{DatabaseHandle, shutdown_signal};
use crate::app::Application;
use crate::config::{Config, MailTransport, PublicScheme};
use crate::manifest;
use crate::seed;

pub async fn run(mut config: Config) -> anyhow::Result<ExitCode> {
    // Mails are kept and shown on the platform host unless configured.
    config.mail.transport.get_or_insert(MailTransport::Outbox);
    // Browsers reach the demo over plain HTTP on its port: so do mailed links.
    config.http.public_scheme.get_or_insert(PublicScheme::Http);
    if config.http.port != 0 {
        config.http.public_port.get_or_insert(config.http.port);
    }
    // `--https-port`: certificates for every demo host from a local CA.
    if config.tls.https_port.is_some() && config.tls.acme.directory.is_none() {
        config.tls.local_ca = true;
    }
    let handle = DatabaseHandle::open(&config).await?;
    let served = demo(&handle, config).await;
    handle.close().await?;
    served.map(|()| ExitCode::SUCCESS)
}

async fn demo(handle: &DatabaseHandle, config: Config) -> anyhow::Result<()> {
    migrate_at_start(handle, &config).await?;
    let app = Application::build(config, handle.db.clone()).await?;
    let state = app.state().clone();
    let manifests = seed::demo::manifests(&state.config.tenants_dir)?;
    manifest::check(&manifests, &state.themes)?;
    let report = manifest::apply(&state.provisioner, &manifests, false, "demo").await?;
    for slug in &report.created {
        println!("created tenant {slug}");
    }
    for slug in manifest::sync_files(&state.db, &manifests).await? {
        println!("updated the templates and static files of {slug}");
    }
    seed::demo::seed_all(&state, &manifests).await?;
    let port = app
        .local_addr()
        .map_or(state.config.http.port, |a| a.port());
    let logins = seed::logins::seed(&state, &manifests, port).await?;
    seed::contributions::seed_all(&state, &manifests).await?;
    seed::affiliation::seed_all(&state, &manifests).await?;
    seed::federation::seed_all(&state, &manifests).await?;
    seed::reporting::seed_all(&state, &manifests).await?;
    seed::notifications::seed_all(&state, &manifests).await?;
    seed::documents::seed_all(&state, &manifests).await?;
    seed::dashboards::seed_all(&state, &manifests).await?;
    seed::direct_debit::seed_all(&state, &manifests).await?;
    seed::card_payments::seed_all(&state, &manifests).await?;
    seed::tax_receipts::seed_all(&state, &manifests).await?;
    seed::privacy::seed_all(&state, &manifests).await?;
    seed::operator::seed(&state).await?;
    println!("\nDemo logins:\n{}", seed::logins::table(&logins));
    println!(
        "\nOperators' console: http://{}:{port}/login as {} ({}); the first sign-in \
         enrols an authenticator app (TOTP).",
        state.config.platform_host,
        seed::operator::DEMO_OPERATOR,
        seed::logins::DEMO_PASSWORD
    );
    println!("\nTessera demo is running. Open:");
    for (slug, manifest) in &manifests {
        println!(
            "  http://{slug}.{}:{port}/   {}",
            state.config.base_domain, manifest.name
        );
    }
    if state.mailer.transport() == MailTransport::Outbox {
        println!(
            "  http://{}:{port}/outbox   (mails sent by the portals; operators' sign-in)",
            state.config.platform_host
        );
    }
    if let Some(https) = app.https_addr() {
        let slugs: Vec<&str> = manifests.iter().map(|(slug, _)| slug.as_str()).collect();
        print_https(&state, &slugs, https.port());
    }
    if let Some(metrics) = app.metrics_addr() {
        println!("  http://{metrics}/metrics   (Prometheus, this machine only)");
    }
    println!("\nPress Ctrl-C to stop (PostgreSQL stops with it).");
    app.run_until(shutdown_signal()).await?;
    println!("stopping…");
    Ok(())
}

/// The HTTPS addresses, and the CA to trust for them.
fn print_https(state: &crate::state::AppState, slugs: &[&str], port: u16) {
    let tls = &state.config.tls;
    println!(
        "\nOver HTTPS (certificates from the local CA in {}):",
        tls.local_ca_dir.display()
    );
    println!("  https://{}:{port}/", state.config.platform_host);
    for slug in slugs {
        println!("  https://{slug}.{}:{port}/", state.config.base_domain);
    }
    let ca = tls.local_ca_dir.join(crate::tls::local_ca::CA_CERT);
    println!(
        "  Trust {} once in your browser or system (README: \"HTTPS in the demo\").",
        ca.display()
    );
}
