//! W7's client, the same for every server: new TCP connections to
//! loopback, each a full TLS 1.3 handshake (no resumption) with SNI taken
//! round-robin over the bench names and ALPN `http/1.1`, timed from
//! `connect` to the end of the handshake, then closed. rustls with
//! aws-lc-rs, named explicitly.
//!
//! The chain is not verified against the bench CA: on two shared cores the
//! client's work would be measured along with the server's. Instead every
//! handshake's leaf is compared with the one generated for the name asked
//! (a server that serves the wrong certificate fails the handshake, and
//! the bench), and one handshake signature in `signature_every` is checked,
//! so that a server without the leaf's private key cannot pass either.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error as TlsError, SignatureScheme,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A handshake that takes longer than this counts as failed.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a closed connection waits for the server's end.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the client checked, over all handshakes.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Checks {
    /// Leaves compared with the expected one.
    pub leaves_checked: u64,
    /// Of those, not the certificate of the name asked.
    pub leaves_wrong: u64,
    /// Handshake signatures verified with the leaf's public key.
    pub signatures_checked: u64,
}

#[derive(Debug)]
struct Checker {
    leaves: HashMap<String, CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
    signature_every: u64,
    signed: AtomicU64,
    checked: AtomicU64,
    wrong: AtomicU64,
    signatures: AtomicU64,
}

impl ServerCertVerifier for Checker {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        self.checked.fetch_add(1, Ordering::Relaxed);
        let expected = match server_name {
            ServerName::DnsName(name) => self.leaves.get(name.as_ref()),
            _ => None,
        };
        if expected.is_some_and(|leaf| leaf.as_ref() == end_entity.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        self.wrong.fetch_add(1, Ordering::Relaxed);
        Err(TlsError::InvalidCertificate(
            CertificateError::NotValidForName,
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        Err(TlsError::General("TLS 1.2 is not offered".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        let n = self.signed.fetch_add(1, Ordering::Relaxed);
        if !n.is_multiple_of(self.signature_every.max(1)) {
            return Ok(HandshakeSignatureValid::assertion());
        }
        self.signatures.fetch_add(1, Ordering::Relaxed);
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// What one handshake negotiated (reported once per server).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Negotiated {
    pub protocol: String,
    pub cipher_suite: String,
    pub key_exchange: String,
    pub alpn: String,
}

/// The figures of one load run over its measured window.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// Handshake latencies (connect + handshake) completed in the window.
    pub samples: Vec<Duration>,
    pub window: Duration,
    pub errors: u64,
    pub first_error: Option<String>,
    /// The server's CPU ticks over the window, if it could be read.
    pub server_ticks: Option<u64>,
}

pub struct Client {
    config: Arc<ClientConfig>,
    names: Vec<ServerName<'static>>,
    checker: Arc<Checker>,
}

const WARMING: u8 = 0;
const MEASURING: u8 = 1;
const STOPPING: u8 = 2;

impl Client {
    /// A client that expects `leaves` (name, leaf DER), in that order.
    pub fn new(leaves: &[(String, Vec<u8>)], signature_every: u64) -> anyhow::Result<Self> {
        let provider = crate::tls::provider();
        let checker = Arc::new(Checker {
            leaves: leaves
                .iter()
                .map(|(name, der)| (name.clone(), CertificateDer::from(der.clone())))
                .collect(),
            algorithms: provider.signature_verification_algorithms,
            signature_every,
            signed: AtomicU64::new(0),
            checked: AtomicU64::new(0),
            wrong: AtomicU64::new(0),
            signatures: AtomicU64::new(0),
        });
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(checker.clone())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        // Every connection is a full handshake, as a new visitor's.
        config.resumption = rustls::client::Resumption::disabled();
        let names = leaves
            .iter()
            .map(|(name, _)| ServerName::try_from(name.clone()))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            config: Arc::new(config),
            names,
            checker,
        })
    }

    pub fn checks(&self) -> Checks {
        Checks {
            leaves_checked: self.checker.checked.load(Ordering::Relaxed),
            leaves_wrong: self.checker.wrong.load(Ordering::Relaxed),
            signatures_checked: self.checker.signatures.load(Ordering::Relaxed),
        }
    }

    /// One connection for name `index`: its handshake's duration and what
    /// it negotiated. The connection is then closed the polite way: our
    /// `close_notify`, then the server's end, so that the server does all
    /// of its per-connection work and closes first (its side keeps the
    /// TIME_WAIT, not our ephemeral ports).
    pub async fn handshake(
        &self,
        addr: SocketAddr,
        index: usize,
    ) -> anyhow::Result<(Duration, Negotiated)> {
        let name = self.names[index % self.names.len()].clone();
        let started = Instant::now();
        let connect = async {
            let tcp = TcpStream::connect(addr).await?;
            tcp.set_nodelay(true)?;
            TlsConnector::from(self.config.clone())
                .connect(name, tcp)
                .await
        };
        let mut stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, connect)
            .await
            .map_err(|_| anyhow::anyhow!("handshake timed out"))??;
        let took = started.elapsed();
        let connection = stream.get_ref().1;
        let negotiated = Negotiated {
            protocol: format!("{:?}", connection.protocol_version()),
            cipher_suite: format!(
                "{:?}",
                connection.negotiated_cipher_suite().map(|s| s.suite())
            ),
            key_exchange: format!(
                "{:?}",
                connection.negotiated_key_exchange_group().map(|g| g.name())
            ),
            alpn: String::from_utf8_lossy(connection.alpn_protocol().unwrap_or_default())
                .into_owned(),
        };
        stream.get_mut().1.send_close_notify();
        let closing = async {
            stream.flush().await?;
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        };
        // A server that leaves without its own close_notify is fine here.
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
        Ok((took, negotiated))
    }

    /// Retries a handshake every few milliseconds until one succeeds or
    /// `limit` passes; returns what the first success negotiated.
    pub async fn first_handshake(
        &self,
        addr: SocketAddr,
        limit: Duration,
        mut alive: impl FnMut() -> bool,
    ) -> anyhow::Result<Negotiated> {
        let started = Instant::now();
        loop {
            match self.handshake(addr, 0).await {
                Ok((_, negotiated)) => return Ok(negotiated),
                Err(error) if started.elapsed() > limit || !alive() => {
                    anyhow::bail!("no handshake after {:?}: {error:#}", started.elapsed())
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
    }

    /// `loops` concurrent loops of handshakes for `warmup` (not counted),
    /// then `seconds` measured; `server_ticks` reads the server's CPU at
    /// both ends of the measured window.
    pub async fn load(
        self: &Arc<Self>,
        addr: SocketAddr,
        loops: usize,
        warmup: Duration,
        seconds: Duration,
        server_ticks: impl Fn() -> Option<u64>,
    ) -> LoadResult {
        let phase = Arc::new(AtomicU8::new(WARMING));
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::with_capacity(loops);
        for _ in 0..loops {
            let (client, phase, next) = (self.clone(), phase.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                client.handshake_loop(addr, &phase, &next).await
            }));
        }
        tokio::time::sleep(warmup).await;
        let ticks_before = server_ticks();
        let started = Instant::now();
        phase.store(MEASURING, Ordering::SeqCst);
        tokio::time::sleep(seconds).await;
        phase.store(STOPPING, Ordering::SeqCst);
        let window = started.elapsed();
        let ticks_after = server_ticks();
        let mut result = LoadResult {
            samples: Vec::new(),
            window,
            errors: 0,
            first_error: None,
            server_ticks: ticks_before
                .zip(ticks_after)
                .map(|(a, b)| b.saturating_sub(a)),
        };
        for task in tasks {
            match task.await {
                Ok(done) => {
                    result.samples.extend(done.samples);
                    result.errors += done.errors;
                    result.first_error = result.first_error.or(done.first_error);
                }
                Err(error) => {
                    result.errors += 1;
                    result.first_error.get_or_insert(error.to_string());
                }
            }
        }
        result
    }

    async fn handshake_loop(
        &self,
        addr: SocketAddr,
        phase: &AtomicU8,
        next: &AtomicUsize,
    ) -> LoopResult {
        let mut done = LoopResult::default();
        loop {
            if phase.load(Ordering::Relaxed) == STOPPING {
                return done;
            }
            let index = next.fetch_add(1, Ordering::Relaxed);
            let outcome = self.handshake(addr, index).await;
            // Counted when it ends inside the window, as a rate is.
            if phase.load(Ordering::Relaxed) != MEASURING {
                continue;
            }
            match outcome {
                Ok((took, _)) => done.samples.push(took),
                Err(error) => {
                    done.errors += 1;
                    done.first_error.get_or_insert_with(|| format!("{error:#}"));
                }
            }
        }
    }
}

#[derive(Default)]
struct LoopResult {
    samples: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
}
