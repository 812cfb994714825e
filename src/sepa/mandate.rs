//! A direct debit's mandate as the file declares it: its reference (RUM),
//! signature date and what changed since the debtor's bank last saw it
//! (`AmdmntInfDtls`). An amendment does not restart the sequence.

use chrono::NaiveDate;

use super::account::Iban;
use super::creditor_id::CreditorId;

/// Written in `OrgnlDbtrAcct` when the debtor moved to another bank
/// (« same mandate, new debtor agent »).
pub(super) const NEW_BANK: &str = "SMNDA";

/// What changed in a mandate since the debtor's bank last saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amendment {
    /// The mandate's former reference, when it changed.
    pub original_mandate_id: Option<String>,
    /// The creditor's former name and identifier, when they changed.
    pub original_creditor: Option<(String, CreditorId)>,
    /// The debtor's former account, when it changed.
    pub original_account: Option<AccountChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// Another account at the same bank: the former IBAN.
    SameBank(Iban),
    /// An account at another bank.
    OtherBank,
}

impl AccountChange {
    /// The change from `old` to `new`: the same bank when both IBANs name
    /// the same country and bank.
    pub fn between(old: &Iban, new: &Iban) -> Option<Self> {
        if old == new {
            return None;
        }
        let same =
            old.country() == new.country() && old.bank().is_some() && old.bank() == new.bank();
        Some(if same {
            AccountChange::SameBank(old.clone())
        } else {
            AccountChange::OtherBank
        })
    }
}

/// The mandate a debit is collected under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    /// The RUM: unique for the creditor, 1 to 35 SEPA characters, never
    /// converted.
    pub id: String,
    pub signed_on: NaiveDate,
    pub amendment: Option<Amendment>,
}
