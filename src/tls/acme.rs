//! Talking to the ACME server (instant-acme): our account, kept sealed in
//! `platform.acme_accounts` and restored by every instance, and one order
//! for one name, its challenge published for every instance to answer.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, BodyWrapper, ChallengeType, Identifier,
    NewAccount, NewOrder, OrderStatus, RetryPolicy,
};
use rcgen::{CertificateParams, KeyPair, PKCS_ECDSA_P256_SHA256};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::sync::Mutex;

use super::challenge;
use super::sealed::Sealer;
use crate::config::{AcmeConfig, ChallengeKind};
use crate::db::Platform;

/// Why an order did not give a certificate.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The ACME server says we are over a rate limit.
    #[error("rate limited by the ACME server: {0}")]
    RateLimited(String),
    /// The ACME server no longer knows our account (it was reset): a new
    /// one is made at the next attempt.
    #[error("the ACME server forgot our account: {0}")]
    AccountGone(String),
    /// The ACME server refused (a failed challenge, a refused name…).
    #[error("{0}")]
    Refused(String),
    /// We could not reach it, or it did not answer in time.
    #[error("ACME server unreachable: {0}")]
    Unreachable(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Local(String),
}

impl From<instant_acme::Error> for OrderError {
    fn from(error: instant_acme::Error) -> Self {
        match error {
            instant_acme::Error::Api(problem) => {
                let kind = problem.r#type.as_deref().unwrap_or_default();
                let detail = problem.detail.clone().unwrap_or_else(|| kind.to_owned());
                let forgotten = kind.ends_with(":accountDoesNotExist")
                    || (detail.starts_with("Account ") && detail.ends_with(" not found."));
                if kind.ends_with(":rateLimited") {
                    Self::RateLimited(detail)
                } else if forgotten {
                    Self::AccountGone(detail)
                } else {
                    Self::Refused(detail)
                }
            }
            other => Self::Unreachable(chain(&other)),
        }
    }
}

/// An error and its sources on one line (hyper's own Display says little).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A certificate as the ACME server issued it.
pub struct Obtained {
    pub chain_pem: String,
    pub key_pem: String,
    pub challenge: ChallengeKind,
}

/// The ACME side of the issuer: one directory, one account.
pub struct AcmeClient {
    config: AcmeConfig,
    directory: String,
    roots: Arc<RootCertStore>,
    account: Mutex<Option<Account>>,
}

impl AcmeClient {
    pub fn new(config: &AcmeConfig) -> Result<Option<Self>, super::TlsError> {
        let Some(directory) = config.directory.clone() else {
            return Ok(None);
        };
        let roots = match &config.ca_file {
            Some(path) => {
                let mut roots = RootCertStore::empty();
                for cert in CertificateDer::pem_file_iter(path)
                    .map_err(|e| super::TlsError::Config(format!("tls.acme.ca_file: {e}")))?
                {
                    let cert = cert
                        .map_err(|e| super::TlsError::Config(format!("tls.acme.ca_file: {e}")))?;
                    roots
                        .add(cert)
                        .map_err(|e| super::TlsError::Config(format!("tls.acme.ca_file: {e}")))?;
                }
                roots
            }
            None => RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        Ok(Some(Self {
            config: config.clone(),
            directory,
            roots: Arc::new(roots),
            account: Mutex::new(None),
        }))
    }

    pub fn directory(&self) -> &str {
        &self.directory
    }

    /// The configured challenge, then the other.
    fn challenges(&self) -> [ChallengeKind; 2] {
        match self.config.challenge {
            ChallengeKind::Http01 => [ChallengeKind::Http01, ChallengeKind::TlsAlpn01],
            ChallengeKind::TlsAlpn01 => [ChallengeKind::TlsAlpn01, ChallengeKind::Http01],
        }
    }

    /// An HTTPS client trusting our roots, with `TCP_NODELAY` (without it
    /// each request over h2 waits ~40 ms on delayed ACKs).
    fn builder(&self) -> Result<instant_acme::AccountBuilder, OrderError> {
        let tls = rustls::ClientConfig::builder_with_provider(super::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| OrderError::Local(e.to_string()))?
            .with_root_certificates(self.roots.clone())
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_all_versions()
            .wrap_connector(http);
        let client: Client<_, BodyWrapper<bytes::Bytes>> =
            Client::builder(TokioExecutor::new()).build(connector);
        Ok(Account::builder_with_http(Box::new(client)))
    }

    /// Our account: restored from the database, or created (and stored).
    async fn account(&self, pool: &Platform, sealer: &Sealer) -> Result<Account, OrderError> {
        let mut cached = self.account.lock().await;
        if let Some(account) = cached.as_ref() {
            return Ok(account.clone());
        }
        let account = match super::accounts::account(pool, &self.directory).await? {
            Some(stored) => {
                let json = sealer
                    .open(&stored.credentials_sealed, &self.directory)
                    .map_err(|e| OrderError::Local(e.to_string()))?;
                let credentials: AccountCredentials = serde_json::from_slice(&json)
                    .map_err(|e| OrderError::Local(format!("stored ACME account: {e}")))?;
                self.builder()?.from_credentials(credentials).await?
            }
            None => self.create_account(pool, sealer).await?,
        };
        *cached = Some(account.clone());
        Ok(account)
    }

    async fn create_account(
        &self,
        pool: &Platform,
        sealer: &Sealer,
    ) -> Result<Account, OrderError> {
        let contact: Vec<&str> = self.config.contact.iter().map(String::as_str).collect();
        let (account, credentials) = self
            .builder()?
            .create(
                &NewAccount {
                    contact: &contact,
                    terms_of_service_agreed: true,
                    only_return_existing: false,
                },
                self.directory.clone(),
                None,
            )
            .await?;
        let json =
            serde_json::to_vec(&credentials).map_err(|e| OrderError::Local(e.to_string()))?;
        let sealed = sealer
            .seal(&json, &self.directory)
            .map_err(|e| OrderError::Local(e.to_string()))?;
        super::accounts::save_account(pool, &self.directory, &sealed).await?;
        Ok(account)
    }

    /// Forgets our account, cached and stored (the server forgot it).
    pub async fn forget_account(&self, pool: &Platform) -> Result<(), sqlx::Error> {
        let mut cached = self.account.lock().await;
        *cached = None;
        super::accounts::delete_account(pool, &self.directory).await
    }

    /// Until when the ACME server asked us to wait, if it did.
    pub async fn paused_until(
        &self,
        pool: &Platform,
    ) -> Result<Option<chrono::DateTime<Utc>>, sqlx::Error> {
        let stored = super::accounts::account(pool, &self.directory).await?;
        Ok(stored
            .and_then(|s| s.paused_until)
            .filter(|until| *until > Utc::now()))
    }

    /// One order for `hostname`, from new order to issued chain.
    pub async fn order(
        &self,
        pool: &Platform,
        sealer: &Sealer,
        hostname: &str,
    ) -> Result<Obtained, OrderError> {
        let account = self.account(pool, sealer).await?;
        let identifiers = [Identifier::Dns(hostname.to_owned())];
        let mut order = account.new_order(&NewOrder::new(&identifiers)).await?;
        let used = self.answer_challenges(pool, hostname, &mut order).await?;
        let policy = RetryPolicy::new()
            .initial_delay(Duration::from_millis(self.config.poll_initial_ms))
            .backoff(1.5)
            .timeout(Duration::from_secs(self.config.order_timeout_secs));
        let status = order.poll_ready(&policy).await?;
        if status != OrderStatus::Ready {
            return Err(OrderError::Refused(format!("order is {status:?}")));
        }
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(|e| OrderError::Local(e.to_string()))?;
        let csr = CertificateParams::new(vec![hostname.to_owned()])
            .and_then(|params| params.serialize_request(&key))
            .map_err(|e| OrderError::Local(e.to_string()))?;
        order.finalize_csr(csr.der()).await?;
        let chain_pem = order.poll_certificate(&policy).await?;
        Ok(Obtained {
            chain_pem,
            key_pem: key.serialize_pem(),
            challenge: used,
        })
    }

    /// Publishes and readies a challenge for each pending authorization;
    /// returns the kind used.
    async fn answer_challenges(
        &self,
        pool: &Platform,
        hostname: &str,
        order: &mut instant_acme::Order,
    ) -> Result<ChallengeKind, OrderError> {
        let mut used = self.config.challenge;
        let mut authorizations = order.authorizations();
        while let Some(authorization) = authorizations.next().await {
            let mut authorization = authorization?;
            if authorization.status == AuthorizationStatus::Valid {
                continue;
            }
            let offered: Vec<ChallengeType> = authorization
                .challenges
                .iter()
                .map(|c| c.r#type.clone())
                .collect();
            let Some(kind) = self
                .challenges()
                .into_iter()
                .find(|kind| offered.contains(&challenge_type(*kind)))
            else {
                return Err(OrderError::Refused(
                    "the ACME server offers neither http-01 nor tls-alpn-01".into(),
                ));
            };
            used = kind;
            let mut handle = authorization
                .challenge(challenge_type(kind))
                .ok_or_else(|| OrderError::Refused("challenge vanished".into()))?;
            let key_authorization = handle.key_authorization();
            let answer = match kind {
                ChallengeKind::Http01 => key_authorization.as_str().to_owned(),
                ChallengeKind::TlsAlpn01 => {
                    data_encoding::HEXLOWER.encode(key_authorization.digest().as_ref())
                }
            };
            challenge::publish(pool, hostname, kind.as_str(), &handle.token, &answer).await?;
            handle.set_ready().await?;
        }
        Ok(used)
    }
}

fn challenge_type(kind: ChallengeKind) -> ChallengeType {
    match kind {
        ChallengeKind::Http01 => ChallengeType::Http01,
        ChallengeKind::TlsAlpn01 => ChallengeType::TlsAlpn01,
    }
}
