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
    let from = (chrono::Utc::now().date_naive() - chrono::Days::new(70)).to_string();
    // The CSV's size is the rows' size: what holding them would cost at least.
    let mut rows_bytes = 0;
    for format in ["csv", "xlsx", "json"] {
        let baseline = resident_kib(pid);
        let reply = get(format!(
            "/api/v1/reports/payments?from={from}&format={format}"
        ))
        .await
        .expect("download");
        assert_eq!(reply.status(), 200, "{format}");
        let mut reply = reply;
        let (mut bytes, mut peak, mut newlines) = (0_usize, baseline, 0_usize);
        while let Some(chunk) = reply.chunk().await.expect("chunk") {
            bytes += chunk.len();
            newlines += chunk.iter().filter(|b| **b == b'\n').count();
            peak = peak.max(resident_kib(pid));
        }
        let grown_kib = peak.saturating_sub(baseline);
        eprintln!("{format}: {bytes} bytes, resident +{grown_kib} KiB");
        if format == "csv" {
            assert_eq!(newlines, PAYMENTS as usize + 1, "header and every payment");
            rows_bytes = bytes;
        }
        assert!(bytes > 1_000_000, "{format}: {bytes} bytes");
        assert!(
            (grown_kib as usize) * 1024 < rows_bytes / 2,
            "{format}: resident memory grew by {grown_kib} KiB for {rows_bytes} bytes of rows"
        );
    }
}
