//! The people of an association: their accounts (address, name, phone,
//! postal address, locale, role, status), how they join (sign-up policy,
//! invitations), sign in (password, second factor), recover access, and
//! manage themselves; and the staff pages that manage them.
//!
//! Sessions, CSRF, roles and password hashing are `auth`'s; this module
//! owns the `accounts`, `account_tokens`, `recovery_codes` and
//! `account_settings` tables.

pub mod login;
pub mod mails;
pub mod model;
pub mod pages;
pub mod sealing;
pub mod staff;
pub mod store;
pub mod tokens;
pub mod two_factor;

pub use crate::model::{Email, EmailError};
pub use model::{Account, Address, SignupPolicy, Status};

/// The accounts routes: the member pages and the staff pages.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::themes::Themes: axum::extract::FromRef<S>,
{
    pages::router().merge(staff::router())
}
