//! The platform's own mails, sent for no tenant (the confirmation of a
//! self-service sign-up): queued as `platform.mail` jobs, rendered with the
//! built-in theme under the platform's name, delivered like tenants' mails
//! (same transport, same at-least-once rule).

use super::transport::Envelope;
use super::{Mailer, QueuedMail, render};
use crate::jobs::{self, Job, JobCtx, JobError, NewJob};

pub const KIND: &str = "platform.mail";

/// Queues `mail` in the caller's transaction (it leaves only if the change
/// it tells of commits); `dedupe` keeps a repeated request to one mail.
pub async fn queue(
    conn: &mut sqlx::PgConnection,
    mail: &QueuedMail,
    dedupe: &str,
) -> Result<i64, sqlx::Error> {
    let payload = serde_json::to_value(mail).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let job = NewJob {
        dedupe_key: Some(dedupe),
        ..NewJob::new(KIND, payload)
    };
    jobs::enqueue_platform(conn, None, job).await
}

impl Mailer {
    pub(super) async fn handle_platform(&self, ctx: JobCtx, job: Job) -> Result<(), JobError> {
        if job.effect_done {
            return Ok(());
        }
        let mail: QueuedMail = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("not a mail: {e}")))?;
        let rendered = render::render_platform(&self.themes, &mail).map_err(JobError::permanent)?;
        let envelope = Envelope {
            job: &job,
            tenant: None,
            mail: &mail,
        };
        self.sender
            .send(ctx.platform(), &envelope, &rendered)
            .await
            .map_err(|e| match e.is_permanent() {
                true => JobError::permanent(e),
                false => JobError::retry(e),
            })?;
        ctx.record_effect(&job).await
    }
}
