//! `/api/v1/platform/reports` and `/api/v1/platform/federations`: the
//! platform report as JSON, the tenants' latest figures as CSV, and the
//! federation links operators propose and end. Behind the operators'
//! guard (an operator's token); writes need the operator role.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::report::{self, Report};
use crate::api::json::ApiJson;
use crate::error::{AppError, Refusal};
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::reporting::federation::Federations;
use crate::reporting::federation::links::{self, Link};
use crate::web::extract::Path;

#[utoipa::path(operation_id = "platform_reports", get, path = "/api/v1/platform/reports",
    tag = "platform-reports", security(("operator_token" = [])),
    responses((status = 200, body = Report), (status = 401)))]
pub async fn show(
    _: OperatorPrincipal,
    State(federations): State<Federations>,
) -> Result<Json<Report>, AppError> {
    Ok(Json(report::report(federations.platform()).await?))
}

#[utoipa::path(operation_id = "platform_reports_tenants_csv", get,
    path = "/api/v1/platform/reports/tenants.csv", tag = "platform-reports",
    security(("operator_token" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401)))]
pub async fn tenants_csv(
    _: OperatorPrincipal,
    State(federations): State<Federations>,
) -> Result<Response, AppError> {
    let rows: Vec<Vec<String>> = report::tenants(federations.platform())
        .await?
        .into_iter()
        .map(|t| {
            vec![
                t.slug,
                t.name,
                t.status,
                t.day.to_string(),
                t.members.to_string(),
                t.licences.to_string(),
                t.new_members.to_string(),
                t.lapsed.to_string(),
                t.payments.to_string(),
                t.season_collected,
                t.schema_version.to_string(),
            ]
        })
        .collect();
    let head = [
        "slug",
        "name",
        "status",
        "day",
        "members",
        "licences",
        "new_members",
        "lapsed",
        "payments",
        "season_collected",
        "schema_version",
    ];
    super::csv::download("tenants.csv", &head, &rows)
}

#[utoipa::path(operation_id = "platform_federations", get, path = "/api/v1/platform/federations",
    tag = "platform-reports", security(("operator_token" = [])),
    responses((status = 200, body = Vec<Link>), (status = 401)))]
pub async fn list(
    _: OperatorPrincipal,
    State(federations): State<Federations>,
) -> Result<Json<Vec<Link>>, AppError> {
    Ok(Json(links::live(federations.platform(), None).await?))
}

/// A link to propose: the federation's slug and the club's.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposeBody {
    pub parent: String,
    pub child: String,
}

/// Proposes a link; both tenants' admins then accept it on their side.
#[utoipa::path(operation_id = "platform_federations_propose", post,
    path = "/api/v1/platform/federations", tag = "platform-reports", request_body = ProposeBody,
    security(("operator_token" = [])),
    responses((status = 201, body = Link), (status = 404, description = "unknown tenant"),
              (status = 409, description = "the club has a live link already"),
              (status = 422), (status = 401), (status = 403)))]
pub async fn propose(
    CanWrite(operator): CanWrite,
    State(federations): State<Federations>,
    ApiJson(body): ApiJson<ProposeBody>,
) -> Result<(StatusCode, Json<Link>), AppError> {
    let link = propose_link(&federations, &body.parent, &body.child, operator.id).await?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// Proposes the link parent → child by slugs.
pub async fn propose_link(
    federations: &Federations,
    parent: &str,
    child: &str,
    operator: i64,
) -> Result<Link, Refusal> {
    let platform = federations.platform();
    let parent = links::tenant_id(platform, parent).await?;
    let child = links::tenant_id(platform, child).await?;
    let (Some(parent), Some(child)) = (parent, child) else {
        return Err(Refusal::NotFound("tenant"));
    };
    let id = links::propose(platform, parent, child, Some(operator)).await?;
    links::live(platform, Some(child))
        .await?
        .into_iter()
        .find(|link| link.id == id)
        .ok_or(Refusal::NotFound("link"))
}

/// Ends a link (proposed or active): the federation stops seeing the club
/// at once, and the lists it shared are deleted.
#[utoipa::path(operation_id = "platform_federations_end", delete,
    path = "/api/v1/platform/federations/{id}", tag = "platform-reports",
    params(("id" = i64, Path)), security(("operator_token" = [])),
    responses((status = 204), (status = 404), (status = 401), (status = 403)))]
pub async fn end(
    _: CanWrite,
    State(federations): State<Federations>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    match links::end(federations.platform(), None, id).await? {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(AppError::NotFound),
    }
}
