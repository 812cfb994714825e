//! Memberships: member × plan × period. Joining (`join`: the quote and the
//! rows it becomes), renewing and upgrading (`renew`), and the reads with
//! each membership's status, paid and due amounts (`view`), what a payer
//! still owes date by date (`dues`); staff may
//! cancel a membership or override its status with a reason (`staff`).
//!
//! Charges go to the payer's ledger: a household's dues are its payer's.

mod active;
mod dues;
mod join;
mod renew;
mod staff;
mod view;

use chrono::NaiveDate;

pub use active::active_people;
pub use dues::{OpenDue, open_dues};
pub use join::{JoinRequest, Joined, Quote, QuoteLine, join, quote};
pub use renew::{renew, upgrade};
pub use staff::{cancel, extend_latest, override_status};
pub use view::{MembershipFilter, MembershipView, find, for_account, list};

/// Today in the association's terms (UTC dates; a day's difference at
/// midnight does not change a membership).
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}
