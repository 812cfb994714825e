//! What a render worker does to itself before it reads a job, so that a
//! template that escaped tera could still do little: die with the server,
//! no network, no privileges to regain, another user than the server (when
//! the server runs as root) and tight resource limits.
//!
//! The worker runs this single-threaded, before any async runtime starts:
//! `unshare` and `setuid` then apply to the whole process.

use std::time::Duration;

use nix::sched::{CloneFlags, unshare};
use nix::sys::prctl;
use nix::sys::resource::{Resource, setrlimit};
use nix::sys::signal::Signal;
use nix::unistd::{Gid, Uid, User, getppid, setgid, setgroups, setuid};

/// The server's pid, given to the worker in its (otherwise empty) environment.
pub const PARENT_ENV: &str = "TESSERA_RENDER_PARENT";

/// Address space the worker may use.
pub const MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;
/// Descriptors the worker may hold: its pipes and a few spare (it opens
/// nothing once its themes are loaded).
pub const OPEN_FILES: u64 = 16;
/// CPU time a worker may use over its life; past it the kernel kills it,
/// even if the server could not (a worker left spinning).
pub const CPU_SECONDS: u64 = 120;
/// The server replaces a worker well before it reaches [`CPU_SECONDS`].
pub const CPU_SECONDS_BEFORE_RETIRING: Duration = Duration::from_secs(CPU_SECONDS / 2);

/// The uid and gid workers take when the server runs as root.
const UNPRIVILEGED_USER: &str = "nobody";
const NOBODY_ID: u32 = 65534;

/// The first thing a worker does: it is killed when the server dies, and
/// exits at once if the server is already gone (it died before this ran).
pub fn watch_parent() -> anyhow::Result<()> {
    prctl::set_pdeathsig(Signal::SIGKILL)?;
    let expected = std::env::var(PARENT_ENV)
        .ok()
        .and_then(|pid| pid.parse::<i32>().ok());
    if expected.is_some_and(|pid| getppid().as_raw() != pid) {
        anyhow::bail!("the server that started this worker is gone");
    }
    Ok(())
}

/// Everything else, once the themes are loaded (they are read from disk
/// with the server's rights).
pub fn drop_privileges() -> anyhow::Result<()> {
    // Only root may create a network namespace; elsewhere the server logs
    // that workers share its network (see `process::warn_once_if_unconfined`).
    let _ = unshare(CloneFlags::CLONE_NEWNET);
    if Uid::effective().is_root() {
        become_unprivileged()?;
        // A change of user clears the parent-death signal.
        watch_parent()?;
    }
    prctl::set_no_new_privs()?;
    limit_resources()
}

/// Leaves root for `nobody`: no access to the server's files (its data dir,
/// `/proc/<server>/environ`) nor to its process.
fn become_unprivileged() -> anyhow::Result<()> {
    let (uid, gid) = match User::from_name(UNPRIVILEGED_USER) {
        Ok(Some(user)) => (user.uid, user.gid),
        _ => (Uid::from_raw(NOBODY_ID), Gid::from_raw(NOBODY_ID)),
    };
    setgroups(&[])?;
    setgid(gid)?;
    setuid(uid)?;
    Ok(())
}

fn limit_resources() -> anyhow::Result<()> {
    setrlimit(Resource::RLIMIT_AS, MEMORY_LIMIT, MEMORY_LIMIT)?;
    setrlimit(Resource::RLIMIT_CPU, CPU_SECONDS, CPU_SECONDS)?;
    setrlimit(Resource::RLIMIT_NOFILE, OPEN_FILES, OPEN_FILES)?;
    // No file may be written, no core dumped.
    setrlimit(Resource::RLIMIT_FSIZE, 0, 0)?;
    setrlimit(Resource::RLIMIT_CORE, 0, 0)?;
    Ok(())
}
