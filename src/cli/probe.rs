//! `tessera probe [PATH]`: asks this machine's server for a probe page
//! (`/healthz` by default) and exits 0 on a 200. For container health
//! checks, so that the runtime image needs no HTTP client of its own.

use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::Config;

const TIMEOUT: Duration = Duration::from_secs(3);

pub async fn run(config: Config, path: String) -> anyhow::Result<ExitCode> {
    let host = if config.http.host.is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        config.http.host
    };
    let answer = tokio::time::timeout(TIMEOUT, status_line(host, config.http.port, &path)).await;
    match answer {
        Ok(Ok(line)) if line.split_whitespace().nth(1) == Some("200") => Ok(ExitCode::SUCCESS),
        Ok(Ok(line)) => {
            eprintln!("{path}: {line}");
            Ok(ExitCode::FAILURE)
        }
        Ok(Err(error)) => {
            eprintln!("{path}: {error}");
            Ok(ExitCode::FAILURE)
        }
        Err(_) => {
            eprintln!("{path}: no answer within {} s", TIMEOUT.as_secs());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The first line of the answer to `GET path`.
async fn status_line(host: std::net::IpAddr, port: u16, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect((host, port)).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = vec![0; 256];
    let read = stream.read(&mut head).await?;
    let text = String::from_utf8_lossy(&head[..read]);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}
