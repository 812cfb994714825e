//! HTTP/1.1 written by hand, for requests a client library would refuse to
//! send: raw bytes in `Host`, several `Host` headers, absolute-form targets,
//! paths starting with `//`, odd header values (used by `hosts.rs`,
//! `http_edges.rs` and `health.rs`).

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as read off the socket.
pub struct RawResponse {
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    pub body: String,
}

impl RawResponse {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .filter(|(key, _)| key.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
            .collect()
    }

    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).into_iter().next()
    }
}

/// Sends `head` (request line and headers, without the final blank line) and
/// returns the whole response.
pub async fn exchange(addr: SocketAddr, head: &[u8]) -> RawResponse {
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
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    RawResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// Sends `head` and returns the status code and body of the response.
pub async fn send(addr: SocketAddr, head: &[u8]) -> (u16, String) {
    let response = exchange(addr, head).await;
    (response.status, response.body)
}

/// `GET path` with the raw `host` bytes as the Host header.
pub async fn get_with_host(addr: SocketAddr, host: &[u8], path: &str) -> (u16, String) {
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: ").into_bytes();
    head.extend_from_slice(host);
    send(addr, &head).await
}
