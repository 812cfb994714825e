//! Affiliation's error: the shared [`Refusal`], as contributions uses it
//! (the pages translate its codes as `affiliation-error-<code>`), so a
//! contributions refusal passes through affiliation unchanged.

pub use crate::error::Refusal as Error;
