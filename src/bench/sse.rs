//! `tessera bench sse`: live-figure streams against a running server.
//! Opens `streams` SSE streams (`/api/v1/dashboard/stream`) spread over the
//! first `tenants` bench tenants, each as its treasurer (one log-in per
//! tenant, on `login_port` so that the measured server hashes no
//! password), reads the server's RSS (`/proc/<pid>/status`, VmRSS) before
//! and after, then publishes one marker event per tenant through the
//! database (`live::publish`, as a payment would) and times its arrival
//! on every stream from the first commit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, Response, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use super::Timings;
use crate::db::{Database, TenantTx};
use crate::live::{LiveEvent, PaymentChange, PaymentEvent};
use crate::model::{Slug, Tenant};
use crate::tenancy::registry;

/// The payer's name of the marker event streams wait for.
const MARKER: &str = "bench-sse-marker";
/// How long streams may take to open, and the marker to arrive.
const PATIENCE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Options {
    /// The measured server.
    pub addr: SocketAddr,
    /// Where treasurers log in (another server on the same database).
    pub login_addr: SocketAddr,
    /// The measured server's process, for its RSS.
    pub pid: Option<u32>,
    pub streams: usize,
    pub tenants: usize,
    /// Wait between the last stream opened and the second RSS reading.
    pub settle: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct SseReport {
    pub streams: usize,
    pub tenants: usize,
    /// Streams that opened (200 and their first `totals`).
    pub opened: usize,
    pub refused: usize,
    /// From the first request to the last stream's first `totals`.
    pub open_s: f64,
    pub rss_before_kib: Option<u64>,
    pub rss_after_kib: Option<u64>,
    /// The growth from before the first stream, per stream.
    pub kib_per_stream: Option<f64>,
    /// The growth while the second half opened, per stream of that half.
    pub kib_per_added_stream: Option<f64>,
    /// Streams the marker reached.
    pub delivered: usize,
    /// Per stream, from the first commit to the marker's arrival.
    pub fanout: Timings,
}

/// One bench tenant: its host, a treasurer's token, its row.
struct Target {
    host: String,
    token: String,
    tenant: Arc<Tenant>,
}

pub async fn run(db: &Database, options: &Options) -> anyhow::Result<SseReport> {
    let targets = targets(db, options).await?;
    let before = rss_kib(options.pid);
    let started = Instant::now();
    let (arrived_tx, mut arrived) = mpsc::channel(options.streams.max(1));
    // Two waves: the second's growth is what one more stream costs, without
    // what the first streams of a tenant and the connection pool set up once.
    let half = options.streams / 2;
    let first = open_wave(options, &targets, 0..half, &arrived_tx).await?;
    tokio::time::sleep(options.settle).await;
    let middle = rss_kib(options.pid);
    let second = open_wave(options, &targets, half..options.streams, &arrived_tx).await?;
    drop(arrived_tx);
    let (opened, refused) = (first.0 + second.0, first.1 + second.1);
    let open_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(options.settle).await;
    let after = rss_kib(options.pid);
    let first_commit = Instant::now();
    for target in &targets {
        publish_marker(db, target.tenant.clone()).await?;
    }
    let mut samples = Vec::with_capacity(opened);
    while samples.len() < opened {
        match tokio::time::timeout(PATIENCE, arrived.recv()).await {
            Ok(Some(at)) => samples.push(at - first_commit),
            _ => break,
        }
    }
    let per = |from: Option<u64>, streams: usize| match (from, after) {
        (Some(b), Some(a)) if streams > 0 => Some((a as f64 - b as f64) / streams as f64),
        _ => None,
    };
    Ok(SseReport {
        streams: options.streams,
        tenants: targets.len(),
        opened,
        refused,
        open_s,
        rss_before_kib: before,
        rss_after_kib: after,
        kib_per_stream: per(before, opened),
        kib_per_added_stream: per(middle, second.0),
        delivered: samples.len(),
        fanout: Timings::from_samples(&samples),
    })
}

/// Opens streams `range` (round robin over the targets) and waits until
/// each is open or refused: `(opened, refused)`.
async fn open_wave(
    options: &Options,
    targets: &[Target],
    range: std::ops::Range<usize>,
    arrived: &mpsc::Sender<Instant>,
) -> anyhow::Result<(usize, usize)> {
    let count = range.len();
    let (ready_tx, mut ready) = mpsc::channel(count.max(1));
    for n in range {
        let target = &targets[n % targets.len()];
        let request = Request::builder()
            .uri("/api/v1/dashboard/stream")
            .header(header::HOST, &target.host)
            .header(header::AUTHORIZATION, format!("Bearer {}", target.token))
            .body(Body::empty())?;
        tokio::spawn(stream(
            options.addr,
            request,
            ready_tx.clone(),
            arrived.clone(),
        ));
    }
    drop(ready_tx);
    let (mut opened, mut refused) = (0, 0);
    while opened + refused < count {
        match tokio::time::timeout(PATIENCE, ready.recv()).await {
            Ok(Some(true)) => opened += 1,
            Ok(Some(false)) => refused += 1,
            _ => break,
        }
    }
    Ok((opened, refused))
}

/// The first `tenants` bench tenants, each with a treasurer's token.
async fn targets(db: &Database, options: &Options) -> anyhow::Result<Vec<Target>> {
    let mut targets = Vec::new();
    for n in 1..=options.tenants.max(1) {
        let slug = super::bench_slug(n);
        let Some(tenant) = registry::find_by_slug(db.platform(), &Slug::parse(&slug)?).await?
        else {
            anyhow::bail!("no tenant {slug}: run `tessera bench seed` first");
        };
        let host = format!("{slug}.{}", super::BENCH_DOMAIN);
        let token = login(options.login_addr, &host, &slug).await?;
        targets.push(Target {
            host,
            token,
            tenant: Arc::new(tenant),
        });
    }
    Ok(targets)
}

async fn login(addr: SocketAddr, host: &str, slug: &str) -> anyhow::Result<String> {
    let body = serde_json::json!({
        "email": super::payments::treasurer_email(slug),
        "password": super::payments::TREASURER_PASSWORD,
    });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))?;
    let response = send(addr, request).await?;
    anyhow::ensure!(
        response.status().is_success(),
        "log-in at {host}: HTTP {}",
        response.status()
    );
    let bytes = response.into_body().collect().await?.to_bytes();
    let reply: serde_json::Value = serde_json::from_slice(&bytes)?;
    reply["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no access token for {host}"))
}

/// `request` on a connection of its own (HTTP/1.1).
async fn send(addr: SocketAddr, request: Request<Body>) -> anyhow::Result<Response<Incoming>> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender.send_request(request).await?)
}

/// One stream: tells `ready` once its first `totals` came (or that it was
/// refused), then `arrived` when the marker does.
async fn stream(
    addr: SocketAddr,
    request: Request<Body>,
    ready: mpsc::Sender<bool>,
    arrived: mpsc::Sender<Instant>,
) {
    let mut body = match send(addr, request).await {
        Ok(response) if response.status().is_success() => response.into_body(),
        _ => {
            let _ = ready.send(false).await;
            return;
        }
    };
    let mut seen = String::new();
    let mut opened = false;
    while let Some(Ok(frame)) = body.frame().await {
        let Some(chunk) = frame.data_ref() else {
            continue;
        };
        seen.push_str(&String::from_utf8_lossy(chunk));
        if !opened && (seen.contains("event: totals") || seen.contains("event:totals")) {
            opened = true;
            let _ = ready.send(true).await;
        }
        if seen.contains(MARKER) {
            let _ = arrived.send(Instant::now()).await;
            return;
        }
        // Only what may still hold the start of the marker is kept.
        keep_tail(&mut seen, 256);
    }
    if !opened {
        let _ = ready.send(false).await;
    }
}

fn keep_tail(text: &mut String, bytes: usize) {
    if text.len() <= bytes * 4 {
        return;
    }
    let mut cut = text.len() - bytes;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.drain(..cut);
}

async fn publish_marker(db: &Database, tenant: Arc<Tenant>) -> anyhow::Result<()> {
    let event = LiveEvent::Payment(PaymentEvent {
        id: 0,
        amount: "0.00".into(),
        currency: "EUR".into(),
        method: "other".into(),
        change: PaymentChange::Recorded,
        payer: MARKER.into(),
    });
    let mut tx = TenantTx::begin(db, tenant).await?;
    crate::live::publish(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// The resident set of process `pid`, in KiB.
fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
