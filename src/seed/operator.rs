//! The demo's platform operator: signs in to the console (and its mail
//! outbox) with the demo password, then enrols an authenticator app at the
//! first sign-in, as every operator must. Also a custom domain waiting for
//! its proof, so that the domains pages show the records to create.

use crate::platform::operators::OperatorRole;
use crate::seed::logins::DEMO_PASSWORD;
use crate::state::AppState;
use crate::tenancy::audit::Actor;

pub const DEMO_OPERATOR: &str = "operateur@tessera.demo";

/// The parents' association has asked for its own domain name.
const PENDING_DOMAIN: (&str, &str) = ("ape-ecole-jaures", "portail.ape-jaures.fr");

/// Creates the operator (and the pending domain) once; later demo runs keep them.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let actor = Actor::from("demo");
    let (slug, host) = PENDING_DOMAIN;
    if let Ok(tenant) = state.domains.tenant_id(slug).await {
        state.domains.add(tenant, host, &actor).await?;
    }
    if state.operators.find(DEMO_OPERATOR).await.is_ok() {
        return Ok(());
    }
    state
        .operators
        .create(
            DEMO_OPERATOR,
            "Opérateur de démonstration",
            OperatorRole::Operator,
            Some(DEMO_PASSWORD),
            &actor,
        )
        .await?;
    Ok(())
}
