//! SEPA payment files for the association's bank: what an association uploads
//! to pay (credit transfers, [`credit_transfer`], `pain.001.001.09`) and
//! to collect (direct debits under members' mandates, [`direct_debit`],
//! `pain.008.001.08`, with the creditor identifier of [`creditor_id`]), and
//! what the bank reports back on those debits ([`returns`]), and the
//! calendar debits settle on ([`target`]).
//!
//! This module owns everything a SEPA file needs and a bank checks: IBANs
//! and BICs ([`account`]), the SEPA character set and the EPC's conversion
//! into it ([`charset`]), the rulebooks' limits on ids, names and amounts,
//! and the XML. It does not store batches, pick what to pay or talk to a
//! bank: a feature builds a batch from its rows and gets a document back, or
//! a [`SepaError`] naming the field and the transaction to fix.
//!
//! Everything is EUR and integer cents; no float ever holds an amount.

pub mod account;
mod address;
pub mod charset;
pub mod credit_transfer;
pub mod creditor_id;
pub mod direct_debit;
mod error;
pub mod mandate;
pub mod returns;
mod rules;
pub mod target;
mod xml;

pub use account::{Bic, BicError, Iban, IbanError};
pub use address::Address;
pub use creditor_id::{CreditorId, CreditorIdError};
pub use error::{Field, Problem, SepaError};
pub use rules::{MAX_AMOUNT_MINOR, MAX_ID, MAX_NAME, MAX_REMITTANCE};
