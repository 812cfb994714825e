//! The test harness: one private PostgreSQL cluster per test run (started
//! from the installed binaries unless `DATABASE_URL` is set), a shared
//! migrated database, fresh databases for tests that need one, and the real
//! application on a random port, spoken to over HTTP with real `Host` headers.

pub mod api_client;
pub mod browser;
pub mod cluster;
pub mod console;
pub mod dns;
pub mod instances;
pub mod pebble;
pub mod pooler;
pub mod raw_http;
pub mod s3;
pub mod smtp;
pub mod stripe;
pub mod tls_client;
pub mod venv;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::header::HOST;
use sqlx::postgres::PgConnectOptions;
use tessera::app::Application;
use tessera::config::{Config, Overrides};
use tessera::crypto::Keyring;
use tessera::db::{Database, Platform, TenantTx};
use tessera::state::AppState;
use tessera::tenancy::provision::{NewTenant, Provisioned};
use tessera::tenancy::{Slug, Tenant, registry};
use tokio::sync::oneshot;

pub use cluster::{fresh_database, shared_database};

/// A running application.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The private `/metrics` listener.
    pub metrics_addr: SocketAddr,
    /// The HTTPS listener, when `tls.https_port` is set.
    pub https_addr: Option<SocketAddr>,
    pub state: AppState,
    pub http: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

/// Settings for tests: port 0, small pools, no warm pool unless asked.
pub fn test_config() -> Config {
    let mut config = Config::load(
        Path::new("/nonexistent/tessera.toml"),
        &Overrides::default(),
    )
    .expect("default configuration loads");
    config.database_url = None;
    config.http.port = 0;
    config.metrics.port = Some(0);
    config.db.max_connections = 4;
    config.db.platform_connections = 3;
    config.warm_pool.size = 0;
    config.render.worker_exe = Some(env!("CARGO_BIN_EXE_tessera").into());
    // A cold worker loads every theme before its first render; on a loaded
    // two-core CI machine that has taken more than 1.5 s. Tests that time
    // the timeout itself set a shorter one (`sandbox::timed_app`).
    config.render.timeout_ms = 5000;
    config.storage.dir = Some(storage_dir());
    // Sealing keys from configuration, as in production (without them, each
    // application would make a key file under the data directory).
    config.crypto.keys.insert(
        "test".into(),
        secrecy::SecretString::from("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=".to_owned()),
    );
    config
}

/// One storage folder per test run, shared by its applications as
/// instances share one in production (a job may run on any of them). Keys
/// carry their content's hash, so tenants of two databases with the same
/// id never write one key with different bytes.
fn storage_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("storage-{}", std::process::id()))
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(shared_database().await, test_config()).await
}

/// An application on a database of its own, for tests that count rows.
pub async fn spawn_isolated_app() -> TestApp {
    spawn_app_with(migrated_database().await, test_config()).await
}

/// A fresh database with every migration applied, not yet served.
pub async fn migrated_database() -> PgConnectOptions {
    let options = fresh_database().await;
    migrate(&options).await;
    options
}

/// Applies every migration to the database of `options`.
pub async fn migrate(options: &PgConnectOptions) {
    let pool = Platform::from(
        sqlx::PgPool::connect_with(options.clone())
            .await
            .expect("pool"),
    );
    tessera::db::migrate::run(&pool, &Default::default())
        .await
        .expect("migrations");
    pool.close().await;
}

/// The application on `options`, through the suite's pooler when it runs
/// through one (`TESSERA_TEST_POOLER`).
pub async fn spawn_app_with(options: PgConnectOptions, mut config: Config) -> TestApp {
    if config.db.pooler.is_none() {
        config.db.pooler = pooler::pooler();
    }
    spawn_unpooled(options, config).await
}

/// The application on `options` as configured, never through the suite's
/// pooler (for a cluster of a test's own, which the pooler does not serve).
pub async fn spawn_unpooled(options: PgConnectOptions, config: Config) -> TestApp {
    let keyring = Keyring::from_config(&config.crypto, &config.data_dir).expect("the test key");
    let db = Database::connect(options, &config.db, keyring).expect("node URLs parse");
    let app = Application::build(config, db)
        .await
        .expect("application starts");
    let addr = app.local_addr().expect("bound address");
    let metrics_addr = app.metrics_addr().expect("metrics listener");
    let https_addr = app.https_addr();
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        metrics_addr,
        https_addr,
        state,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client"),
        _stop: stop,
    }
}

static SLUG_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A slug no other test uses: `<prefix>-<pid>-<n>`.
pub fn unique_slug(prefix: &str) -> Slug {
    let n = SLUG_COUNTER.fetch_add(1, Ordering::Relaxed);
    Slug::parse(&format!("{prefix}-{}-{n}", std::process::id())).expect("valid slug")
}

impl TestApp {
    pub fn pool(&self) -> &Platform {
        self.state.db.platform()
    }

    /// Provisions a tenant with a unique slug through the real provisioner.
    pub async fn create_tenant(&self, prefix: &str, name: &str) -> (Arc<Tenant>, Provisioned) {
        let new = NewTenant::new(unique_slug(prefix), name);
        self.create(&new).await
    }

    pub async fn create(&self, new: &NewTenant) -> (Arc<Tenant>, Provisioned) {
        let provisioned = self
            .state
            .provisioner
            .create(new, "test")
            .await
            .expect("tenant created");
        let tenant = registry::find_by_slug(self.pool(), &new.slug)
            .await
            .expect("lookup")
            .expect("tenant exists");
        (Arc::new(tenant), provisioned)
    }

    /// Opens a transaction on a tenant's schema, as handlers get it.
    pub async fn tenant_tx(&self, tenant: &Arc<Tenant>) -> TenantTx {
        TenantTx::begin(&self.state.db, tenant.clone())
            .await
            .expect("tenant transaction")
    }

    /// GET `path` with `Host: host`.
    pub async fn get(&self, host: &str, path: &str) -> reqwest::Response {
        self.get_with(host, path, &[]).await
    }

    /// GET `path` with `Host: host` and extra headers.
    pub async fn get_with(
        &self,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .get(format!("http://{}{path}", self.addr))
            .header(HOST, host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request sent")
    }

    /// Polls `GET /` on `host` until `done(status, body)` holds; false if it
    /// never did within `within`.
    pub async fn wait_for_home(
        &self,
        host: &str,
        within: std::time::Duration,
        done: impl Fn(u16, &str) -> bool,
    ) -> bool {
        let started = std::time::Instant::now();
        while started.elapsed() < within {
            let (status, body) = self.get_text(host, "/").await;
            if done(status, &body) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        false
    }

    pub async fn get_text(&self, host: &str, path: &str) -> (u16, String) {
        let response = self.get(host, path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}

/// Adds a published announcement to a tenant, directly through `TenantTx`.
pub async fn publish(app: &TestApp, tenant: &Arc<Tenant>, title: &str) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let id = tessera::announcements::create(&mut tx, title, "", Some(chrono::Utc::now()))
        .await
        .expect("announcement created");
    tx.commit().await.expect("commit");
    id
}
