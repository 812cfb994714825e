//! Console sessions (`platform.operator_sessions`). The cookie holds a random
//! id; its digest is stored. Each step of signing in (password, second
//! factor or enrolment) ends the session it came with and starts another,
//! so an id seen before a step is worthless after it.

use std::net::IpAddr;

use chrono::{Duration, Utc};
use sqlx::PgConnection;

use super::model::{OperatorPrincipal, OperatorRole, Via};
use crate::auth::secret;

/// How far a session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The password was right; the second factor is due.
    Password,
    /// The password was right and no second factor exists yet: enrolment.
    Enrol,
    /// Signed in.
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Enrol => "enrol",
            Self::Full => "full",
        }
    }

    fn from_column(raw: &str) -> Option<Self> {
        match raw {
            "password" => Some(Self::Password),
            "enrol" => Some(Self::Enrol),
            "full" => Some(Self::Full),
            _ => None,
        }
    }

    /// A half-done sign-in lasts minutes; a console session a working day.
    fn lifetime(self) -> Duration {
        match self {
            Self::Password | Self::Enrol => Duration::minutes(10),
            Self::Full => Duration::hours(12),
        }
    }
}

/// Idle console sessions end after this long.
const IDLE: Duration = Duration::hours(2);

/// A session found by its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: Vec<u8>,
    pub operator_id: i64,
    pub stage: Stage,
    pub email: String,
    pub role: OperatorRole,
}

impl Session {
    pub fn principal(&self, ip: Option<IpAddr>) -> OperatorPrincipal {
        OperatorPrincipal {
            id: self.operator_id,
            email: self.email.clone(),
            role: self.role,
            via: Via::Console,
            token_id: None,
            session_hash: Some(self.id_hash.clone()),
            ip,
        }
    }
}

pub async fn start(
    conn: &mut PgConnection,
    operator_id: i64,
    stage: Stage,
    ip: Option<IpAddr>,
    user_agent: Option<&str>,
) -> Result<String, sqlx::Error> {
    let id = secret::generate();
    let user_agent = user_agent.map(|ua| ua.chars().take(300).collect::<String>());
    // The operator's expired sessions go as a new one starts.
    sqlx::query!(
        "WITH expired AS (DELETE FROM platform.operator_sessions
                          WHERE operator_id = $2 AND expires_at <= now())
         INSERT INTO platform.operator_sessions
             (id_hash, operator_id, stage, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5::text::inet, $6)",
        secret::digest(&id),
        operator_id,
        stage.as_str(),
        Utc::now() + stage.lifetime(),
        ip.map(|ip| ip.to_string()),
        user_agent
    )
    .execute(conn)
    .await?;
    Ok(id)
}

/// The live session of `cookie`, its operator active; touched at most once
/// a minute so that reading pages rarely writes.
pub async fn find(conn: &mut PgConnection, cookie: &str) -> Result<Option<Session>, sqlx::Error> {
    if !secret::is_well_formed(cookie) {
        return Ok(None);
    }
    let row = sqlx::query!(
        r#"UPDATE platform.operator_sessions AS s
           SET last_seen_at = CASE WHEN s.last_seen_at < now() - interval '1 minute'
                                   THEN now() ELSE s.last_seen_at END
           FROM platform.operators AS o
           WHERE s.id_hash = $1 AND o.id = s.operator_id AND o.status = 'active'
             AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
           RETURNING s.id_hash, s.operator_id, s.stage, o.email, o.role"#,
        secret::digest(cookie),
        IDLE.num_seconds() as f64
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|row| {
        Some(Session {
            id_hash: row.id_hash,
            operator_id: row.operator_id,
            stage: Stage::from_column(&row.stage)?,
            email: row.email,
            role: OperatorRole::from_column(&row.role),
        })
    }))
}

pub async fn end(conn: &mut PgConnection, id_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM platform.operator_sessions WHERE id_hash = $1",
        id_hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends every session of an operator (role change, deactivation, reset).
pub async fn end_all(conn: &mut PgConnection, operator_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM platform.operator_sessions WHERE operator_id = $1",
        operator_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
