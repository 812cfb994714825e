//! Managing operators: what `tessera operator …` and the console's own
//! account page do. Every change is audited in its own transaction.

use chrono::Duration;
use serde_json::json;

use super::model::{Operator, OperatorRole};
use super::tokens::{self, TokenError, TokenInfo};
use super::{Operators, sessions, store};
use crate::error::AppError;
use crate::model::Email;
use crate::tenancy::audit::{self, Actor};

/// How long an enrolment link lives.
pub const LINK_HOURS: i64 = 24;

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("an operator with the address {0} exists already")]
    Taken(String),
    #[error("no operator has the address {0}")]
    Unknown(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ManageError> for AppError {
    fn from(error: ManageError) -> Self {
        match error {
            ManageError::Taken(_) => AppError::Conflict(error.to_string().into()),
            ManageError::Unknown(_) => AppError::NotFound,
            ManageError::Invalid(_) => AppError::Unprocessable(error.to_string().into()),
            ManageError::Token(TokenError::Database(e)) | ManageError::Database(e) => {
                AppError::Database(e)
            }
            ManageError::Token(e) => AppError::Unprocessable(e.to_string().into()),
        }
    }
}

/// A new operator: with a password (active, enrols the second factor at
/// first sign-in) or without (invited: the returned link sets both).
pub struct Created {
    pub id: i64,
    /// The enrolment link's secret, when no password was given.
    pub link_token: Option<String>,
}

impl Operators {
    pub async fn create(
        &self,
        email: &str,
        display_name: &str,
        role: OperatorRole,
        password: Option<&str>,
        actor: &Actor,
    ) -> Result<Created, ManageError> {
        let email = Email::parse(email).map_err(|e| ManageError::Invalid(e.to_string()))?;
        let hash = match password {
            Some(password) => {
                crate::auth::password::check_strength(password, email.as_str())
                    .map_err(|w| ManageError::Invalid(weakness_text(w.key())))?;
                let hash = self.passwords.hash(password).await;
                Some(hash.map_err(|e| ManageError::Invalid(e.to_string()))?)
            }
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        let id = store::create(&mut tx, email.as_str(), display_name, role, hash.as_deref())
            .await?
            .ok_or_else(|| ManageError::Taken(email.to_string()))?;
        let link_token = match hash {
            Some(_) => None,
            None => Some(store::issue_link(&mut tx, id, Duration::hours(LINK_HOURS)).await?),
        };
        let details = json!({ "email": email.as_str(), "role": role });
        audit::record(&mut tx, actor, "operator.created", None, details).await?;
        tx.commit().await?;
        Ok(Created { id, link_token })
    }

    pub async fn find(&self, email: &str) -> Result<Operator, ManageError> {
        let mut conn = self.pool.acquire().await?;
        store::find_by_email(&mut conn, email)
            .await?
            .ok_or_else(|| ManageError::Unknown(email.to_owned()))
    }

    pub async fn list(&self) -> Result<Vec<Operator>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        store::list(&mut conn).await
    }

    /// A new API token for `email`, printed once by the caller.
    pub async fn issue_token(
        &self,
        email: &str,
        name: &str,
        role: Option<OperatorRole>,
        days: i64,
        actor: &Actor,
    ) -> Result<String, ManageError> {
        let operator = self.find(email).await?;
        let role = role.unwrap_or(operator.role);
        if role > operator.role {
            return Err(ManageError::Invalid(format!(
                "a token cannot have more rights than its operator ({})",
                operator.role
            )));
        }
        let mut tx = self.pool.begin().await?;
        let value = tokens::issue(&mut tx, operator.id, name, role, days).await?;
        let details = json!({ "email": operator.email, "name": name, "role": role, "days": days });
        audit::record(&mut tx, actor, "operator.token_issued", None, details).await?;
        tx.commit().await?;
        Ok(value)
    }

    pub async fn tokens(&self, operator_id: i64) -> Result<Vec<TokenInfo>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        tokens::list(&mut conn, operator_id).await
    }

    pub async fn revoke_token(
        &self,
        email: &str,
        name: &str,
        actor: &Actor,
    ) -> Result<bool, ManageError> {
        let operator = self.find(email).await?;
        let mut tx = self.pool.begin().await?;
        let revoked = tokens::revoke(&mut tx, operator.id, name).await?;
        if revoked {
            let details = json!({ "email": operator.email, "name": name });
            audit::record(&mut tx, actor, "operator.token_revoked", None, details).await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }

    /// A new role ends the operator's sessions and revokes their tokens.
    pub async fn set_role(
        &self,
        email: &str,
        role: OperatorRole,
        actor: &Actor,
    ) -> Result<bool, ManageError> {
        let operator = self.find(email).await?;
        let mut tx = self.pool.begin().await?;
        let changed = store::set_role(&mut tx, operator.id, role).await?;
        if changed {
            sessions::end_all(&mut tx, operator.id).await?;
            tokens::revoke_all(&mut tx, operator.id).await?;
            let details = json!({ "email": operator.email, "from": operator.role, "to": role });
            audit::record(&mut tx, actor, "operator.role_changed", None, details).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn deactivate(&self, email: &str, actor: &Actor) -> Result<bool, ManageError> {
        let operator = self.find(email).await?;
        let mut tx = self.pool.begin().await?;
        let changed = store::deactivate(&mut tx, operator.id).await?;
        if changed {
            sessions::end_all(&mut tx, operator.id).await?;
            tokens::revoke_all(&mut tx, operator.id).await?;
            let details = json!({ "email": operator.email });
            audit::record(&mut tx, actor, "operator.deactivated", None, details).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Removes the second factor and ends the sessions; returns a link to
    /// choose a new password and enrol again.
    pub async fn reset_two_factor(
        &self,
        email: &str,
        actor: &Actor,
    ) -> Result<String, ManageError> {
        let operator = self.find(email).await?;
        let mut tx = self.pool.begin().await?;
        store::reset_totp(&mut tx, operator.id).await?;
        sessions::end_all(&mut tx, operator.id).await?;
        let token = store::issue_link(&mut tx, operator.id, Duration::hours(LINK_HOURS)).await?;
        let details = json!({ "email": operator.email });
        audit::record(&mut tx, actor, "operator.2fa_reset", None, details).await?;
        tx.commit().await?;
        Ok(token)
    }
}

fn weakness_text(key: &str) -> String {
    match key {
        "password-too-short" => "the password needs at least 12 characters".into(),
        "password-too-long" => "the password has at most 256 characters".into(),
        "password-too-common" => "this password is too common".into(),
        _ => "the password must not contain the address".into(),
    }
}
