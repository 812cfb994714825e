//! HTTP/1.1 written by hand, for requests a client library would refuse to
//! send (raw bytes in `Host`, several `Host` headers, absolute-form targets).

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `head` (request line and headers, without the final blank line) and
/// returns the status code and body of the response.
pub async fn send(addr: SocketAddr, head: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = head.to_vec();
    request.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    stream.write_all(&request).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `GET path` with the raw `host` bytes as the Host header.
pub async fn get_with_host(addr: SocketAddr, host: &[u8], path: &str) -> (u16, String) {
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: ").into_bytes();
    head.extend_from_slice(host);
    send(addr, &head).await
}
