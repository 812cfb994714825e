//! An account as the rest of the code sees it, and its states.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use crate::auth::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Signed up; waits for staff approval.
    Pending,
    /// Invited; has not set a password yet.
    Invited,
    Active,
    Deactivated,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Invited,
        Status::Active,
        Status::Deactivated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Invited => "invited",
            Status::Active => "active",
            Status::Deactivated => "deactivated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// How people join the association (a tenant setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupPolicy {
    Open,
    /// Anyone may ask; staff approve.
    Approval,
    /// Only invited people get an account.
    Invitation,
}

impl SignupPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            SignupPolicy::Open => "open",
            SignupPolicy::Approval => "approval",
            SignupPolicy::Invitation => "invitation",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            SignupPolicy::Open,
            SignupPolicy::Approval,
            SignupPolicy::Invitation,
        ]
        .into_iter()
        .find(|policy| policy.as_str() == text)
    }
}

/// A postal address, as SEPA mandates and tax receipts need it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Address {
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub town: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub address: Address,
    /// Optional; only the dashboards' age bands read it.
    pub birth_date: Option<NaiveDate>,
    pub locale: Option<String>,
    pub role: Role,
    pub status: Status,
    pub email_verified: bool,
    pub two_factor: bool,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub password_hash: Option<String>,
}

/// A birth date as people type it (`YYYY-MM-DD`), from 1900 to today.
pub fn birth_date(raw: &str, today: NaiveDate) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() >= 1900 && *d <= today)
}
