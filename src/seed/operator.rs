//! The demo's platform operator: signs in to the console (and its mail
//! outbox) with the demo password, then enrols an authenticator app at the
//! first sign-in, as every operator must.

use crate::platform::operators::OperatorRole;
use crate::seed::logins::DEMO_PASSWORD;
use crate::state::AppState;
use crate::tenancy::audit::Actor;

pub const DEMO_OPERATOR: &str = "operateur@tessera.demo";

/// Creates the operator once; later demo runs keep it.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    if state.operators.find(DEMO_OPERATOR).await.is_ok() {
        return Ok(());
    }
    let actor = Actor::from("demo");
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
