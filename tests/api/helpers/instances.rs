//! Tessera as operators run it: `tessera serve` processes on one database,
//! and HAProxy in front of them with `deploy/haproxy/haproxy.cfg` (its
//! addresses changed), for the tests that kill, restart and drain them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::pebble::free_port;

/// A `tessera serve` child; killed (SIGKILL) when dropped.
pub struct Instance {
    pub port: u16,
    child: Child,
    _data: tempfile::TempDir,
}

impl Instance {
    /// Starts `tessera serve` on `database_url`, with `env` added, and waits
    /// until it answers `/healthz`.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_on(free_port(), database_url, env).await
    }

    /// [`Instance::start`] on a given port (a replacement behind the same
    /// balancer entry).
    pub async fn start_on(port: u16, database_url: &str, env: &[(&str, &str)]) -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
        command
            .arg("serve")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DATABASE_URL", database_url)
            .env("TESSERA_DATA_DIR", data.path())
            .env("TESSERA_HTTP__HOST", "127.0.0.1")
            .env("TESSERA_HTTP__PORT", port.to_string())
            .env("TESSERA_WARM_POOL__SIZE", "0")
            // Behind the deployed HAProxy, which sends the PROXY protocol.
            .env("TESSERA_HTTP__PROXY_PROTOCOL", "true")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(data.path().join("stderr")).expect("log file"));
        // The suite's pooler pass: instances go through pgbouncer too.
        if let Some(pooler) = super::pooler::pooler() {
            command
                .env("TESSERA_DB__POOLER__HOST", &pooler.host)
                .env("TESSERA_DB__POOLER__PORT", pooler.port.to_string());
        }
        let child = command.spawn().expect("tessera serve");
        let instance = Self {
            port,
            child,
            _data: data,
        };
        if !answers(port, "/healthz", Duration::from_secs(60)).await {
            let log = std::fs::read_to_string(instance._data.path().join("stderr"));
            panic!("tessera serve did not start: {}", log.unwrap_or_default());
        }
        instance
    }

    /// `SIGTERM`, as a service manager stops it, then waits for it to exit
    /// (after its drain).
    pub async fn terminate(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).ok();
        let deadline = Instant::now() + Duration::from_secs(60);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`: no drain, no goodbye.
    pub fn kill(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether `GET path` on `port` answers 200 within `within`.
async fn answers(port: u16, path: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if status_through_proxy_header(port, path).await.as_deref() == Some("200") {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Whether the balancer answers `path` with 200 within `within`.
async fn answers_plainly(port: u16, path: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let url = format!("http://127.0.0.1:{port}{path}");
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::get(&url).await
            && response.status() == 200
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The status of `GET path` on an instance, sent as HAProxy would: a PROXY
/// protocol line first.
async fn status_through_proxy_header(port: u16, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let request = format!(
        "PROXY TCP4 127.0.0.1 127.0.0.1 40000 {port}\r\nGET {path} HTTP/1.1\r\n\
         Host: localhost\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.ok()?;
    let reply = String::from_utf8_lossy(&reply);
    reply.split(' ').nth(1).map(str::to_owned)
}

/// HAProxy with the deployed configuration in front of `backends`; stopped
/// when dropped.
pub struct Balancer {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Balancer {
    pub async fn start(backends: &[u16]) -> Self {
        let port = free_port();
        let dir = tempfile::tempdir().expect("haproxy dir");
        let config = dir.path().join("haproxy.cfg");
        std::fs::write(&config, deployed_config(port, backends)).expect("haproxy.cfg");
        let child = Command::new(haproxy())
            .args(["-db", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy (apt-get install haproxy)");
        let balancer = Self {
            port,
            child,
            _dir: dir,
        };
        assert!(
            answers_plainly(port, "/healthz", Duration::from_secs(10)).await,
            "haproxy sends nothing through"
        );
        balancer
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn haproxy() -> PathBuf {
    ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("haproxy"))
}

/// `deploy/haproxy/haproxy.cfg` listening on `port` (HTTP only: these
/// instances serve no HTTPS) with `backends` as its servers; every other
/// line (checks, retries, redispatch, timeouts) as deployed.
fn deployed_config(port: u16, backends: &[u16]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/haproxy/haproxy.cfg");
    let deployed = std::fs::read_to_string(path).expect("the deployed haproxy.cfg");
    // Sections start at an unindented line; comments belong to no one.
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in deployed.lines() {
        let starts_section = !line.starts_with([' ', '#']) && !line.trim().is_empty();
        match sections.last_mut() {
            _ if starts_section => sections.push((line, Vec::new())),
            Some((_, lines)) => lines.push(line),
            None => {}
        }
    }
    let mut config = String::new();
    for (header, lines) in sections {
        if header.ends_with("https") {
            continue;
        }
        config.push_str(&format!("{header}\n"));
        for line in lines {
            match line.trim() {
                "bind :80" => config.push_str(&format!("    bind 127.0.0.1:{port}\n")),
                server if server.starts_with("server ") => {}
                _ => config.push_str(&format!("{line}\n")),
            }
        }
        if header == "backend tessera_http" {
            for (n, backend) in backends.iter().enumerate() {
                let server = format!("    server tessera-{} 127.0.0.1:{backend} check\n", n + 1);
                config.push_str(&server);
            }
        }
    }
    assert!(config.contains("option httpchk GET /readyz"), "{config}");
    config
}
