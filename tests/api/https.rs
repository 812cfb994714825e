//! The HTTPS listener without an ACME server: certificates given as files
//! (a wildcard for the base domain) serve their names, plain HTTP is sent
//! to HTTPS only for hosts with a trusted certificate (never ACME
//! challenges nor `/healthz`), HSTS rides on HTTPS; an unknown name gets a
//! clean handshake failure and a client inventing names is cut off; silent
//! or garbage clients are dropped while the listener goes on; the demo's
//! local CA covers every host at its first handshake.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tessera::config::{CertificateFiles, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::pebble::free_port;
use crate::helpers::tls_client::{self, Trust};
use crate::helpers::{TestApp, shared_database, spawn_app_with, test_config};

/// Certificates' keys are sealed with this key in every HTTPS test.
pub const STORAGE_KEY: &str = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";

/// A test configuration serving HTTPS on a free port.
pub fn https_config() -> Config {
    let mut config = test_config();
    config.http.port = free_port();
    config.tls.https_port = Some(free_port());
    config.tls.storage_key = Some(SecretString::from(STORAGE_KEY));
    config.tls.handshake_timeout_secs = 1;
    config
}

/// The base domain of the wildcard tests: a wildcard must cover at least
/// two labels (`*.localhost` is refused by clients).
const BASE_DOMAIN: &str = "portals.localhost";

/// A CA of the test's own and a wildcard leaf for the base domain, as files.
struct Wildcard {
    _dir: tempfile::TempDir,
    files: CertificateFiles,
    root_pem: String,
}

fn wildcard_files() -> Wildcard {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let root_pem = ca.self_signed(&ca_key).expect("ca").pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec![format!("*.{BASE_DOMAIN}")])
        .expect("leaf params")
        .signed_by(&key, &issuer)
        .expect("leaf");
    let dir = tempfile::tempdir().expect("dir");
    let files = CertificateFiles {
        cert: dir.path().join("wildcard.pem"),
        key: dir.path().join("wildcard.key"),
    };
    std::fs::write(&files.cert, leaf.pem()).expect("cert file");
    std::fs::write(&files.key, key.serialize_pem()).expect("key file");
    Wildcard {
        _dir: dir,
        files,
        root_pem,
    }
}

fn https(app: &TestApp) -> SocketAddr {
    app.https_addr.expect("HTTPS listener")
}

/// How a handshake ended.
#[derive(Debug, PartialEq, Eq)]
enum Ending {
    Done,
    /// The server sent an alert: a clean refusal.
    Alert,
    /// The server closed the connection without a word.
    Closed,
}

async fn handshake_from(addr: SocketAddr, sni: &str, from: [u8; 4]) -> Ending {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from((from, 0)))
        .expect("bind client address");
    let tcp = socket.connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from(sni.to_owned()).expect("name");
    let config = tls_client::client_config(&Trust::Anything, &[b"http/1.1"]);
    match tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
    {
        Ok(_) => Ending::Done,
        Err(error) => match error
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::AlertReceived(_)) => Ending::Alert,
            _ => Ending::Closed,
        },
    }
}

#[tokio::test]
async fn file_certificates_serve_their_names_and_send_plain_http_to_https() {
    let wildcard = wildcard_files();
    let mut config = https_config();
    config.base_domain = tessera::model::Hostname::parse(BASE_DOMAIN).expect("base domain");
    config.tls.certificates = vec![wildcard.files.clone()];
    let app = spawn_app_with(shared_database().await, config).await;
    let (tenant, _) = app.create_tenant("https", "Club Chiffré").await;
    let host = tenant.default_host.to_string();
    let trust = Trust::Roots(wildcard.root_pem.clone());

    let mut stream = tls_client::connect(https(&app), &host, &trust)
        .await
        .expect("the wildcard file serves a tenant host");
    let (status, head, body) = tls_client::request_full(&mut stream, &host, "/").await;
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("Club Chiffré"), "the tenant's page");
    assert!(
        head.to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{head}"
    );

    let port = https(&app).port();
    let plain = app.get(&host, "/members?page=2").await;
    assert_eq!(plain.status(), 308);
    assert_eq!(
        plain.headers()["location"],
        format!("https://{host}:{port}/members?page=2").as_str()
    );
    let token = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
    let challenge = app
        .get(&host, &format!("/.well-known/acme-challenge/{token}"))
        .await;
    assert_eq!(
        challenge.status(),
        404,
        "ACME challenges are never redirected"
    );
    assert_eq!(app.get(&host, "/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_host_without_a_certificate_stays_on_plain_http() {
    let app = spawn_app_with(shared_database().await, https_config()).await;
    let (tenant, _) = app.create_tenant("plain", "Club Clair").await;
    let host = tenant.default_host.to_string();
    let reply = app.get(&host, "/").await;
    assert_eq!(reply.status(), 200, "no certificate, no redirect");
    assert!(reply.headers().get("strict-transport-security").is_none());
    let ending = handshake_from(https(&app), &host, [127, 0, 0, 1]).await;
    assert_eq!(ending, Ending::Alert, "a clean refusal, not a hang");
}

#[tokio::test]
async fn unknown_names_are_refused_and_a_client_inventing_them_is_cut_off() {
    let wildcard = wildcard_files();
    let mut config = https_config();
    config.base_domain = tessera::model::Hostname::parse(BASE_DOMAIN).expect("base domain");
    config.tls.certificates = vec![wildcard.files.clone()];
    config.tls.unknown_names_per_minute = 20;
    let app = spawn_app_with(shared_database().await, config).await;
    let addr = https(&app);
    let (tenant, _) = app.create_tenant("flood", "Club Inondé").await;
    let known = tenant.default_host.to_string();

    let mut endings = Vec::new();
    for n in 0..1000 {
        let sni = format!("random-{n}-{}.invented.test", std::process::id());
        endings.push(handshake_from(addr, &sni, [127, 0, 0, 3]).await);
    }
    let alerts = endings.iter().filter(|e| **e == Ending::Alert).count();
    let closed = endings.iter().filter(|e| **e == Ending::Closed).count();
    assert!(
        (20..=25).contains(&alerts),
        "the first names get a clean failure, then no more: {alerts} alerts"
    );
    assert_eq!(alerts + closed, 1000, "no invented name gets a certificate");
    assert_eq!(
        handshake_from(addr, &known, [127, 0, 0, 3]).await,
        Ending::Done,
        "names we serve still work for that client"
    );
    assert_eq!(
        handshake_from(addr, "another.invented.test", [127, 0, 0, 4]).await,
        Ending::Alert,
        "other clients are not cut off"
    );
}

#[tokio::test]
async fn silent_and_garbage_clients_are_dropped_and_the_listener_goes_on() {
    let wildcard = wildcard_files();
    let mut config = https_config();
    config.base_domain = tessera::model::Hostname::parse(BASE_DOMAIN).expect("base domain");
    config.tls.certificates = vec![wildcard.files.clone()];
    let app = spawn_app_with(shared_database().await, config).await;
    let addr = https(&app);
    let (tenant, _) = app.create_tenant("silent", "Club Muet").await;
    let host = tenant.default_host.to_string();

    let started = Instant::now();
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let mut garbage = TcpStream::connect(addr).await.expect("connect");
    garbage
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\x16\x03")
        .await
        .expect("write garbage");
    let trust = Trust::Roots(wildcard.root_pem.clone());
    let (status, body, _) = tls_client::get(addr, &host, "/", &trust)
        .await
        .expect("a real client is served meanwhile");
    assert_eq!(status, 200);
    assert!(body.contains("Club Muet"));

    let mut buffer = [0u8; 64];
    let closed = tokio::time::timeout(Duration::from_secs(5), garbage.read(&mut buffer)).await;
    assert!(closed.is_ok(), "garbage is dropped");
    for mut stream in silent {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "a silent client is dropped"
        );
    }
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "dropped at the handshake timeout (1 s), not before: {waited:?}"
    );
    let (status, _, _) = tls_client::get(addr, &host, "/", &trust)
        .await
        .expect("the listener still accepts");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_local_ca_covers_every_host_and_survives_a_restart() {
    let ca_dir = tempfile::tempdir().expect("ca dir");
    let local = |config: &mut Config| {
        config.tls.local_ca = true;
        config.tls.local_ca_dir = ca_dir.path().to_path_buf();
    };
    let mut config = https_config();
    local(&mut config);
    let app = spawn_app_with(shared_database().await, config).await;
    let (tenant, _) = app.create_tenant("localca", "Club Local").await;
    let host = tenant.default_host.to_string();
    let ca_pem = std::fs::read_to_string(ca_dir.path().join(tessera::tls::local_ca::CA_CERT))
        .expect("the CA is written at first start");
    let trust = Trust::Roots(ca_pem.clone());

    let (status, body, _) = tls_client::get(https(&app), &host, "/", &trust)
        .await
        .expect("a tenant host is covered at its first handshake");
    assert_eq!(status, 200);
    assert!(body.contains("Club Local"));
    let platform = app.state.config.platform_host.to_string();
    assert!(
        tls_client::connect(https(&app), &platform, &trust)
            .await
            .is_ok()
    );
    assert_eq!(
        app.get(&host, "/").await.status(),
        200,
        "local certificates send nobody away from plain HTTP"
    );
    assert_eq!(
        handshake_from(https(&app), "nobody.invented.test", [127, 0, 0, 1]).await,
        Ending::Alert
    );

    let mut again = https_config();
    local(&mut again);
    let second = spawn_app_with(shared_database().await, again).await;
    let (status, _, _) = tls_client::get(https(&second), &host, "/", &trust)
        .await
        .expect("the same CA after a restart");
    assert_eq!(status, 200);
}
