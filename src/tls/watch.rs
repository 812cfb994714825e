//! Keeps every instance's certificates current: a trigger on
//! `platform.certificates` sends `NOTIFY tessera_certs, '<hostname>'`; this
//! task reloads that name (or drops it) and wakes the issuer. When its
//! connection drops, it reloads everything once it is back.

use std::time::Duration;

use tokio::task::JoinHandle;

use super::certs::{Served, Source};
use super::{Tls, TlsError, provider, store};
use crate::db::Platform;

pub const CHANNEL: &str = "tessera_certs";

pub fn spawn(tls: Tls, platform: Platform) -> JoinHandle<()> {
    let own = platform.dedicated(Duration::from_secs(30));
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(250);
        loop {
            match listen(&tls, &own).await {
                Ok(()) => backoff = Duration::from_millis(250),
                Err(error) => tracing::warn!(%error, "certificate listener failed; retrying"),
            }
            if platform.is_closed() {
                own.close().await;
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    })
}

/// Listens until the connection is lost.
async fn listen(tls: &Tls, own: &Platform) -> Result<(), TlsError> {
    let mut listener = own.listener().await?;
    listener.listen(CHANNEL).await?;
    // Whatever changed while we were not listening.
    reload_all(tls).await?;
    loop {
        let Some(notification) = listener.try_recv().await? else {
            return Ok(());
        };
        reload_one(tls, notification.payload()).await?;
        if let Some(issuer) = tls.issuer() {
            issuer.wake();
        }
    }
}

/// Loads every stored certificate (this instance serves HTTPS).
pub async fn reload_all(tls: &Tls) -> Result<(), TlsError> {
    let Some(sealer) = serving(tls) else {
        return Ok(());
    };
    let stored = store::load_all(tls.pool()).await?;
    let count = stored.len();
    for certificate in stored {
        match open(sealer, &certificate) {
            Ok(served) => tls.certificates().insert_as(&certificate.hostname, served),
            Err(error) => tracing::error!(domain = %certificate.hostname, %error,
                "stored certificate cannot be served"),
        }
    }
    tracing::debug!(count, "certificates loaded");
    Ok(())
}

async fn reload_one(tls: &Tls, hostname: &str) -> Result<(), TlsError> {
    let Some(sealer) = serving(tls) else {
        return Ok(());
    };
    match store::load_one(tls.pool(), hostname).await? {
        Some(certificate) => match open(sealer, &certificate) {
            Ok(served) => tls.certificates().insert_as(hostname, served),
            Err(error) => {
                tracing::error!(domain = hostname, %error, "stored certificate cannot be served")
            }
        },
        // Only names that had an ACME row go: never a file's.
        None => tls.certificates().remove_acme(hostname),
    }
    Ok(())
}

/// The sealer, when this instance serves HTTPS (otherwise it keeps no
/// certificates in memory).
fn serving(tls: &Tls) -> Option<&super::Sealer> {
    tls.config().https_port.and(tls.sealer())
}

fn open(
    sealer: &super::Sealer,
    certificate: &store::StoredCertificate,
) -> Result<Served, TlsError> {
    let key = sealer.open(&certificate.key_sealed, &certificate.hostname)?;
    Served::from_pem(
        &provider(),
        certificate.chain_pem.as_bytes(),
        &key,
        Source::Acme,
    )
}
