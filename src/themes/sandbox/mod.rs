//! Rendering of tenants' own templates, which are untrusted: tera has no
//! loop or time limit of its own and a thread cannot be stopped, so these
//! renders run in worker processes (see [`worker`], confined by
//! [`confine`]) that are killed when they take longer than the render
//! timeout. Workers are started on demand, reused, and replaced after a
//! failure. [`admission`] keeps one tenant from taking every worker, and a
//! render that waits too long for a worker is refused, so its caller can
//! serve the theme's page instead.

pub mod admission;
pub mod confine;
mod process;
pub mod protocol;
pub mod worker;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::model::TenantId;
use admission::{Admission, Refusal};
use process::{Pids, Worker};
use protocol::{Job, Reply};

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{0}")]
    Template(String),
    #[error("the page took longer than {0:?} to render")]
    Timeout(Duration),
    #[error("the render worker failed: {0}")]
    Worker(String),
    #[error("no render worker was free within {0:?}")]
    Saturated(Duration),
    #[error("the site already uses its share of the render workers")]
    Busy,
    #[error(
        "the site's own templates failed {} times in a row; the theme's pages are served \
         until new templates are uploaded or for {:?}",
        admission::FAILURES_TO_OPEN,
        admission::COOL_DOWN
    )]
    CircuitOpen,
}

impl SandboxError {
    /// Whether the tenant's templates are to blame (rather than the load on
    /// the workers): what its administrators are shown.
    pub fn is_the_templates_fault(&self) -> bool {
        matches!(self, Self::Template(_) | Self::Timeout(_) | Self::Worker(_))
    }
}

/// How to start workers and how long a render may take.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub worker_exe: PathBuf,
    pub themes_dir: PathBuf,
    pub workers: usize,
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct Sandbox {
    config: Arc<SandboxConfig>,
    idle: Arc<Mutex<Vec<Worker>>>,
    slots: Arc<Semaphore>,
    admission: Arc<Admission>,
    pids: Pids,
}

/// A tenant's template set (by content version) compiled over one build of
/// one theme: a theme switch or a theme reload is another set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SetKey {
    tenant_id: TenantId,
    version: u64,
    theme: String,
    theme_build: u64,
}

impl SetKey {
    fn of(job: &Job) -> Self {
        Self {
            tenant_id: job.tenant_id,
            version: job.version,
            theme: job.theme.clone(),
            theme_build: job.theme_build,
        }
    }
}

/// The longest a render waits for a free worker before the theme's page is
/// served instead: a fraction of the render timeout, at most half a second.
fn acquire_wait(timeout: Duration) -> Duration {
    (timeout / 4).min(Duration::from_millis(500))
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        let workers = config.workers.max(1);
        Self {
            config: Arc::new(config),
            idle: Arc::default(),
            slots: Arc::new(Semaphore::new(workers)),
            admission: Admission::new(workers),
            pids: Pids::default(),
        }
    }

    /// Renders `job` with `templates` (the tenant's set), in a worker, if the
    /// tenant is let in (its share of the workers, its breaker) and a worker
    /// frees up in time.
    pub async fn render(
        &self,
        job: Job,
        templates: &BTreeMap<String, String>,
    ) -> Result<String, SandboxError> {
        let (tenant_id, version) = (job.tenant_id, job.version);
        let _pass = self
            .admission
            .enter(tenant_id, version)
            .map_err(|refusal| match refusal {
                Refusal::Busy => SandboxError::Busy,
                Refusal::Open => SandboxError::CircuitOpen,
            })?;
        let wait = acquire_wait(self.config.timeout);
        let _slot = match tokio::time::timeout(wait, self.slots.acquire()).await {
            Ok(Ok(slot)) => slot,
            Ok(Err(closed)) => return Err(SandboxError::Worker(closed.to_string())),
            Err(_) => return Err(SandboxError::Saturated(wait)),
        };
        let rendered = self.render_in_worker(job, templates).await;
        let succeeded = !matches!(&rendered, Err(e) if e.is_the_templates_fault());
        self.admission.record(tenant_id, version, succeeded);
        rendered
    }

    /// The pids of the running workers (idle or busy).
    pub fn worker_pids(&self) -> Vec<u32> {
        let pids = self.pids.lock().unwrap_or_else(PoisonError::into_inner);
        pids.iter().copied().collect()
    }

    async fn render_in_worker(
        &self,
        mut job: Job,
        templates: &BTreeMap<String, String>,
    ) -> Result<String, SandboxError> {
        let mut worker = match self.take_idle() {
            Some(worker) => worker,
            None => Worker::spawn(&self.config, &self.pids)?,
        };
        let mut reply = self.send(&mut worker, &mut job, templates).await?;
        if matches!(reply, Reply::StaleTheme) {
            // Started before the themes were reloaded: a new worker reads them.
            worker = Worker::spawn(&self.config, &self.pids)?;
            reply = self.send(&mut worker, &mut job, templates).await?;
        }
        self.put_idle(worker);
        match reply {
            Reply::Html(html) => Ok(html),
            Reply::Error(message) => Err(SandboxError::Template(message)),
            Reply::NeedTemplates | Reply::StaleTheme => Err(SandboxError::Worker(
                "the worker refused the templates".into(),
            )),
        }
    }

    /// Sends `job`, with the templates if the worker does not hold them yet.
    /// On an error the worker is dropped by the caller, which kills it.
    async fn send(
        &self,
        worker: &mut Worker,
        job: &mut Job,
        templates: &BTreeMap<String, String>,
    ) -> Result<Reply, SandboxError> {
        let key = SetKey::of(job);
        let timeout = self.config.timeout;
        job.templates = (!worker.seen.contains(&key)).then(|| templates.clone());
        let mut reply = worker.exchange(job, timeout).await?;
        if matches!(reply, Reply::NeedTemplates) {
            job.templates = Some(templates.clone());
            reply = worker.exchange(job, timeout).await?;
        }
        // A set that failed to compile is not held by the worker.
        if matches!(reply, Reply::Html(_)) {
            worker.seen.insert(key);
        }
        Ok(reply)
    }

    fn take_idle(&self) -> Option<Worker> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(mut worker) = idle.pop() {
            if worker.is_alive() {
                return Some(worker);
            }
        }
        None
    }

    /// Keeps the worker for the next render, unless it is near its CPU limit.
    fn put_idle(&self, worker: Worker) {
        if worker.worn_out() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.push(worker);
    }
}

/// A tera error as a tenant administrator should read it: the message with
/// template name, line and column, and its causes.
pub fn describe(error: &tera::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!("\ncaused by: {cause}"));
        source = cause.source();
    }
    text
}
