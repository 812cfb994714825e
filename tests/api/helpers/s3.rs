//! A real S3-compatible server for one test: `s3s-fs` (installed by
//! `tests/run.sh`: `cargo install --locked s3s-fs@0.14.1 --features binary`)
//! on a free port it picks itself, in a fresh folder, with keys, so that
//! signatures and expiry are checked as a real store checks them; and a
//! bucket made for the test. The server dies with its `S3Server`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use tessera::config::S3Config;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ACCESS_KEY: &str = "tessera-test";
const SECRET_KEY: &str = "tessera-test-secret";
pub const BUCKET: &str = "tessera-documents";

pub struct S3Server {
    pub endpoint: String,
    _child: Child,
    _dir: tempfile::TempDir,
}

/// The `s3s-fs` binary: `$S3S_FS`, else on the `PATH`, else cargo's.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("S3S_FS") {
        return path.into();
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("s3s-fs"))
        .find(|path| path.is_file());
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let from_cargo = cargo_home.map(|home| home.join("bin/s3s-fs"));
    on_path
        .or(from_cargo.filter(|path| path.is_file()))
        .expect("s3s-fs is not installed: cargo install --locked s3s-fs@0.14.1 --features binary")
}

impl S3Server {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("s3 folder");
        let mut child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(dir.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("s3s-fs starts");
        let stdout = child.stdout.take().expect("s3s-fs output");
        let mut lines = BufReader::new(stdout).lines();
        let endpoint = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(line) = lines.next_line().await.expect("s3s-fs output") {
                if let Some(at) = line.find("server is running at ") {
                    return line[at + "server is running at ".len()..].trim().to_owned();
                }
            }
            panic!("s3s-fs exited before listening");
        })
        .await
        .expect("s3s-fs listens within 10 s");
        // Its log goes on (one line per request): read it, or it would
        // block once the pipe is full.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let server = Self {
            endpoint,
            _child: child,
            _dir: dir,
        };
        server
            .client()
            .create_bucket()
            .bucket(BUCKET)
            .send()
            .await
            .expect("bucket created");
        server
    }

    pub fn config(&self) -> S3Config {
        S3Config {
            endpoint: Some(self.endpoint.clone()),
            bucket: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            access_key_id: ACCESS_KEY.to_owned(),
            secret_access_key: SECRET_KEY.to_owned().into(),
            force_path_style: true,
        }
    }

    /// A client of our own, to look into the bucket behind the app's back.
    pub fn client(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Every object name in the bucket, sorted.
    pub async fn objects(&self) -> Vec<String> {
        let listed = self
            .client()
            .list_objects_v2()
            .bucket(BUCKET)
            .send()
            .await
            .expect("list");
        let mut names: Vec<String> = listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        names.sort();
        names
    }
}
