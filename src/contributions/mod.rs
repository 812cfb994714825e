//! Contributions (« cotisations »): what an association's members pay and
//! for what. Plans and their price tiers (`plans`), the association's
//! settings (`settings`), households (`households`), memberships and their
//! periods and statuses (`memberships`, `dates`, `status`), payments and
//! what they pay (`payments`), each member's append-only ledger (`ledger`),
//! receipts with gapless yearly numbers (`receipts`), the `Idempotency-Key`
//! store of the API (`idempotency`) and the trait online payment providers
//! implement (`provider`).
//!
//! This module owns the tables of `migrations/tenant/0008_contributions.sql`.
//! People are `accounts`'; this module only refers to them by id.

pub mod model;
pub mod receipts;

pub use model::{
    Anchor, HouseholdPricing, LedgerKind, Method, PaymentStatus, Period, ProRata, Status,
};
