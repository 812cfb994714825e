//! Receipts of payments: numbered without gap per tenant and year
//! (`number`), never deleted nor renumbered (a wrong one is cancelled and
//! another issued).

pub mod number;

pub use number::{Receipt, cancel_and_reissue, issue};
