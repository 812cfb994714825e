//! Contributions (« cotisations »): what an association's members pay and
//! for what. Plans and their price tiers (`plans`), the association's
//! settings (`settings`), households (`households`), memberships and their
//! periods and statuses (`memberships`, `dates`, `status`), payments and
//! what they pay (`payments`), each member's append-only ledger (`ledger`),
//! receipts with gapless yearly numbers (`receipts`), payments earmarked
//! for a project and what each project raised (`earmarks`), the `Idempotency-Key`
//! store of the API (`idempotency`), the trait online payment providers
//! implement (`provider`) and what of each payment qualifies for a tax
//! receipt (`tax_basis`).
//!
//! This module owns the tables of `migrations/tenant/0008_contributions.sql`,
//! the view of `0009_allocation_net.sql` and `payment_earmarks` (in
//! `0013_projects.sql`, beside the projects it points to).
//! People are `accounts`'; this module only refers to them by id.

pub mod api;
pub mod dates;
pub mod desk;
pub mod earmarks;
pub mod error;
pub mod figures;
pub mod households;
pub mod idempotency;
pub mod journal;
pub mod ledger;
pub mod memberships;
pub mod model;
pub mod payments;
pub mod plans;
pub mod provider;
pub mod published;
pub mod receipts;
pub mod season_money;
pub mod settings;
pub mod status;
pub mod tax_basis;
// Member pages and reminders (helper M).
pub mod pages;
pub mod reminders;

pub use error::Error;
pub use model::{
    Anchor, HouseholdPricing, LedgerKind, Method, PaymentStatus, Period, ProRata, Status,
};
