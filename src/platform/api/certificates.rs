//! `/api/v1/platform/certificates`: the certificates of custom domains for
//! operators' programs (never a key), and "order it now" for one of them
//! (the operator role, audited), as on the console.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use crate::error::AppError;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::tenancy::audit::Actor;
use crate::tls::Tls;
use crate::tls::store::CertificateInfo;
use crate::web::extract::Path;

#[utoipa::path(operation_id = "certificates_list", get, path = "/api/v1/platform/certificates",
    tag = "certificates", security(("operator_token" = [])),
    responses((status = 200, body = Vec<CertificateInfo>, description = "failing ones first"),
              (status = 401)))]
pub async fn list(
    _: OperatorPrincipal,
    State(tls): State<Tls>,
) -> Result<Json<Vec<CertificateInfo>>, AppError> {
    Ok(Json(tls.list_certificates().await?))
}

#[utoipa::path(operation_id = "certificates_renew", post,
    path = "/api/v1/platform/certificates/{hostname}/renew", tag = "certificates",
    params(("hostname" = String, Path)), security(("operator_token" = [])),
    responses((status = 202, body = CertificateInfo,
               description = "ordered now by the first issuer free: failures and back-off are \
                              forgotten, a valid certificate is replaced early"),
              (status = 401), (status = 403),
              (status = 404, description = "no certificate is kept for this name (not a \
                                            verified custom domain)")))]
pub async fn renew(
    CanWrite(operator): CanWrite,
    State(tls): State<Tls>,
    Path(host): Path<String>,
) -> Result<(StatusCode, Json<CertificateInfo>), AppError> {
    let actor = Actor::operator(operator.id, &operator.email, "api", operator.ip);
    let certificate = tls.renew_now(&host, &actor).await?;
    Ok((StatusCode::ACCEPTED, Json(certificate)))
}
