//! The PROXY protocol: the header a TCP balancer (HAProxy `send-proxy-v2`)
//! puts before a connection's own bytes to say whose connection it carries.
//! Behind such a balancer every connection comes from it, and TLS passes
//! through it untouched (certificates are ours), so no HTTP header can carry
//! the client's address: this one does, for rate limits, quotas and audit.
//!
//! With `[http] proxy_protocol = true` a connection must start with a v1
//! (text) or v2 (binary) header within a few seconds, or it is closed. The
//! header's bytes are read exactly, nothing beyond: what follows is the
//! client's TLS handshake or HTTP request, untouched. A `LOCAL` (v2) or
//! `UNKNOWN` (v1) header, the balancer's own health checks, keeps the
//! balancer's address. Parsing is the `ppp` crate's.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The v2 header's first twelve bytes.
const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// The longest v1 line, CRLF included (the protocol's own bound).
const V1_MAX: usize = 107;
/// The longest v2 header we accept: addresses and a few TLVs.
const V2_MAX: usize = 16 + 512;
/// How long a connection may take to send its header.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads the header off `stream` and returns the client's address (`peer`,
/// the balancer's, for its own checks).
pub async fn client_address<S: AsyncRead + Unpin>(
    stream: &mut S,
    peer: SocketAddr,
) -> io::Result<SocketAddr> {
    match tokio::time::timeout(HEADER_TIMEOUT, read_header(stream)).await {
        Ok(header) => source_of(&header?, peer),
        Err(_) => Err(invalid("no PROXY protocol header in time")),
    }
}

/// The header's bytes, exactly.
async fn read_header<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Vec<u8>> {
    let mut header = vec![0; 5];
    stream.read_exact(&mut header).await?;
    if header == b"PROXY" {
        while !header.ends_with(b"\r\n") {
            if header.len() >= V1_MAX {
                return Err(invalid("PROXY v1 line too long"));
            }
            header.push(stream.read_u8().await?);
        }
        return Ok(header);
    }
    header.resize(16, 0);
    stream.read_exact(&mut header[5..]).await?;
    if header[..12] != V2_SIGNATURE {
        return Err(invalid("the connection does not start with a PROXY header"));
    }
    let length = 16 + usize::from(u16::from_be_bytes([header[14], header[15]]));
    if length > V2_MAX {
        return Err(invalid("PROXY v2 header too long"));
    }
    header.resize(length, 0);
    stream.read_exact(&mut header[16..]).await?;
    Ok(header)
}

fn source_of(header: &[u8], peer: SocketAddr) -> io::Result<SocketAddr> {
    if header.starts_with(b"PROXY") {
        let line = std::str::from_utf8(header).map_err(|_| invalid("PROXY v1 not text"))?;
        let parsed = ppp::v1::Header::try_from(line).map_err(|_| invalid("bad PROXY v1 line"))?;
        return Ok(match parsed.addresses {
            ppp::v1::Addresses::Tcp4(a) => SocketAddr::from((a.source_address, a.source_port)),
            ppp::v1::Addresses::Tcp6(a) => SocketAddr::from((a.source_address, a.source_port)),
            ppp::v1::Addresses::Unknown => peer,
        });
    }
    let parsed = ppp::v2::Header::try_from(header).map_err(|_| invalid("bad PROXY v2 header"))?;
    Ok(match parsed.addresses {
        ppp::v2::Addresses::IPv4(a) => SocketAddr::from((a.source_address, a.source_port)),
        ppp::v2::Addresses::IPv6(a) => SocketAddr::from((a.source_address, a.source_port)),
        _ => peer,
    })
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_owned())
}

/// The public HTTP port. Without the PROXY protocol it accepts as a
/// `TcpListener` does. With it, a task accepts and reads each connection's
/// header in a task of its own (a client slow to send it holds up nobody)
/// before handing the connection over with the client's address; that task
/// ends, closing the port, when the listener is dropped.
pub struct PublicListener {
    local: SocketAddr,
    accepted: Accepted,
}

enum Accepted {
    Direct(TcpListener),
    Proxied(mpsc::Receiver<(TcpStream, SocketAddr)>),
}

impl PublicListener {
    pub fn new(tcp: TcpListener, proxy_protocol: bool) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let accepted = match proxy_protocol {
            false => Accepted::Direct(tcp),
            true => {
                let (ready, accepted) = mpsc::channel(1024);
                tokio::spawn(accept_proxied(tcp, ready));
                Accepted::Proxied(accepted)
            }
        };
        Ok(Self { local, accepted })
    }
}

async fn accept_proxied(tcp: TcpListener, ready: mpsc::Sender<(TcpStream, SocketAddr)>) {
    loop {
        let accepted = tokio::select! {
            accepted = tcp.accept() => accepted,
            _ = ready.closed() => return,
        };
        let (mut stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let ready = ready.clone();
        tokio::spawn(async move {
            match client_address(&mut stream, peer).await {
                Ok(client) => {
                    let _ = ready.send((stream, client)).await;
                }
                Err(error) => tracing::debug!(%peer, %error, "connection without a PROXY header"),
            }
        });
    }
}

impl axum::serve::Listener for PublicListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let next = match &mut self.accepted {
                Accepted::Direct(tcp) => TcpListener::accept(tcp).await.map_err(Some),
                Accepted::Proxied(accepted) => accepted.recv().await.ok_or(None),
            };
            match next {
                Ok((stream, client)) => {
                    let _ = stream.set_nodelay(true);
                    return (stream, client);
                }
                Err(Some(error)) => {
                    // Out of descriptors, mostly: wait rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(None) => std::future::pending::<()>().await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balancer() -> SocketAddr {
        SocketAddr::from(([10, 0, 0, 2], 40000))
    }

    async fn read(bytes: &[u8]) -> (io::Result<SocketAddr>, Vec<u8>) {
        let mut input = bytes;
        let client = client_address(&mut input, balancer()).await;
        (client, input.to_vec())
    }

    #[tokio::test]
    async fn a_v1_line_names_the_client_and_leaves_the_request_whole() {
        let (client, rest) =
            read(b"PROXY TCP4 203.0.113.9 10.0.0.1 51000 443\r\nGET / HTTP/1.1\r\n").await;
        assert_eq!(
            client.ok(),
            Some(SocketAddr::from(([203, 0, 113, 9], 51000)))
        );
        assert_eq!(rest, b"GET / HTTP/1.1\r\n");
        let (client, _) = read(b"PROXY TCP6 2001:db8::7 ::1 51000 443\r\n").await;
        assert_eq!(client.ok(), "[2001:db8::7]:51000".parse().ok());
        let (client, _) = read(b"PROXY UNKNOWN\r\n").await;
        assert_eq!(client.ok(), Some(balancer()));
    }

    #[tokio::test]
    async fn a_v2_header_names_the_client_and_a_local_one_keeps_the_balancer() {
        let mut proxied = V2_SIGNATURE.to_vec();
        proxied.extend([
            0x21, 0x11, 0, 12, 198, 51, 100, 4, 10, 0, 0, 1, 0xC3, 0x50, 1, 187,
        ]);
        proxied.extend(b"\x16\x03\x01");
        let (client, rest) = read(&proxied).await;
        assert_eq!(
            client.ok(),
            Some(SocketAddr::from(([198, 51, 100, 4], 50000)))
        );
        assert_eq!(
            rest, b"\x16\x03\x01",
            "the TLS handshake that follows is untouched"
        );
        let mut local = V2_SIGNATURE.to_vec();
        local.extend([0x20, 0x00, 0, 0]);
        let (client, _) = read(&local).await;
        assert_eq!(client.ok(), Some(balancer()));
    }

    #[tokio::test]
    async fn anything_else_is_refused() {
        for bytes in [
            &b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"[..],
            b"PROXY TCP4 not-an-address 10.0.0.1 1 2\r\n",
            &[b'P', b'R', b'O', b'X', b'Y', b' '].repeat(30),
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\x00\x00\x00\x00",
        ] {
            assert!(
                read(bytes).await.0.is_err(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}
