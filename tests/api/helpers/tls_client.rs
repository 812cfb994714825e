//! A TLS client for the HTTPS tests: handshakes with a chosen SNI name and
//! ALPN, trusting given roots or (to see which certificate a name gets)
//! anything, and HTTP/1.1 requests written by hand over the stream.

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Which certificates the client accepts.
pub enum Trust {
    /// Only chains to these PEM roots.
    Roots(String),
    /// Anything (the test looks at what it got).
    Anything,
}

#[derive(Debug)]
struct AcceptAnything;

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        tessera::tls::provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

pub fn client_config(trust: &Trust, alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(tessera::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions");
    let mut config = match trust {
        Trust::Roots(pem) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                roots.add(cert.expect("root pem")).expect("root");
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::Anything => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnything))
            .with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// A handshake with `sni` at `addr`.
pub async fn connect(
    addr: SocketAddr,
    sni: &str,
    trust: &Trust,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(sni.to_owned()).map_err(std::io::Error::other)?;
    TlsConnector::from(client_config(trust, &[b"http/1.1"]))
        .connect(name, tcp)
        .await
}

/// The leaf certificate the server presented.
pub fn leaf(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    let (_, connection) = stream.get_ref();
    connection
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("a certificate")
        .clone()
        .into_owned()
}

/// The issuer's name and serial of a certificate.
pub fn issuer_and_serial(der: &CertificateDer<'_>) -> (String, String) {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, cert) = X509Certificate::from_der(der.as_ref()).expect("x509");
    (cert.issuer().to_string(), cert.raw_serial_as_string())
}

/// One HTTP/1.1 request on an open stream (kept alive); status and body.
pub async fn request(stream: &mut TlsStream<TcpStream>, host: &str, path: &str) -> (u16, String) {
    let (status, _, body) = request_full(stream, host, path).await;
    (status, body)
}

/// One request; status, head and body.
pub async fn request_full(
    stream: &mut TlsStream<TcpStream>,
    host: &str,
    path: &str,
) -> (u16, String, String) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/html\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    read_response(stream).await
}

/// Reads one response with a `Content-Length` or chunked body.
async fn read_response(stream: &mut TlsStream<TcpStream>) -> (u16, String, String) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed mid-response");
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer).to_string();
        let Some(end) = text.find("\r\n\r\n") else {
            continue;
        };
        let original_head = text[..end].to_owned();
        let head = original_head.to_ascii_lowercase();
        let status = head[9..12].parse().expect("status");
        let body = &text[end + 4..];
        if let Some(length) = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map(|v| v.trim().parse::<usize>().expect("length"))
        {
            if body.len() >= length {
                return (status, original_head, body[..length].to_owned());
            }
        } else if head.contains("transfer-encoding: chunked") {
            if body.ends_with("0\r\n\r\n") {
                return (status, original_head, body.to_owned());
            }
        } else {
            return (status, original_head, body.to_owned());
        }
    }
}

/// A whole request on a new connection: status, body and the leaf served.
pub async fn get(
    addr: SocketAddr,
    host: &str,
    path: &str,
    trust: &Trust,
) -> std::io::Result<(u16, String, CertificateDer<'static>)> {
    let mut stream = connect(addr, host, trust).await?;
    let leaf = leaf(&stream);
    let (status, body) = request(&mut stream, host, path).await;
    Ok((status, body, leaf))
}
