//! A report of 100,000 payments streams with flat memory: a `tessera
//! serve` process answers CSV, XLSX and JSON downloads of them while its
//! resident memory is sampled; it grows by far less than the files.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::contributions_fixture::{app, desk};
use crate::helpers::cluster::database_url;
use crate::helpers::shared_database;

const PAYMENTS: i64 = 100_000;

fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn a_report_of_100000_payments_streams_in_flat_memory() {
    let app = app().await;
    let desk = desk(&app, "rep-memory").await;
    let mut tx = app.tenant_tx(&desk.tenant).await;
    sqlx::query(
        "INSERT INTO payments (payer_id, amount_minor, currency, method, status, received_on, paid_at, note)
         SELECT $1, 1000 + n % 5000, 'EUR', 'transfer', 'paid', current_date - (n % 60)::int, now(),
                'virement de la cotisation numéro ' || n
         FROM generate_series(1, $2) AS n",
    )
    .bind(desk.treasurer)
    .bind(PAYMENTS)
    .execute(tx.conn().await.expect("conn"))
    .await
    .expect("payments");
    tx.commit().await.expect("commit");

    let port = free_port();
    let url = database_url(&shared_database().await);
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_tessera"))
            .env("RUST_LOG", "warn")
            .env("DATABASE_URL", url)
            // Its memory is the downloads' alone: no jobs (the shared
            // database holds every other test's tenants), no spare schemas.
            .env("TESSERA_JOBS__WORKERS", "0")
            .env("TESSERA_WARM_POOL__SIZE", "0")
            .args(["serve", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    );
    let pid = server.0.id();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let get = |path: String| {
        http.get(format!("{base}{path}"))
            .header("Host", &desk.host)
            .header("Authorization", format!("Bearer {}", desk.token))
            .send()
    };
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(reply) =
            get("/api/v1/reports/payments?from=2000-01-01&to=2000-01-02".into()).await
            && reply.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the server answers");
    // A tenth of the payments (six days of sixty), then all of them: the
    // server's peak memory must not follow the number of rows. The extra
    // rows' size is the format's extra bytes (the CSV's for XLSX, which is
    // compressed); holding them as values would cost several times that,
    // streaming costs allocator slack only.
    let today = chrono::Utc::now().date_naive();
    let small = (today - chrono::Days::new(5)).to_string();
    let large = (today - chrono::Days::new(70)).to_string();
    let mut extra_rows_bytes = 0;
    for format in ["csv", "xlsx", "json"] {
        let (small_bytes, small_peak) = download(&get, pid, &small, format).await;
        let (large_bytes, large_peak) = download(&get, pid, &large, format).await;
        eprintln!(
            "{format}: {small_bytes} then {large_bytes} bytes, peak {small_peak} then {large_peak} KiB"
        );
        assert!(
            large_bytes > 5 * small_bytes,
            "{format}: {small_bytes} then {large_bytes}"
        );
        // XLSX is measured against the CSV's rows; the others against
        // their own bytes.
        if format != "xlsx" {
            extra_rows_bytes = large_bytes - small_bytes;
        }
        let grown = large_peak.saturating_sub(small_peak) as usize * 1024;
        assert!(
            grown < extra_rows_bytes / 2,
            "{format}: the peak grew by {grown} bytes for {extra_rows_bytes} more bytes of rows"
        );
    }
    let (csv_rows, _) = download(&get, pid, &large, "csv-lines").await;
    assert_eq!(csv_rows, PAYMENTS as usize + 1, "header and every payment");
}

/// Downloads the payments report from `from` in `format` (`csv-lines`:
/// the CSV's line count instead of its size), sampling the server's
/// resident memory; returns the size and the highest sample (KiB).
async fn download<F, Fut>(get: &F, pid: u32, from: &str, format: &str) -> (usize, u64)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let lines = format == "csv-lines";
    let asked = if lines { "csv" } else { format };
    let mut reply = get(format!(
        "/api/v1/reports/payments?from={from}&format={asked}"
    ))
    .await
    .expect("download");
    assert_eq!(reply.status(), 200, "{format}");
    let (mut size, mut peak) = (0_usize, resident_kib(pid));
    while let Some(chunk) = reply.chunk().await.expect("chunk") {
        size += match lines {
            true => chunk.iter().filter(|b| **b == b'\n').count(),
            false => chunk.len(),
        };
        peak = peak.max(resident_kib(pid));
    }
    (size, peak)
}
