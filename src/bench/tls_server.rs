//! W7's servers, each a child process of its own so that its CPU time and
//! peak RSS (read from `/proc/<pid>`) are its alone: `tessera serve` (the
//! product path: certificates loaded from `platform.certificates`), Caddy
//! (the same certificates from PEM files) and the floor (a bare
//! tokio-rustls SNI map, `tessera bench tls-floor`). Started, watched and
//! stopped here; the load itself is [`super::tls_client`]'s.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

use super::tls_certs::PemFiles;

/// Which server a child is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Tessera,
    Caddy,
    Floor,
}

impl Kind {
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "tessera" => Some(Self::Tessera),
            "caddy" => Some(Self::Caddy),
            "floor" => Some(Self::Floor),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Tessera => "tessera",
            Self::Caddy => "caddy",
            Self::Floor => "floor",
        }
    }
}

/// A running server and where it listens.
pub struct Server {
    pub kind: Kind,
    pub addr: SocketAddr,
    /// When the process was spawned: start-to-first-handshake counts from here.
    pub spawned: Instant,
    child: Child,
    pid: u32,
    log: PathBuf,
}

/// How to start `tessera serve` for W7.
pub struct TesseraSpawn<'a> {
    pub exe: &'a Path,
    pub config_file: &'a Path,
    pub data_dir: &'a Path,
    /// Base64 of the 32-byte storage key the rows were sealed with.
    pub storage_key: &'a str,
    /// Its `log.filter` (`warn`; `info` or `debug` to see where a slow
    /// start goes, with timestamps, in its log).
    pub log_filter: &'a str,
}

impl Server {
    /// `tessera serve` on the bench database, HTTPS on `port`, with nothing
    /// else to do: no warm pool, no job worker, warnings only.
    pub fn tessera(spawn: &TesseraSpawn<'_>, port: u16, log: &Path) -> anyhow::Result<Self> {
        let mut command = Command::new(spawn.exe);
        command
            .arg("--config")
            .arg(spawn.config_file)
            .arg("--data-dir")
            .arg(spawn.data_dir)
            .args(["serve", "--port", "0", "--https-port", &port.to_string()])
            .env("TESSERA_TLS__STORAGE_KEY", spawn.storage_key)
            .env("TESSERA_WARM_POOL__SIZE", "0")
            .env("TESSERA_JOBS__WORKERS", "0")
            .env("TESSERA_LOG__FILTER", spawn.log_filter)
            .env_remove("TESSERA_METRICS__PORT");
        Self::spawn(Kind::Tessera, command, port, log)
    }

    /// `caddy run` with the JSON config written at `config`; its home and
    /// XDG folders are `home`, so that it writes nothing elsewhere.
    pub fn caddy(
        caddy: &Path,
        config: &Path,
        home: &Path,
        port: u16,
        log: &Path,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(caddy);
        command
            .arg("run")
            .arg("--config")
            .arg(config)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"));
        Self::spawn(Kind::Caddy, command, port, log)
    }

    /// The floor: `tessera bench tls-floor` serving the PEM files listed in `files`.
    pub fn floor(exe: &Path, files: &Path, port: u16, log: &Path) -> anyhow::Result<Self> {
        let mut command = Command::new(exe);
        command
            .args(["bench", "tls-floor", "--port", &port.to_string(), "--files"])
            .arg(files)
            .env("TESSERA_LOG__FILTER", "warn");
        Self::spawn(Kind::Floor, command, port, log)
    }

    fn spawn(kind: Kind, mut command: Command, port: u16, log: &Path) -> anyhow::Result<Self> {
        let out = std::fs::File::create(log)?;
        command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true);
        let spawned = Instant::now();
        let child = command.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow::anyhow!("{kind:?} exited at once"))?;
        Ok(Self {
            kind,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            spawned,
            child,
            pid,
            log: log.to_owned(),
        })
    }

    /// False once the process has exited.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The end of its log, to say why it failed.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// User + system CPU time so far, in clock ticks.
    pub fn cpu_ticks(&self) -> Option<u64> {
        parse_stat_cpu(&std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?)
    }

    /// Peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.status_kib("VmHWM")
    }

    /// Resident memory now (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        self.status_kib("VmRSS")
    }

    /// Resident memory now, heap and stacks (`RssAnon`) then mapped files,
    /// the binary's code mostly (`RssFile`), in KiB.
    pub fn rss_split_kib(&self) -> Option<(u64, u64)> {
        self.status_kib("RssAnon").zip(self.status_kib("RssFile"))
    }

    fn status_kib(&self, field: &str) -> Option<u64> {
        parse_status_kib(
            &std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?,
            field,
        )
    }

    /// SIGINT (all three stop cleanly on it), SIGKILL after 10 s.
    pub async fn stop(mut self) {
        if let Ok(pid) = i32::try_from(self.pid) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Clock ticks per second, the unit of `/proc/<pid>/stat`'s CPU times.
pub fn clock_ticks_per_second() -> u64 {
    use nix::unistd::{SysconfVar, sysconf};
    match sysconf(SysconfVar::CLK_TCK) {
        Ok(Some(ticks)) if ticks > 0 => ticks.unsigned_abs(),
        // USER_HZ, which Linux reports on every architecture it runs on.
        _ => 100,
    }
}

/// `utime + stime` from a `/proc/<pid>/stat` line. The command name (field
/// 2) may hold spaces and parentheses: fields are counted after its last
/// `)`, where `state` is field 3, so utime (14) and stime (15) are the
/// 12th and 13th.
pub fn parse_stat_cpu(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A `kB` field of `/proc/<pid>/status` (`VmHWM:    8964 kB`).
pub fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// A loopback port free now (the child binds it a moment later).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Caddy's JSON config: the certificates loaded from files, one HTTPS
/// server on loopback choosing them by SNI (the empty connection policy),
/// a fixed response, no automatic HTTPS, no admin endpoint, errors only.
pub fn caddy_config(files: &[PemFiles], port: u16, storage: &Path) -> serde_json::Value {
    let load_files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| serde_json::json!({ "certificate": f.cert, "key": f.key }))
        .collect();
    serde_json::json!({
        "admin": { "disabled": true },
        "logging": { "logs": { "default": { "level": "ERROR" } } },
        "storage": { "module": "file_system", "root": storage },
        "apps": {
            "tls": { "certificates": { "load_files": load_files } },
            "http": { "servers": { "w7": {
                "listen": [format!("127.0.0.1:{port}")],
                "automatic_https": { "disable": true },
                "tls_connection_policies": [{}],
                "routes": [{ "handle": [{ "handler": "static_response", "body": "ok" }] }]
            } } }
        }
    })
}

/// `caddy version`'s first word, for the report.
pub async fn caddy_version(caddy: &Path) -> String {
    let output = Command::new(caddy).arg("version").output().await;
    output
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        // A command name with a space and a parenthesis, as a thread may have.
        let stat = "4242 (tokio (rt) w) S 1 4242 4242 0 -1 4194560 1523 0 0 0 \
                    731 129 0 0 20 0 5 0 12345 1000000 2000 18446744073709551615";
        assert_eq!(parse_stat_cpu(stat), Some(731 + 129));
        assert_eq!(parse_stat_cpu("4242 (short) S 1"), None);
        assert_eq!(parse_stat_cpu("no parenthesis"), None);
    }

    #[test]
    fn status_fields_are_read_in_kib() {
        let status =
            "Name:\ttessera\nVmPeak:\t  100 kB\nVmHWM:\t    8964 kB\nVmRSS:\t    7000 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(8964));
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(7000));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
        assert_eq!(parse_status_kib("VmHWMx:\t1 kB\n", "VmHWM"), None);
    }

    #[test]
    fn caddy_serves_every_file_on_loopback() {
        let files = vec![PemFiles {
            name: "site-0000.bench.test".into(),
            cert: PathBuf::from("/w/site-0000.bench.test.crt"),
            key: PathBuf::from("/w/site-0000.bench.test.key"),
        }];
        let config = caddy_config(&files, 4433, Path::new("/w/caddy"));
        let server = &config["apps"]["http"]["servers"]["w7"];
        assert_eq!(server["listen"][0], "127.0.0.1:4433");
        assert_eq!(server["automatic_https"]["disable"], true);
        let loaded = &config["apps"]["tls"]["certificates"]["load_files"];
        assert_eq!(loaded[0]["key"], "/w/site-0000.bench.test.key");
        assert_eq!(config["admin"]["disabled"], true);
    }
}
