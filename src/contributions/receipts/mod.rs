//! Receipts of payments: numbered without gap per tenant and year
//! (`number`), never deleted nor renumbered (a wrong one is cancelled and
//! another issued). The PDF of a receipt (`pdf`, typst), its rendering and
//! storage by the job queue (`render`, job `receipts.render`; `source`
//! reads what it shows) and its downloads (`download`).

pub mod download;
pub mod issued;
pub mod number;
pub mod pdf;
pub mod render;
mod source;

pub use number::{Receipt, cancel_and_reissue, issue};
