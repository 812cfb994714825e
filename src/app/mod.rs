//! `Application`: builds the state, binds the listener and assembles the
//! routers once. Tests, `serve` and `demo` all start Tessera through here.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::auth;
use crate::config::Config;
use crate::db::Database;
use crate::state::AppState;
use crate::tenancy::{listen, warm_pool};
use crate::web::proxy_protocol::PublicListener;
use crate::web::site::{self, Sites};
use crate::{accounts, jobs, portal, web};

mod build;
mod listeners;
pub use build::load_themes;
use build::{build_auth, build_state};
use listeners::{bind_https, bind_metrics};

/// A bound, ready-to-run instance.
pub struct Application {
    listener: PublicListener,
    router: Router,
    state: AppState,
    /// `/metrics`, apart from the public listener (when `metrics.port` is set).
    metrics: Option<web::metrics::Listener>,
    /// The HTTPS port (when `tls.https_port` is set).
    https: Option<crate::tls::HttpsListener>,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("themes: {0}")]
    Themes(#[from] crate::themes::RenderError),
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("auth: {0}")]
    Auth(String),
    #[error("mail: {0}")]
    Mail(#[from] crate::mail::TransportError),
    #[error("tls: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("storage: {0}")]
    Storage(#[from] crate::storage::StorageError),
}

impl Application {
    /// Builds the state over `db`, starts the background tasks (tenant change
    /// listener, warm-pool refiller) and binds `config.http` and, if set,
    /// `config.metrics` (port 0 picks a free port).
    pub async fn build(config: Config, db: Database) -> Result<Self, StartError> {
        let addr = SocketAddr::new(config.http.host, config.http.port);
        let listener = TcpListener::bind(addr)
            .await
            .and_then(|tcp| PublicListener::new(tcp, config.http.proxy_protocol))
            .map_err(|source| StartError::Bind { addr, source })?;
        let auth = build_auth(&config, &db).await?;
        let state = build_state(config, db, auth)?;
        let metrics = bind_metrics(&state).await?;
        let mut tasks = vec![state.resolver.spawn_refresher()];
        let https = bind_https(&state).await?;
        let subscriber = invalidation_subscriber(&state);
        let worker = job_worker(&state);
        let (listener_task, listening) = listen::spawn(
            state.db.platform().clone(),
            vec![subscriber, job_waker(&worker)],
        );
        tasks.push(listener_task);
        // Live events: one listener per instance, whatever its streams.
        let (live_task, live_listening) = state.live.spawn_listener(state.db.platform());
        tasks.push(live_task);
        // Serve only once changes made elsewhere can reach our caches.
        if tokio::time::timeout(Duration::from_secs(10), listening)
            .await
            .is_err()
        {
            tracing::warn!("tenant change listener not ready after 10 s; serving anyway");
        }
        if tokio::time::timeout(Duration::from_secs(10), live_listening)
            .await
            .is_err()
        {
            tracing::warn!("live events listener not ready after 10 s; serving anyway");
        }
        if state.config.warm_pool.size > 0 {
            tasks.push(warm_pool::spawn_refiller(
                state.db.platform().clone(),
                state.provisioner.migrations().clone(),
                state.config.warm_pool.size,
                Duration::from_secs(state.config.warm_pool.refill_interval_secs),
                state.warm_pool_wake.clone(),
            ));
        }
        tasks.push(worker.spawn());
        let nodes = state.db.other_nodes();
        let nodes = nodes.map(|(name, owner)| (name.to_owned(), owner.clone()));
        tasks.extend(crate::jobs::relay::spawn(
            state.db.platform().clone(),
            nodes.collect(),
        ));
        tasks.push(state.affiliation.clicks.spawn());
        // After the host map is loaded: the issuer decides from it.
        tasks.extend(state.tls.spawn_tasks(state.db.platform().clone()));
        let router = router(&state);
        Ok(Self {
            listener,
            router,
            state,
            metrics,
            https,
            tasks,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        axum::serve::Listener::local_addr(&self.listener).ok()
    }

    /// Where HTTPS is served, if it is.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref()?.local_addr()
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref()?.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests and
    /// stops the background tasks.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        let mut tasks = self.tasks;
        if let Some(metrics) = self.metrics {
            tasks.push(tokio::spawn(metrics.serve()));
        }
        // The peer address is the client's (or the proxy's): throttling and
        // the audit log need it.
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // Live streams never end by themselves: ended first, or the
        // graceful shutdown below would wait for them forever.
        let live = self.state.live.clone();
        let readiness = self.state.readiness.clone();
        let drain = Duration::from_secs(self.state.config.http.drain_secs);
        if let Some(https) = self.https {
            tasks.push(tokio::spawn(https.serve(self.router.clone(), stopped)));
        }
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        // `tap_io` only for its connect-info: the peer is the listener's
        // address for the connection (the client's, behind the PROXY
        // protocol).
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |_| {});
        let served = axum::serve(listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                // Still serving, but no longer ready: balancers probing
                // `/readyz` take this instance out before it stops listening.
                readiness.start_draining();
                if !drain.is_zero() {
                    tracing::info!(seconds = drain.as_secs(), "draining");
                    tokio::time::sleep(drain).await;
                }
                live.close();
                let _ = stop.send(true);
            })
            .await;
        // Requests are drained: the clicks they captured are written.
        self.state.affiliation.clicks.flush().await;
        for task in tasks {
            task.abort();
        }
        served.map_err(StartError::Serve)
    }
}

/// What every instance does when a tenant or its content changes: drop
/// the stale entries of each in-memory cache.
fn invalidation_subscriber(state: &AppState) -> listen::Subscriber {
    let (resolver, pages, themes) = (
        state.resolver.clone(),
        state.pages.clone(),
        state.themes.clone(),
    );
    let tls = state.tls.clone();
    Arc::new(move |change| match change {
        listen::Change::Tenant(id) => {
            // A domain may have been verified: its certificate is due.
            if let Some(issuer) = tls.issuer() {
                issuer.wake();
            }
            resolver.invalidate_tenant(id);
            themes.invalidate_tenant(id);
            pages.invalidate_tenant(id);
        }
        listen::Change::Content(id) => {
            themes.invalidate_tenant(id);
            pages.invalidate_tenant(id);
        }
        listen::Change::Everything => {
            resolver.invalidate_all();
            themes.invalidate_all();
            pages.invalidate_all();
        }
        listen::Change::Jobs => {}
    })
}

/// The job handlers of every module, and the worker that runs them (also
/// what tests drive by hand with `Worker::run_once`). A module with
/// background work registers its handlers here.
pub fn job_worker(state: &AppState) -> jobs::Worker {
    let mut registry = jobs::Registry::new();
    state.mailer.register(&mut registry);
    crate::contributions::reminders::register(&mut registry, state.reminder_links());
    crate::contributions::receipts::render::register(&mut registry, state.storage.clone());
    crate::domains::register(&mut registry, state.domains.clone());
    crate::notifications::register(&mut registry, state.notifications.clone());
    crate::announcements::notice::register(&mut registry);
    crate::affiliation::tenant::register(&mut registry);
    crate::webhooks::register(&mut registry, axum::extract::FromRef::from_ref(state));
    crate::reporting::register(&mut registry);
    crate::direct_debit::register(&mut registry);
    crate::card_payments::register(&mut registry, state.card_payments.clone());
    crate::privacy::register(
        &mut registry,
        state.storage.clone(),
        state.config.http.clone(),
    );
    crate::tax_receipts::render::register(&mut registry, state.storage.clone());
    let schedule = crate::portability::purge::PurgeSchedule {
        grace: state.config.deletion.grace(),
        every: state.config.deletion.purge_interval(),
    };
    crate::portability::purge::register(&mut registry, state.portability.clone(), schedule);
    jobs::Worker::new(
        state.db.clone(),
        registry,
        jobs::WorkerSettings::from(&state.config.jobs),
    )
}

/// Wakes the job worker when a job is enqueued, or when notifications may
/// have been missed.
fn job_waker(worker: &jobs::Worker) -> listen::Subscriber {
    let wake = worker.waker();
    Arc::new(move |change| {
        if matches!(change, listen::Change::Jobs | listen::Change::Everything) {
            wake.notify_one();
        }
    })
}

/// The whole HTTP surface: `/healthz` on every host, then the platform or
/// tenant routes depending on the host.
pub fn router(state: &AppState) -> Router {
    // Inside out: errors are rendered (themed) for everything below them.
    let limit = crate::api::RateLimit::new(&state.config.api);
    let tenant = Router::new()
        .merge(portal::router())
        .merge(crate::announcements::router())
        .merge(crate::projects::router())
        .merge(crate::pwa::router())
        .merge(accounts::router())
        .merge(crate::contributions::desk::router())
        .merge(crate::contributions::pages::router())
        .merge(crate::domains::router())
        .merge(crate::notifications::router())
        .merge(crate::documents::router())
        .merge(crate::affiliation::router())
        .merge(crate::webhooks::router())
        .merge(crate::reporting::router())
        .merge(crate::direct_debit::router())
        .merge(crate::tax_receipts::router())
        .merge(crate::privacy::router())
        .merge(crate::card_payments::router())
        .merge(crate::api::router(limit.clone()))
        .merge(crate::contributions::receipts::download::router(limit))
        .merge(crate::contributions::api::staff_router())
        .route("/static/{hash}/{*path}", get(crate::themes::assets::serve))
        .fallback(not_found)
        .route_layer(from_fn(web::metrics::track))
        // `?ref=CODE` on any page becomes the short link `/r/CODE`.
        .layer(from_fn(crate::affiliation::capture::ref_parameter))
        // Commits or rolls back the handler's transaction before the
        // response goes on; an error it raises is rendered just outside.
        .layer(from_fn_with_state(
            state.db.clone(),
            web::transaction::scope,
        ))
        // Cookies and CSRF, before any handler work is done.
        .layer(from_fn_with_state(
            state.auth.clone(),
            auth::context::context,
        ))
        .layer(from_fn(web::flash::consume))
        .layer(from_fn(crate::themes::locale::switch))
        .layer(from_fn_with_state(
            state.themes.clone(),
            web::errors::render,
        ))
        // Outermost: compresses what is not already (cached pages are).
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state.clone());
    // The operators' console and API, all behind their sign-in but for
    // the sign-in itself; `/metrics` has its own listener.
    let platform = crate::platform::router(state.operators.clone())
        .layer(from_fn_with_state(
            state.auth.clone(),
            auth::context::context,
        ))
        .layer(from_fn(web::flash::consume))
        .layer(from_fn(crate::themes::locale::switch))
        .layer(from_fn_with_state(
            state.themes.clone(),
            web::errors::render,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state.clone());
    let sites = Sites {
        resolver: state.resolver.clone(),
        platform,
        tenant,
        keys: state.auth.keys.clone(),
        http: state.config.http.clone(),
        tls: state.tls.clone(),
    };
    let mut routes = Router::new()
        .route("/healthz", get(web::healthz))
        .route("/readyz", get(web::readyz))
        .route("/livez", get(web::livez));
    if state.config.bench_routes {
        routes = routes.route(crate::bench::floor::PATH, get(crate::bench::floor::page));
    }
    let routes = routes
        .with_state(state.clone())
        .fallback_service(Router::new().fallback(site::dispatch).with_state(sites));
    web::middleware::stack(
        routes,
        web::middleware::Limits {
            body: state.config.http.body_limit_bytes,
            timeout: Duration::from_secs(state.config.http.request_timeout_secs),
            multipart_body: state.config.documents.upload_body_limit(),
            multipart_timeout: Duration::from_secs(state.config.documents.upload_timeout_secs),
        },
        state.config.http.secure_cookies,
    )
}

/// Built per request from the signing keys, the keyring and the
/// configuration (three reference counts and a few numbers): handlers get the webhooks' service,
/// not the state.
impl axum::extract::FromRef<AppState> for crate::webhooks::Webhooks {
    fn from_ref(state: &AppState) -> Self {
        crate::webhooks::Webhooks::new(
            state.auth.keys.clone(),
            state.db.keyring().clone(),
            &state.config,
        )
    }
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}
