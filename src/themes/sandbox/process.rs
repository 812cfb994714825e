//! One render worker as the server sees it: the child process, its pipes,
//! the template sets it holds and how long it has been rendering. Dropping a
//! `Worker` kills its process.

use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::protocol::{self, Job, Reply};
use super::{SandboxConfig, SandboxError, confine};

/// The pids of the live workers, for tests and diagnostics.
pub type Pids = Arc<Mutex<HashSet<u32>>>;

pub struct Worker {
    child: Child,
    pid: u32,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Template sets this worker holds.
    pub seen: HashSet<super::SetKey>,
    /// Time spent rendering; bounds the CPU time it has used.
    busy: Duration,
    pids: Pids,
    confinement_checked: bool,
}

impl Worker {
    /// Called from the async renders, so on a runtime worker thread: the
    /// worker's parent-death signal follows the thread that forked it, and
    /// those threads live as long as the server (a blocking-pool thread,
    /// which exits when idle, would take its workers with it).
    pub fn spawn(config: &SandboxConfig, pids: &Pids) -> Result<Self, SandboxError> {
        let mut child = Command::new(&config.worker_exe)
            .arg("render-worker")
            .arg("--themes-dir")
            .arg(&config.themes_dir)
            // Nothing of the server's environment (secrets, URLs) reaches
            // it, only who its parent is (see `confine::watch_parent`).
            .env_clear()
            .env(confine::PARENT_ENV, std::process::id().to_string())
            // mimalloc reserves address space 1 GiB at a time by default:
            // under the worker's address-space limit (`confine::MEMORY_LIMIT`)
            // that first arena leaves nothing for the rest, and allocations
            // then fail at random. Small arenas keep the limit meaning what
            // it says (the value is in KiB).
            .env("MIMALLOC_ARENA_RESERVE", "32768")
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                SandboxError::Worker(format!("cannot start {}: {e}", config.worker_exe.display()))
            })?;
        let (Some(stdin), Some(stdout), Some(pid)) =
            (child.stdin.take(), child.stdout.take(), child.id())
        else {
            return Err(SandboxError::Worker("worker has no pipes".into()));
        };
        pids.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(pid);
        Ok(Self {
            child,
            pid,
            stdin,
            stdout: BufReader::new(stdout),
            seen: HashSet::new(),
            busy: Duration::ZERO,
            pids: pids.clone(),
            confinement_checked: false,
        })
    }

    /// One request and its reply, within `timeout`. The caller drops the
    /// worker (killing it) on any error.
    pub async fn exchange(&mut self, job: &Job, timeout: Duration) -> Result<Reply, SandboxError> {
        let frame = protocol::encode(job).map_err(|e| SandboxError::Worker(e.to_string()))?;
        let started = Instant::now();
        let io = async {
            self.stdin.write_all(&frame).await?;
            self.stdin.flush().await?;
            let length = self.stdout.read_u32().await? as usize;
            if length > protocol::MAX_FRAME {
                return Err(std::io::Error::other("reply too large"));
            }
            let mut body = vec![0; length];
            self.stdout.read_exact(&mut body).await?;
            protocol::decode::<Reply>(&body)
        };
        let reply = tokio::time::timeout(timeout, io).await;
        self.busy += started.elapsed();
        let reply = match reply {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => return Err(SandboxError::Worker(e.to_string())),
            Err(_) => return Err(SandboxError::Timeout(timeout)),
        };
        if !self.confinement_checked {
            // The worker confines itself once started; by its first reply it has.
            self.confinement_checked = true;
            warn_once_if_unconfined(self.pid);
        }
        Ok(reply)
    }

    /// Whether the worker should be replaced before it reaches its CPU limit
    /// (which would kill it in the middle of a render).
    pub fn worn_out(&self) -> bool {
        self.busy >= confine::CPU_SECONDS_BEFORE_RETIRING
    }

    /// Whether the process is still running (it may have died while idle).
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // `kill_on_drop` kills the process; tokio reaps it.
        self.pids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.pid);
    }
}

/// Logs once per server if workers share the server's network or user,
/// which happens when the server is not allowed to confine them.
fn warn_once_if_unconfined(pid: u32) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    let namespace =
        |pid: &str| std::fs::read_link(Path::new("/proc").join(pid).join("ns/net")).ok();
    let shares_network = namespace("self") == namespace(&pid.to_string());
    let same_user = !nix::unistd::geteuid().is_root();
    if (shares_network || same_user) && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            shares_network,
            same_user,
            "render workers are not fully confined (run the server as root to give them \
             no network and their own user)"
        );
    }
}
