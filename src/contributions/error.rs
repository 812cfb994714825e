//! The contributions store's error: the shared [`Refusal`] (a field and a
//! code the pages translate as `contributions-error-<code>`, something not
//! found, a conflict, or the database).

pub use crate::error::Refusal as Error;
