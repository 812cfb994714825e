//! Members' SEPA mandates: the authorisation to debit an account, with
//! its reference (RUM, unique in the association), kind (recurrent or
//! one-off), the debtor's name, structured address and account, and how it
//! was signed: on the portal (the member's account plus a code mailed to
//! them, [`sign`]) or on paper (a stored scan). Amendments keep the former
//! reference and account for the next debit to declare; a mandate ends
//! when cancelled, used (one-off) or unused for 36 months ([`expire`]).

mod expire;
mod new;
mod sign;
mod store;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::text_enum;

pub use expire::{EXPIRY_MONTHS, expire_unused};
pub use new::NewMandate;
pub use sign::{CODE_ATTEMPTS, CODE_MINUTES, confirm, start};
pub use store::{amend, cancel, find, list, mark_presented, paper_key, record_paper};

text_enum!(
    /// How often the mandate may be used.
    Kind {
        Recurrent = "recurrent",
        /// One collection, then the mandate is used.
        OneOff = "one_off",
    }
);

text_enum!(
    /// Where a mandate stands.
    MandateStatus {
        /// Started on the portal, waiting for the mailed code.
        Unsigned = "unsigned",
        Active = "active",
        Cancelled = "cancelled",
        /// Unused for 36 months.
        Expired = "expired",
        /// A one-off mandate, collected.
        Used = "used",
    }
);

/// A mandate as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Mandate {
    pub id: i64,
    pub account_id: i64,
    /// The RUM the member's bank sees on each debit.
    pub reference: String,
    pub kind: Kind,
    pub status: MandateStatus,
    pub debtor_name: String,
    pub street: String,
    pub building: String,
    pub post_code: String,
    pub town: String,
    pub country: String,
    pub iban: String,
    pub bic: Option<String>,
    /// The language of the wording the member signed.
    pub locale: String,
    pub signed_on: Option<NaiveDate>,
    /// `portal` or `paper`.
    pub signed_via: Option<String>,
    pub signed_place: String,
    /// The due date of the last collection presented (the 36 months run
    /// from it).
    pub last_collected_on: Option<NaiveDate>,
    /// Set when amended, until the next debit declares it.
    pub previous_reference: Option<String>,
    pub previous_iban: Option<String>,
    pub amendment_pending: bool,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The columns the debtor's account numbers are sealed for: the IBAN in
/// force, and the one an amendment replaced until a debit declares it.
pub const IBAN_COLUMN: &str = "sdd_mandates.iban";
pub const PREVIOUS_IBAN_COLUMN: &str = "sdd_mandates.previous_iban";

impl Mandate {
    /// `FR76 •••• 0189`: enough for the member to recognise the account.
    pub fn masked_iban(&self) -> String {
        let country: String = self.iban.chars().take(4).collect();
        let tail: String = self
            .iban
            .chars()
            .skip(self.iban.len().saturating_sub(4))
            .collect();
        format!("{country} •••• {tail}")
    }
}
