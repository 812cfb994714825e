//! Let's Encrypt's test ACME server, Pebble (Debian package `pebble`), run
//! on loopback for one test: a listener certificate made with rcgen (the
//! package ships none), `pebble-challtestsrv` answering every name with
//! 127.0.0.1 (and no AAAA, which Pebble would dial without falling back),
//! validations without their random sleep, no nonce rejections, no
//! authorization reuse. It validates HTTP-01 on `http_port` and TLS-ALPN-01
//! on `tls_port`: the application's ports.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Pebble {
    /// The ACME directory URL.
    pub directory: String,
    /// The PEM file of the listener certificate: the only root the ACME
    /// client trusts.
    pub ca_file: PathBuf,
    acme_port: u16,
    management_port: u16,
    dns_port: u16,
    http_port: u16,
    tls_port: u16,
    validity_secs: u64,
    dir: tempfile::TempDir,
    pebble: Option<Child>,
    dns: Child,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        self.stop();
        let _ = self.dns.kill();
        let _ = self.dns.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

impl Pebble {
    /// Starts challtestsrv and Pebble; certificates last `validity_secs`.
    pub async fn start(http_port: u16, tls_port: u16, validity_secs: u64) -> Self {
        let dir = tempfile::tempdir().expect("pebble dir");
        let listener = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .expect("listener certificate");
        let ca_file = dir.path().join("listener.pem");
        std::fs::write(&ca_file, listener.cert.pem()).expect("write cert");
        std::fs::write(
            dir.path().join("listener.key"),
            listener.signing_key.serialize_pem(),
        )
        .expect("write key");
        let dns_port = free_port();
        let dns = Command::new("pebble-challtestsrv")
            .args(["-dns01", &format!("127.0.0.1:{dns_port}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-management", &format!("127.0.0.1:{}", free_port())])
            .args(["-defaultIPv6", ""])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let dns = match dns {
            Ok(child) => child,
            Err(error) => panic!("pebble-challtestsrv: {error} (apt-get install pebble)"),
        };
        let mut pebble = Self {
            directory: String::new(),
            ca_file,
            acme_port: free_port(),
            management_port: free_port(),
            dns_port,
            http_port,
            tls_port,
            validity_secs,
            dir,
            pebble: None,
            dns,
        };
        pebble.directory = format!("https://127.0.0.1:{}/dir", pebble.acme_port);
        pebble.resume().await;
        pebble
    }

    /// Stops Pebble (an ACME outage); challtestsrv stays.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.pebble.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts Pebble again on the same ports. It forgets accounts and
    /// makes a new root, as a real restart would.
    pub async fn resume(&mut self) {
        let config = serde_json::json!({ "pebble": {
            "listenAddress": format!("127.0.0.1:{}", self.acme_port),
            "managementListenAddress": format!("127.0.0.1:{}", self.management_port),
            "certificate": "listener.pem",
            "privateKey": "listener.key",
            "httpPort": self.http_port,
            "tlsPort": self.tls_port,
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
            "certificateValidityPeriod": self.validity_secs,
        }});
        let path = self.dir.path().join("pebble.json");
        std::fs::write(&path, config.to_string()).expect("pebble config");
        let child = Command::new("pebble")
            .current_dir(self.dir.path())
            .args(["-config", "pebble.json"])
            .args(["-dnsserver", &format!("127.0.0.1:{}", self.dns_port)])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pebble starts (apt-get install pebble)");
        self.pebble = Some(child);
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let client = self.client();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(child) = self.pebble.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("pebble exited: {status}");
            }
            if client.get(&self.directory).send().await.is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "pebble not ready in 20 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn client(&self) -> reqwest::Client {
        let pem = std::fs::read(&self.ca_file).expect("listener cert");
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
            .build()
            .expect("client")
    }

    /// The root that signs this run's certificates (new at every start).
    pub async fn root_pem(&self) -> String {
        let url = format!("https://127.0.0.1:{}/roots/0", self.management_port);
        let reply = self.client().get(url).send().await.expect("roots");
        reply.text().await.expect("root pem")
    }
}
