//! What can be wrong with a SEPA batch, precisely enough to tell the
//! treasurer which payment to fix: the field, and the transaction's position.

use std::fmt;

use super::account::{BicError, IbanError};

/// Why a batch cannot be written. Banks refuse a whole file for one bad
/// transaction, so a batch is checked entirely before any XML is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SepaError {
    #[error("the batch has no transaction")]
    NoTransaction,
    /// A field of the batch itself (message id, the association's name).
    #[error("{field} {problem}")]
    Batch { field: Field, problem: Problem },
    /// A field of one transaction; `index` is its position in the batch's
    /// list, from 0.
    #[error("transaction {index}: {field} {problem}")]
    Transaction {
        index: usize,
        field: Field,
        problem: Problem,
    },
    #[error("IBAN: {0}")]
    Iban(#[from] IbanError),
    #[error("BIC: {0}")]
    Bic(#[from] BicError),
    /// A part of the creditor's (the association's) address.
    #[error("creditor address: {field} {problem}")]
    CreditorAddress { field: Field, problem: Problem },
}

/// The field a [`SepaError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `GrpHdr/MsgId` (also the `PmtInfId`).
    MessageId,
    /// The association's name (`InitgPty/Nm`, `Dbtr/Nm` of a transfer).
    DebtorName,
    /// `EndToEndId`.
    EndToEndId,
    /// `InstdAmt`.
    Amount,
    /// `Cdtr/Nm`.
    CreditorName,
    /// `CtrlSum`, the sum of the amounts.
    ControlSum,
    /// A direct debit's mandate reference (RUM, `MndtId`), or the one it
    /// replaced (`OrgnlMndtId`).
    MandateId,
    /// The former creditor name of an amended mandate.
    OriginalCreditorName,
    /// Parts of a postal address.
    Street,
    Building,
    PostCode,
    Town,
    Country,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::MessageId => "message id",
            Field::DebtorName => "debtor name",
            Field::EndToEndId => "end-to-end id",
            Field::Amount => "amount",
            Field::CreditorName => "creditor name",
            Field::ControlSum => "total",
            Field::MandateId => "mandate reference",
            Field::OriginalCreditorName => "former creditor name",
            Field::Street => "street",
            Field::Building => "building number",
            Field::PostCode => "postcode",
            Field::Town => "town",
            Field::Country => "country",
        })
    }
}

/// What is wrong with a [`Field`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("is empty")]
    Empty,
    /// Counted in characters, after reduction to the SEPA character set.
    #[error("has {len} characters, more than {max}")]
    TooLong { len: usize, max: usize },
    #[error("has characters outside the SEPA set (a-z A-Z 0-9 / - ? : ( ) . , ' + and space)")]
    Charset,
    #[error("starts or ends with '/', or contains '//'")]
    Slashes,
    #[error("must be more than zero")]
    NotPositive,
    #[error("is more than 999,999,999.99 euros")]
    TooLarge,
    #[error("is not a two-letter country code")]
    CountryCode,
    /// `first` is the position of the transaction that has it already.
    #[error("is already used by transaction {first}")]
    Duplicate { first: usize },
}
