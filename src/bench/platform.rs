//! The platform's own workloads, against a server started in this process
//! on the bench database and reached over HTTP on loopback:
//! - W4 through the white-label API: `POST /api/v1/platform/tenants` with
//!   an operator's token, one creation after another;
//! - sign-up to live: from the click on the confirmation button (the
//!   mailed link's form) until the new portal answers 200 on its host.
//!
//! Everything created is deleted and purged afterwards.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, header};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::Timings;
use crate::app::Application;
use crate::config::{Config, MailTransport};
use crate::db::Database;
use crate::platform::operators::OperatorRole;
use crate::platform::signup::SignupForm;
use crate::state::AppState;
use crate::tenancy::audit::Actor;

#[derive(Debug, Clone, serde::Serialize)]
pub struct PlatformReport {
    /// W4 through the API: each creation's round trip.
    pub api_create: Timings,
    /// Confirmation to the first 200 of the new portal.
    pub signup_to_live: Timings,
}

pub async fn run(
    config: &Config,
    db: Database,
    creations: usize,
    signups: usize,
) -> anyhow::Result<PlatformReport> {
    let mut config = config.clone();
    config.http.port = 0;
    config.metrics.port = None;
    config.mail.transport = Some(MailTransport::Log);
    let app = Application::build(config, db).await?;
    let addr = app
        .local_addr()
        .ok_or_else(|| anyhow::anyhow!("no address"))?;
    let state = app.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let run = std::process::id();
    let api_create = api_creations(&state, addr, run, creations).await?;
    let signup_to_live = signups_to_live(&state, addr, run, signups).await?;
    clean_up(&state, run).await?;
    let _ = stop.send(());
    let _ = server.await;
    Ok(PlatformReport {
        api_create,
        signup_to_live,
    })
}

async fn api_creations(
    state: &AppState,
    addr: SocketAddr,
    run: u32,
    count: usize,
) -> anyhow::Result<Timings> {
    let email = format!("bench-{run}@platform.bench");
    let actor = Actor::from("bench");
    state
        .operators
        .create(
            &email,
            "bench",
            OperatorRole::Operator,
            Some("bench operator password 2026"),
            &actor,
        )
        .await?;
    let token = state
        .operators
        .issue_token(&email, "bench", None, 1, &actor)
        .await?;
    let platform = state.config.platform_host.to_string();
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let body = serde_json::json!({ "slug": format!("w4api-{run}-{i}"), "name": format!("W4 API {i}") });
        let started = Instant::now();
        let (status, answer) = call(
            addr,
            Method::POST,
            &platform,
            "/api/v1/platform/tenants",
            Some(&token),
            Some(body),
        )
        .await?;
        samples.push(started.elapsed());
        anyhow::ensure!(status == 201, "creation {i}: {status} {answer}");
    }
    Ok(Timings::from_samples(&samples))
}

async fn signups_to_live(
    state: &AppState,
    addr: SocketAddr,
    run: u32,
    count: usize,
) -> anyhow::Result<Timings> {
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let slug = format!("signup-{run}-{i}");
        let email = format!("signup-{run}-{i}@association.bench");
        let form = SignupForm {
            name: format!("Association {i}"),
            slug: slug.clone(),
            email: email.clone(),
            theme: "default".into(),
            accept: Some("1".into()),
            ..Default::default()
        };
        state
            .signups
            .submit(&form, None, "fr", None)
            .await?
            .map_err(|refused| anyhow::anyhow!("refused: {refused:?}"))?;
        let token = mailed_token(state, &email).await?;
        let host = format!("{slug}.{}", state.config.base_domain);
        let started = Instant::now();
        state
            .signups
            .confirm(&token, None)
            .await?
            .ok_or_else(|| anyhow::anyhow!("link refused"))?;
        while call(addr, Method::GET, &host, "/", None, None).await?.0 != 200 {
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(30),
                "{host} never went live"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        samples.push(started.elapsed());
    }
    Ok(Timings::from_samples(&samples))
}

/// The confirmation token mailed to `email`, read from its mail job (any
/// instance's worker may send it: another server may share the database).
async fn mailed_token(state: &AppState, email: &str) -> anyhow::Result<String> {
    let link: Option<String> = sqlx::query_scalar(
        "SELECT payload->'data'->>'link' FROM platform.jobs
         WHERE kind = 'platform.mail' AND payload->>'to' = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(email)
    .fetch_optional(state.db.platform())
    .await?;
    let token = link
        .as_deref()
        .and_then(|l| l.split_once("/signup/confirm/"))
        .map(|(_, token)| token.to_owned());
    token.ok_or_else(|| anyhow::anyhow!("no mail for {email}"))
}

async fn clean_up(state: &AppState, run: u32) -> anyhow::Result<()> {
    let slugs: Vec<String> =
        sqlx::query_scalar("SELECT slug FROM platform.tenants WHERE slug ~ $1")
            .bind(format!("^(w4api|signup)-{run}-"))
            .fetch_all(state.db.platform())
            .await?;
    for slug in slugs {
        let slug = crate::model::Slug::from_db(&slug)?;
        let id = state.provisioner.id_of(&slug).await?;
        state.provisioner.delete(&slug, "bench").await?;
        state.provisioner.purge(id, "bench").await?;
    }
    Ok(())
}

/// One HTTP/1.1 request on a new connection: the status and the body.
async fn call(
    addr: SocketAddr,
    method: Method,
    host: &str,
    path: &str,
    token: Option<&str>,
    json: Option<serde_json::Value>,
) -> anyhow::Result<(u16, String)> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, host);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match json {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = sender.send_request(request.body(body)?).await?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}
