//! Accounts of a tenant's members and staff. So far: the validated `Email`
//! every module uses for addresses.

pub use crate::model::{Email, EmailError};
