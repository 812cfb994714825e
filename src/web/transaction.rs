//! The request's tenant transaction: [`scope`] gives each tenant request a
//! [`TxScope`] and finishes what the handler opened before the response
//! leaves (commit on success, rollback on an error response); the
//! [`TenantTx`] extractor hands the handler its lazy transaction.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::db::{Database, TenantTx, TxScope};
use crate::error::AppError;
use crate::web::CurrentTenant;

/// Marks an error response whose writes must stand all the same: a failed
/// sign-in answers 401 but its audit entry is kept. Insert it into the
/// response's extensions.
#[derive(Debug, Clone, Copy)]
pub struct KeepWrites;

/// Middleware of the tenant routes. Costs nothing when the handler does not
/// touch the database (a page-cache hit): no transaction is opened then.
pub async fn scope(State(db): State<Database>, mut request: Request, next: Next) -> Response {
    let Some(CurrentTenant(tenant)) = request.extensions().get::<CurrentTenant>().cloned() else {
        return next.run(request).await;
    };
    let scope = TxScope::new(&db, tenant);
    request.extensions_mut().insert(scope.clone());
    let response = next.run(request).await;
    let status = response.status();
    let succeeded = status.is_success() || status.is_redirection() || status.is_informational();
    let keep = succeeded || response.extensions().get::<KeepWrites>().is_some();
    match scope.finish(keep).await {
        Ok(()) => response,
        // The handler's work is lost: the client must not believe otherwise.
        Err(error) => AppError::Database(error).into_response(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TenantTx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let scope = parts.extensions.get::<TxScope>().ok_or(AppError::Internal(
            "no tenant transaction on this route".into(),
        ))?;
        scope.tx().ok_or(AppError::Internal(
            "the tenant transaction is in use".into(),
        ))
    }
}
