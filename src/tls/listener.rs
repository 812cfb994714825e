//! The HTTPS listener: a tokio-rustls accept loop. Each connection's
//! ClientHello is read first (`LazyConfigAcceptor`), so that the name can be
//! judged before any certificate work: a name we serve gets the handshake
//! (HTTP/1.1 or h2 by ALPN), a TLS-ALPN-01 validation gets its challenge
//! certificate, a verified name without a certificate yet wakes the issuer
//! (decided from memory, no lookup), and an unknown name gets a clean
//! handshake failure — or, past its client's quota, a closed socket. Every
//! per-connection error is logged and the loop goes on; a client has
//! `tls.handshake_timeout_secs` to finish its handshake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::ServerConfig;
use rustls::server::{Acceptor, ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::LazyConfigAcceptor;
use tower::ServiceExt;

use super::challenge::ACME_TLS_ALPN;
use super::{OverTls, Tls, TlsError};

/// What to do with a connection, from its ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Handshake with the name's certificate.
    Serve,
    /// A TLS-ALPN-01 validation of this name.
    Challenge(String),
    /// A name that routes but has no certificate: fail this handshake and
    /// have one ordered (or, with the local CA, issue one now).
    Missing(String),
    /// Not ours: a clean handshake failure, counted against the client.
    Unknown,
}

/// Facts about the ClientHello's name, all from memory.
pub struct Seen<'a> {
    pub name: Option<&'a str>,
    pub wants_acme_alpn: bool,
    pub have_certificate: bool,
    pub routes: bool,
}

pub fn plan(seen: &Seen<'_>) -> Plan {
    let Some(name) = seen.name else {
        return Plan::Unknown;
    };
    match (seen.wants_acme_alpn, seen.have_certificate, seen.routes) {
        (true, _, true) => Plan::Challenge(name.to_owned()),
        (true, _, false) => Plan::Unknown,
        (false, true, _) => Plan::Serve,
        (false, false, true) => Plan::Missing(name.to_owned()),
        (false, false, false) => Plan::Unknown,
    }
}

/// A bound HTTPS port.
pub struct HttpsListener {
    listener: TcpListener,
    tls: Tls,
    config: Arc<ServerConfig>,
    /// Connections start with a PROXY protocol header naming the client.
    proxy_protocol: bool,
}

impl HttpsListener {
    pub async fn bind(addr: SocketAddr, tls: Tls, proxy_protocol: bool) -> Result<Self, TlsError> {
        let listener = TcpListener::bind(addr).await?;
        let config = server_config(tls.clone(), &[b"h2", b"http/1.1"])?;
        Ok(Self {
            listener,
            tls,
            config,
            proxy_protocol,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Accepts until `shutdown` turns true, then lets open connections
    /// finish their requests.
    pub async fn serve(self, router: Router, mut shutdown: watch::Receiver<bool>) {
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                _ = shutdown.changed() => return,
            };
            let (tcp, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, mostly: wait rather than spin.
                    tracing::warn!(%error, "HTTPS accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let connection = Connection {
                tls: self.tls.clone(),
                config: self.config.clone(),
                router: router.clone(),
                peer,
                shutdown: shutdown.clone(),
                proxy_protocol: self.proxy_protocol,
            };
            tokio::spawn(connection.run(tcp));
        }
    }
}

/// The certificate-map config every served handshake uses.
fn server_config(tls: Tls, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = config_with(Arc::new(tls.certificates().clone()), alpn)
        .map_err(|e| TlsError::Certificate(e.to_string()))?;
    config.session_storage = rustls::server::ServerSessionMemoryCache::new(16_384);
    config.send_tls13_tickets = 1;
    Ok(Arc::new(config))
}

struct Connection {
    tls: Tls,
    config: Arc<ServerConfig>,
    router: Router,
    peer: SocketAddr,
    shutdown: watch::Receiver<bool>,
    proxy_protocol: bool,
}

impl Connection {
    async fn run(mut self, mut tcp: TcpStream) {
        let _ = tcp.set_nodelay(true);
        if self.proxy_protocol {
            // The balancer's header first: the client's address is what
            // the quotas below count.
            match crate::web::proxy_protocol::client_address(&mut tcp, self.peer).await {
                Ok(client) => self.peer = client,
                Err(error) => {
                    count("no_proxy_header");
                    tracing::debug!(peer = %self.peer, %error, "connection without a PROXY header");
                    return;
                }
            }
        }
        let timeout = self.tls.handshake_timeout();
        let peer = self.peer;
        match tokio::time::timeout(timeout, self.handshake(tcp)).await {
            Ok(Ok(Some((stream, this)))) => {
                count("served");
                this.serve_http(stream).await;
            }
            Ok(Ok(None)) => {}
            Ok(Err(error)) => {
                count("failed");
                tracing::debug!(%peer, %error, "TLS handshake failed");
            }
            Err(_) => {
                count("timed_out");
                tracing::debug!(%peer, "TLS handshake timed out");
            }
        }
    }

    /// The handshake, or `None` when the connection ends with it.
    async fn handshake(
        self,
        tcp: TcpStream,
    ) -> std::io::Result<Option<(tokio_rustls::server::TlsStream<TcpStream>, Self)>> {
        let start = LazyConfigAcceptor::new(Acceptor::default(), tcp).await?;
        // The hello borrows `start`: judge it, then let it go.
        let planned = self.plan(&start.client_hello());
        match planned {
            Plan::Serve => {
                let stream = start.into_stream(self.config.clone()).await?;
                Ok(Some((stream, self)))
            }
            Plan::Challenge(name) => {
                count("acme_challenge");
                match self.tls.alpn_challenge(&name).await {
                    Some(key) => {
                        let config = challenge_config(key)?;
                        let mut stream = start.into_stream(config).await?;
                        let _ = tokio::io::AsyncWriteExt::shutdown(&mut stream).await;
                    }
                    None => refuse(start, &self.config).await,
                }
                Ok(None)
            }
            Plan::Missing(name) => {
                if self.tls.issue_locally(&name) {
                    let stream = start.into_stream(self.config.clone()).await?;
                    return Ok(Some((stream, self)));
                }
                self.tls.asked_for(&name);
                count("no_certificate_yet");
                refuse(start, &self.config).await;
                Ok(None)
            }
            Plan::Unknown => {
                // Past its quota a client gets nothing: not even an alert.
                if self.tls.unknown_names().allow(self.peer.ip()) {
                    count("unknown_name");
                    refuse(start, &self.config).await;
                } else {
                    count("cut_off");
                }
                Ok(None)
            }
        }
    }

    fn plan(&self, hello: &ClientHello<'_>) -> Plan {
        let name = hello.server_name();
        let wants_acme_alpn = hello
            .alpn()
            .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN));
        let have_certificate = name.is_some_and(|n| self.tls.certificates().key_for(n).is_some());
        // Parsing the name is the costly part: only when it matters.
        let routes =
            (wants_acme_alpn || !have_certificate) && name.is_some_and(|n| self.tls.routes(n));
        plan(&Seen {
            name,
            wants_acme_alpn,
            have_certificate,
            routes,
        })
    }

    /// HTTP/1.1 or h2 over the stream until the client leaves or we stop.
    async fn serve_http(self, stream: tokio_rustls::server::TlsStream<TcpStream>) {
        let (router, peer) = (self.router, self.peer);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.extensions_mut().insert(OverTls);
            router.clone().oneshot(request)
        });
        let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(30));
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let mut shutdown = self.shutdown;
        let stopping = async move {
            // The guard `wait_for` returns is not `Send`: drop it here.
            let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
        };
        tokio::select! {
            result = connection.as_mut() => log_end(peer, result),
            () = stopping => {
                connection.as_mut().graceful_shutdown();
                log_end(peer, connection.await);
            }
        }
    }
}

/// Handshakes by outcome, for `/metrics`.
fn count(outcome: &'static str) {
    metrics::counter!("tessera_tls_handshakes_total", "outcome" => outcome).increment(1);
}

fn log_end(peer: SocketAddr, result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(error) = result {
        tracing::debug!(%peer, %error, "HTTPS connection ended with an error");
    }
}

/// Finishes the handshake with no certificate: the client gets an alert.
async fn refuse(start: tokio_rustls::StartHandshake<TcpStream>, config: &Arc<ServerConfig>) {
    let _ = start.into_stream(config.clone()).await;
}

/// A config that only speaks `acme-tls/1`, with the challenge certificate.
fn challenge_config(key: Arc<CertifiedKey>) -> std::io::Result<Arc<ServerConfig>> {
    let config =
        config_with(Arc::new(Fixed(key)), &[ACME_TLS_ALPN]).map_err(std::io::Error::other)?;
    Ok(Arc::new(config))
}

/// TLS 1.2 and 1.3 with our provider, certificates from `resolver`.
fn config_with(
    resolver: Arc<dyn ResolvesServerCert>,
    alpn: &[&[u8]],
) -> Result<ServerConfig, rustls::Error> {
    let mut config = ServerConfig::builder_with_provider(super::provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(name: Option<&str>, acme: bool, cert: bool, routes: bool) -> Plan {
        plan(&Seen {
            name,
            wants_acme_alpn: acme,
            have_certificate: cert,
            routes,
        })
    }

    #[test]
    fn names_are_judged_from_memory() {
        let club = Some("club.example.org");
        assert_eq!(seen(club, false, true, true), Plan::Serve);
        assert_eq!(
            seen(club, false, false, true),
            Plan::Missing("club.example.org".into())
        );
        assert_eq!(seen(club, false, false, false), Plan::Unknown);
        assert_eq!(
            seen(club, true, true, true),
            Plan::Challenge("club.example.org".into())
        );
        assert_eq!(seen(club, true, false, false), Plan::Unknown);
        assert_eq!(seen(None, false, false, false), Plan::Unknown);
    }
}
