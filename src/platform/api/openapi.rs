//! `GET /api/v1/platform/openapi.json`: the OpenAPI 3.1 document of the
//! white-label API, with `/api/v1/whitelabel/sites…` listed as aliases of
//! `/api/v1/platform/tenants…`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, PathItem};
use utoipa::{Modify, OpenApi};

use super::{SITES_ALIAS, TENANTS, certificates, domains, lifecycle, tenants};
use crate::platform::tenants::stats::{MonthCount, PlatformStats};
use crate::platform::tenants::{Created, TenantBody, TenantLine, TenantPage};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera platform API", version = "1",
         description = "Provisioning and care of tenants, for platform operators (tokens \
                        `tso_…` from `tessera operator token`). Errors are RFC 9457 problems."),
    paths(
        tenants::list, tenants::create, tenants::show, tenants::update, tenants::delete,
        tenants::suspend, tenants::resume, lifecycle::export, lifecycle::restore,
        super::whoami, super::stats,
        domains::list, domains::create, domains::show, domains::verify, domains::delete,
        certificates::list, certificates::renew,
    ),
    components(schemas(TenantBody, Created, TenantLine, TenantPage, tenants::TenantPatch,
                       tenants::SuspendBody, PlatformStats, MonthCount,
                       domains::OperatorDomain, crate::domains::api::DomainView,
                       crate::domains::Instructions, crate::domains::AddressRecord,
                       crate::tenancy::claims::Claim, crate::tenancy::claims::ClaimState,
                       crate::domains::api::CertificateState,
                       crate::tls::store::CertificateInfo)),
    modifiers(&Security, &Aliases),
    tags((name = "tenants", description = "Tenants (alias: whitelabel sites)"),
         (name = "domains", description = "Tenants' custom domains"),
         (name = "certificates", description = "HTTPS certificates of custom domains"),
         (name = "platform", description = "The caller and the platform")),
)]
struct PlatformDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        let token = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("tso_…")
            .description(Some("An operator's API token (`tessera operator token`)."))
            .build();
        components.add_security_scheme("operator_token", SecurityScheme::Http(token));
    }
}

/// Every `/api/v1/platform/tenants…` path again under the seed's name.
struct Aliases;

impl Modify for Aliases {
    fn modify(&self, doc: &mut Document) {
        let aliases: Vec<(String, PathItem)> = doc
            .paths
            .paths
            .iter()
            .filter_map(|(path, item)| {
                let rest = path.strip_prefix(TENANTS)?;
                let mut item = item.clone();
                for operation in operations(&mut item) {
                    operation.operation_id = operation
                        .operation_id
                        .as_ref()
                        .map(|id| format!("sites_{id}"));
                    operation.description = Some(format!("Alias of `{path}`."));
                    operation.tags = Some(vec!["tenants".into()]);
                }
                Some((format!("{SITES_ALIAS}{rest}"), item))
            })
            .collect();
        doc.paths.paths.extend(aliases);
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.patch.as_mut(),
        item.put.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

pub async fn document() -> Json<Document> {
    let mut doc = PlatformDoc::openapi();
    doc.merge(crate::affiliation::operators::Doc::openapi());
    doc.merge(crate::card_payments::api::ConnectDoc::openapi());
    doc.merge(crate::reporting::operators_openapi());
    Json(doc)
}
