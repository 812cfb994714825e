//! One error for the projects store: bad input (each field and its
//! translation key), a project that is not there (or not for this
//! reader), a request the project's state refuses, or the database. Pages
//! turn the first and third into form messages and flashes; the API into
//! 422 and 409 problems.

use super::model::Invalid;
use crate::error::AppError;

/// Why a valid request is refused by the project's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not open: no comments, no volunteers.
    NotOpen,
    /// Staff locked the comments.
    Locked,
    /// Every volunteer place is taken.
    Full,
    /// Signed up already.
    Already,
    /// Withdrawing without having signed up.
    NotSignedUp,
    /// Money was earmarked for it: archive it instead.
    HasDonations,
    /// Another project took the address between the check and the write.
    SlugRace,
}

impl Refusal {
    /// For API clients.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotOpen => "this project is not open",
            Refusal::Locked => "comments on this project are locked",
            Refusal::Full => "every volunteer place is taken",
            Refusal::Already => "already signed up",
            Refusal::NotSignedUp => "not signed up",
            Refusal::HasDonations => "money was earmarked for this project: archive it instead",
            Refusal::SlugRace => "another project took this address just now: try again",
        }
    }

    /// The translation key of the flash a page shows.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NotOpen => "projects-refused-not-open",
            Refusal::Locked => "projects-refused-locked",
            Refusal::Full => "projects-refused-full",
            Refusal::Already => "projects-refused-already",
            Refusal::NotSignedUp => "projects-refused-not-signed-up",
            Refusal::HasDonations => "projects-refused-has-donations",
            Refusal::SlugRace => "projects-error-slug-taken",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("{}", Invalid::summary(.0))]
    Invalid(Vec<Invalid>),
    #[error("{}", .0.message())]
    Refused(Refusal),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<Vec<Invalid>> for Error {
    fn from(invalid: Vec<Invalid>) -> Self {
        Error::Invalid(invalid)
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Error::Refused(refusal)
    }
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound => AppError::NotFound,
            Error::Invalid(invalid) => AppError::Unprocessable(Invalid::summary(&invalid).into()),
            Error::Refused(refusal) => AppError::Conflict(refusal.message().into()),
            Error::Database(error) => AppError::Database(error),
        }
    }
}
