//! W7's floor, `tessera bench tls-floor`: the least a tokio-rustls server
//! does for these handshakes — an SNI map of the PEM files, the same
//! provider, ALPN and session settings as Tessera's listener, and after the
//! handshake only a read until the client leaves. Run as a child process by
//! `tessera bench tls`, it tells what the product adds to TLS itself.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::tls_certs::parse_files_table;
use crate::tls::{Served, Source, provider};

#[derive(Debug)]
struct SniMap(HashMap<String, Arc<CertifiedKey>>);

impl ResolvesServerCert for SniMap {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0.get(hello.server_name()?).cloned()
    }
}

/// Serves until SIGINT or SIGTERM.
pub async fn run(port: u16, files: &Path) -> anyhow::Result<()> {
    let provider = provider();
    let mut map = HashMap::new();
    for pem in parse_files_table(&std::fs::read_to_string(files)?) {
        let served = Served::from_pem(
            &provider,
            &std::fs::read(&pem.cert)?,
            &std::fs::read(&pem.key)?,
            Source::File,
        )?;
        map.insert(pem.name, served.key);
    }
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SniMap(map)));
    // As Tessera's listener has them, so that only the product differs.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(16_384);
    config.send_tls13_tickets = 1;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let accepting = async {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                // Out of descriptors, mostly: wait rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = tcp.set_nodelay(true);
                let Ok(mut stream) = acceptor.accept(tcp).await else {
                    return;
                };
                // Until the client's close_notify (or its end): then close.
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
            });
        }
    };
    tokio::select! {
        () = accepting => {}
        () = crate::cli::shutdown_signal() => {}
    }
    Ok(())
}
