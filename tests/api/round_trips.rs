//! Round trips to PostgreSQL, counted on the wire: the application talks to
//! the cluster through a loopback proxy that reads the client's side of the
//! protocol and counts the messages that make the server answer (`Query` of
//! the simple protocol, `Sync` of the extended one). Also the request's
//! lazy transaction: committed on success, rolled back on an error.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use tessera::db::TxScope;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{TestApp, publish, shared_database, spawn_app, spawn_app_with, test_config};

/// Forwards connections to PostgreSQL and counts round trips.
pub(crate) struct CountingProxy {
    port: u16,
    round_trips: Arc<AtomicU64>,
}

impl CountingProxy {
    async fn start(target: (String, u16)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let round_trips = Arc::new(AtomicU64::new(0));
        let counter = round_trips.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect((target.0.as_str(), target.1))
                    .await
                    .unwrap();
                tokio::spawn(relay(client, server, counter.clone()));
            }
        });
        Self { port, round_trips }
    }

    pub(crate) fn count(&self) -> u64 {
        self.round_trips.load(Ordering::SeqCst)
    }
}

async fn relay(client: TcpStream, server: TcpStream, counter: Arc<AtomicU64>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut parser = FrontendParser::default();
    let mut buffer = vec![0u8; 64 * 1024];
    while let Ok(n) = client_read.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        parser.feed(&buffer[..n], &counter);
        if server_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
}

/// Splits the client's byte stream into protocol messages: first the
/// untyped startup packet, then `type, length, body` messages.
#[derive(Default)]
struct FrontendParser {
    pending: Vec<u8>,
    started: bool,
    /// Parse, Bind, Execute or Describe sent since the last Sync.
    statements_pending: bool,
}

impl FrontendParser {
    /// A `Query`, or a `Sync` that ends statements, is a round trip of ours.
    /// A bare `Sync` is sqlx testing a connection it puts back in its pool,
    /// off the request's path.
    fn count(&mut self, message: u8, counter: &AtomicU64) {
        match message {
            b'Q' => {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            b'S' if self.statements_pending => {
                counter.fetch_add(1, Ordering::SeqCst);
                self.statements_pending = false;
            }
            b'P' | b'B' | b'E' | b'D' => self.statements_pending = true,
            _ => {}
        }
    }

    fn feed(&mut self, bytes: &[u8], counter: &AtomicU64) {
        self.pending.extend_from_slice(bytes);
        loop {
            let header = if self.started { 5 } else { 4 };
            if self.pending.len() < header {
                return;
            }
            let at = header - 4;
            let length = u32::from_be_bytes(self.pending[at..at + 4].try_into().unwrap()) as usize;
            let total = at + length;
            if self.pending.len() < total {
                return;
            }
            if self.started {
                self.count(self.pending[0], counter);
            } else {
                self.started = true;
            }
            self.pending.drain(..total);
        }
    }
}

/// The proxy stands where the tenant pools connect: PostgreSQL, or the
/// pooler when the suite runs through one (round trips are the client's
/// either way).
pub(crate) async fn app_behind_proxy() -> (TestApp, CountingProxy) {
    let options = shared_database().await;
    let mut config = test_config();
    if let Some(mut pooler) = crate::helpers::pooler::pooler() {
        let proxy = CountingProxy::start((pooler.host.clone(), pooler.port)).await;
        (pooler.host, pooler.port) = ("127.0.0.1".into(), proxy.port);
        config.db.pooler = Some(pooler);
        return (spawn_app_with(options, config).await, proxy);
    }
    let proxy = CountingProxy::start((options.get_host().to_owned(), options.get_port())).await;
    let proxied: PgConnectOptions = options
        .host("127.0.0.1")
        .port(proxy.port)
        .ssl_mode(PgSslMode::Disable);
    (spawn_app_with(proxied, config).await, proxy)
}

/// A flash cookie makes the portal render instead of using its page cache.
const UNCACHED: [(&str, &str); 1] = [("cookie", "flash=info:hello")];

#[tokio::test]
async fn an_uncached_portal_page_costs_one_round_trip() {
    let (app, proxy) = app_behind_proxy().await;
    let (tenant, _) = app.create_tenant("trips", "Round trips").await;
    publish(&app, &tenant, "Assemblée générale").await;
    publish(&app, &tenant, "Sortie du dimanche").await;
    let host = tenant.default_host.as_str();
    // Once the publications' notifications have come back, the host, the
    // tenant's files and the page stay in memory: no database at all.
    let mut cached = false;
    for _ in 0..100 {
        let before = proxy.count();
        assert_eq!(app.get(host, "/").await.status(), 200);
        if proxy.count() == before {
            cached = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(cached, "a cached page needs no database");

    for _ in 0..5 {
        let before = proxy.count();
        let response = app.get_with(host, "/", &UNCACHED).await;
        assert_eq!(response.status(), 200);
        let body = response.text().await.unwrap();
        assert!(body.contains("Sortie du dimanche"), "{body}");
        assert_eq!(
            proxy.count() - before,
            1,
            "one round trip per uncached page"
        );
    }
}

#[tokio::test]
async fn the_request_transaction_commits_on_success_and_rolls_back_on_error() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("scope", "Scope").await;
    let count = |title: &'static str| {
        let schema = tenant.schema();
        let pool = app.pool().clone();
        async move {
            let sql = format!("SELECT count(*) FROM {schema}.announcements WHERE title = $1");
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .bind(title)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    for (title, succeeded) in [("kept", true), ("undone", false)] {
        let scope = TxScope::new(&app.state.db, tenant.clone());
        let mut tx = scope.tx().expect("the request's transaction");
        assert!(scope.tx().is_none(), "only one transaction per request");
        tessera::announcements::create(&mut tx, title, "", None)
            .await
            .unwrap();
        drop(tx); // what the handler does when it returns
        assert_eq!(count(title).await, 0, "not visible before the scope ends");
        scope.finish(succeeded).await.unwrap();
        assert_eq!(count(title).await, i64::from(succeeded), "{title}");
    }
}
