//! Guards of API handlers that state the role *and* the API-key scope they
//! need: `Allowed<Editor, MembersRead>` admits an editor's access token or
//! a key holding `members:read` (keys act as their admin, so the role check
//! passes and the scope decides). [`Person`] admits people only: API keys
//! never act on "their own" account.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::guard::{Principal, Refusal, RequireRole, SignedIn, Via};
use super::role::MinRole;
use super::scope::{Access, Scope};
use crate::error::AppError;

/// A scope as a type, for [`Allowed`].
pub trait NeedsScope: Send + Sync + 'static {
    const MODULE: &'static str;
    const ACCESS: Access;

    fn scope() -> Scope {
        Scope::new(Self::MODULE, Self::ACCESS)
    }
}

/// `members:read`.
pub struct MembersRead;
/// `members:write`.
pub struct MembersWrite;

impl NeedsScope for MembersRead {
    const MODULE: &'static str = "members";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for MembersWrite {
    const MODULE: &'static str = "members";
    const ACCESS: Access = Access::Write;
}

/// `contributions:read`.
pub struct ContributionsRead;
/// `contributions:write`.
pub struct ContributionsWrite;

impl NeedsScope for ContributionsRead {
    const MODULE: &'static str = "contributions";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for ContributionsWrite {
    const MODULE: &'static str = "contributions";
    const ACCESS: Access = Access::Write;
}

/// `domains:read`.
pub struct DomainsRead;
/// `domains:write`.
pub struct DomainsWrite;

impl NeedsScope for DomainsRead {
    const MODULE: &'static str = "domains";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for DomainsWrite {
    const MODULE: &'static str = "domains";
    const ACCESS: Access = Access::Write;
}

/// `announcements:read`.
pub struct AnnouncementsRead;
/// `announcements:write`.
pub struct AnnouncementsWrite;

impl NeedsScope for AnnouncementsRead {
    const MODULE: &'static str = "announcements";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for AnnouncementsWrite {
    const MODULE: &'static str = "announcements";
    const ACCESS: Access = Access::Write;
}

/// `projects:read`.
pub struct ProjectsRead;
/// `projects:write`.
pub struct ProjectsWrite;

impl NeedsScope for ProjectsRead {
    const MODULE: &'static str = "projects";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for ProjectsWrite {
    const MODULE: &'static str = "projects";
    const ACCESS: Access = Access::Write;
}

/// `affiliation:read`.
pub struct AffiliationRead;
/// `affiliation:write`.
pub struct AffiliationWrite;

impl NeedsScope for AffiliationRead {
    const MODULE: &'static str = "affiliation";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for AffiliationWrite {
    const MODULE: &'static str = "affiliation";
    const ACCESS: Access = Access::Write;
}

/// `reporting:read`.
pub struct ReportingRead;
/// `reporting:write`.
pub struct ReportingWrite;

impl NeedsScope for ReportingRead {
    const MODULE: &'static str = "reporting";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for ReportingWrite {
    const MODULE: &'static str = "reporting";
    const ACCESS: Access = Access::Write;
}

/// At least role `R`, and scope `S` when the credential is an API key.
pub struct Allowed<R: MinRole, S: NeedsScope>(pub Principal, PhantomData<(R, S)>);

impl<R: MinRole, S: NeedsScope> Allowed<R, S> {
    pub fn principal(&self) -> &Principal {
        &self.0
    }
}

impl<St: Send + Sync, R: MinRole, S: NeedsScope> FromRequestParts<St> for Allowed<R, S> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let guard = RequireRole::<R>::from_request_parts(parts, state).await?;
        let principal = guard.principal().clone();
        let scope = S::scope();
        if !principal.allows(&scope) {
            return Err(Refusal::Error(AppError::Forbidden(
                format!("this API key lacks the {scope} scope").into(),
            )));
        }
        Ok(Self(principal, PhantomData))
    }
}

/// A person signed in with an access token (or a session), not a key.
pub struct Person(pub Principal);

impl<St: Send + Sync> FromRequestParts<St> for Person {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let SignedIn(principal) = SignedIn::from_request_parts(parts, state).await?;
        if matches!(principal.via, Via::ApiKey { .. }) {
            return Err(Refusal::Error(AppError::Forbidden(
                "API keys cannot act on an account of their own; use an access token".into(),
            )));
        }
        Ok(Self(principal))
    }
}
