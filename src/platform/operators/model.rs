//! Operators as the console and the API see them: who they are, what their
//! role lets them do, and how a request proved it.

use std::net::IpAddr;

use serde::Serialize;

/// `support` reads; `operator` also changes things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OperatorRole {
    Support,
    Operator,
}

impl OperatorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Operator => "operator",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "support" => Some(Self::Support),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }

    /// Reads a stored role; an unknown value gets the least rights.
    pub fn from_column(raw: &str) -> Self {
        Self::parse(raw).unwrap_or(Self::Support)
    }
}

impl std::fmt::Display for OperatorRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OperatorStatus {
    Invited,
    Active,
    Deactivated,
}

impl OperatorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    pub fn from_column(raw: &str) -> Self {
        match raw {
            "active" => Self::Active,
            "invited" => Self::Invited,
            _ => Self::Deactivated,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Operator {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: OperatorRole,
    pub status: OperatorStatus,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub two_factor: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// How a request proved it is an operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A console session (password and second factor).
    Console,
    /// An API token.
    Api,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Api => "api",
        }
    }
}

/// The operator behind a request, left by the console's guard.
#[derive(Debug, Clone, Serialize)]
pub struct OperatorPrincipal {
    pub id: i64,
    pub email: String,
    /// The operator's role, or the token's when it was given less.
    pub role: OperatorRole,
    pub via: Via,
    #[serde(skip)]
    pub token_id: Option<i64>,
    #[serde(skip)]
    pub session_hash: Option<Vec<u8>>,
    #[serde(skip)]
    pub ip: Option<IpAddr>,
}

impl OperatorPrincipal {
    /// What the platform audit log records as the actor.
    pub fn actor(&self) -> String {
        format!("operator:{}", self.email)
    }
}
