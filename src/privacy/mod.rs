//! Personal data across the modules: for now, keeping every sealed
//! column (phones, IBANs, 2FA secrets, SEPA files) under the keyring's
//! active key ([`sealing`]).

pub mod sealing;

pub use sealing::{Resealed, reseal_tenant};

/// Once a day, one job per ready tenant re-seals what is not under the
/// active key yet (see [`sealing`]).
pub fn register(registry: &mut crate::jobs::Registry) {
    sealing::register(registry);
}
