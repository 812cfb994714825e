//! The listeners besides the public HTTP one: HTTPS (after its
//! certificates are loaded) and the private `/metrics` port.

use std::net::SocketAddr;

use super::StartError;
use crate::state::AppState;
use crate::web;

/// Loads the certificates, then binds the HTTPS port if there is one.
pub(super) async fn bind_https(
    state: &AppState,
) -> Result<Option<crate::tls::HttpsListener>, StartError> {
    state.tls.load().await?;
    let Some(port) = state.config.tls.https_port else {
        return Ok(None);
    };
    let addr = SocketAddr::new(state.config.http.host, port);
    let proxy_protocol = state.config.http.proxy_protocol;
    let listener = crate::tls::HttpsListener::bind(addr, state.tls.clone(), proxy_protocol)
        .await
        .map_err(|e| match e {
            crate::tls::TlsError::Io(source) => StartError::Bind { addr, source },
            other => StartError::Tls(other),
        })?;
    Ok(Some(listener))
}

pub(super) async fn bind_metrics(
    state: &AppState,
) -> Result<Option<web::metrics::Listener>, StartError> {
    let Some(port) = state.config.metrics.port else {
        return Ok(None);
    };
    let addr = SocketAddr::new(state.config.metrics.host, port);
    let listener = web::metrics::Listener::bind(addr, state.metrics.clone(), state.db.clone())
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    Ok(Some(listener))
}
