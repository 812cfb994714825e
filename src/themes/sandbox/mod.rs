//! Rendering of tenants' own templates, which are untrusted: tera has no
//! loop or time limit of its own and a thread cannot be stopped, so these
//! renders run in worker processes (see [`worker`]) that are killed when they
//! take longer than the render timeout. Workers are started on demand, reused,
//! and replaced after a failure.

pub mod protocol;
pub mod worker;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;

use protocol::{Job, Reply};

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{0}")]
    Template(String),
    #[error("the page took longer than {0:?} to render")]
    Timeout(Duration),
    #[error("the render worker failed: {0}")]
    Worker(String),
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
}

struct Worker {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Template sets this worker holds.
    seen: HashSet<(i64, u64)>,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        let slots = Arc::new(Semaphore::new(config.workers.max(1)));
        Self {
            config: Arc::new(config),
            idle: Arc::default(),
            slots,
        }
    }

    /// Renders `job` with `templates` (the tenant's set), in a worker.
    pub async fn render(
        &self,
        mut job: Job,
        templates: &BTreeMap<String, String>,
    ) -> Result<String, SandboxError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| SandboxError::Worker(e.to_string()))?;
        let mut worker = match self.take_idle() {
            Some(worker) => worker,
            None => self.spawn()?,
        };
        let key = (job.tenant_id, job.version);
        if !worker.seen.contains(&key) {
            job.templates = Some(templates.clone());
        }
        let mut reply = self.exchange(&mut worker, &job).await?;
        if matches!(reply, Reply::NeedTemplates) {
            job.templates = Some(templates.clone());
            reply = self.exchange(&mut worker, &job).await?;
        }
        worker.seen.insert(key);
        self.put_idle(worker);
        match reply {
            Reply::Html(html) => Ok(html),
            Reply::Error(message) => Err(SandboxError::Template(message)),
            Reply::NeedTemplates => {
                Err(SandboxError::Worker("worker refused the templates".into()))
            }
        }
    }

    /// One request and its reply, within the timeout. On any failure the
    /// worker is dropped, which kills its process.
    async fn exchange(&self, worker: &mut Worker, job: &Job) -> Result<Reply, SandboxError> {
        let frame = protocol::encode(job).map_err(|e| SandboxError::Worker(e.to_string()))?;
        let io = async {
            worker.stdin.write_all(&frame).await?;
            worker.stdin.flush().await?;
            let length = worker.stdout.read_u32().await? as usize;
            if length > protocol::MAX_FRAME {
                return Err(std::io::Error::other("reply too large"));
            }
            let mut body = vec![0; length];
            worker.stdout.read_exact(&mut body).await?;
            protocol::decode::<Reply>(&body)
        };
        match tokio::time::timeout(self.config.timeout, io).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(SandboxError::Worker(e.to_string())),
            Err(_) => Err(SandboxError::Timeout(self.config.timeout)),
        }
    }

    fn spawn(&self) -> Result<Worker, SandboxError> {
        let mut child = Command::new(&self.config.worker_exe)
            .arg("render-worker")
            .arg("--themes-dir")
            .arg(&self.config.themes_dir)
            // Nothing of the server's environment (secrets, URLs) reaches it.
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                SandboxError::Worker(format!(
                    "cannot start {}: {e}",
                    self.config.worker_exe.display()
                ))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(SandboxError::Worker("worker has no pipes".into()));
        };
        Ok(Worker {
            _child: child,
            stdin,
            stdout: BufReader::new(stdout),
            seen: HashSet::new(),
        })
    }

    fn take_idle(&self) -> Option<Worker> {
        self.idle.lock().ok()?.pop()
    }

    fn put_idle(&self, worker: Worker) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(worker);
        }
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
