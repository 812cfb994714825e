//! Mail: themed messages for a tenant's members, sent by the job queue.
//!
//! [`queue`] adds a `mail` job in the caller's tenant transaction, so a mail
//! about a change leaves only if the change commits. The worker renders it
//! with the tenant's theme, brand and language (`mail/<template>.html` and
//! `.txt`, subject `mail-<template>-subject`; [`render`]), then hands it to
//! the configured [`transport`]: SMTP (lettre), the `platform.outbox` table
//! (the demo's; [`outbox`] shows it on the platform host) or the log.
//!
//! Delivery is at least once. The job records the mail as sent
//! (`JobCtx::record_effect`) as soon as the SMTP server has accepted it, and
//! a re-run of a job so marked sends nothing: a worker that dies before
//! sending, or after sending but before finishing the job, neither loses nor
//! repeats the mail. Only a death in the instant between the server's
//! acceptance and that mark can repeat it, with the same `Message-ID`
//! (`<job-ID.TENANT@domain>`), which mail clients use to fold duplicates.
//! Marking before sending would turn that rare duplicate into a rare lost
//! mail (a verification link that never comes), which is worse.

pub mod outbox;
pub mod platform;
pub mod render;
pub mod transport;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{MailConfig, MailTransport};
use crate::db::TenantTx;
use crate::jobs::{self, Job, JobCtx, JobError, NewJob, Registry};
use crate::model::Email;
use crate::themes::Themes;
pub use outbox::Outbox;
pub use transport::{Sender, TransportError};

/// The job kind of a mail.
pub const KIND: &str = "mail";

/// A mail to one person of the transaction's tenant.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Email,
    pub to_name: Option<String>,
    /// `verify-email`, `reset-password`, `invitation`, `email-change`,
    /// `security-notice`: `mail/<template>.{html,txt}` in the theme.
    pub template: &'static str,
    /// The reader's language (a supported locale; otherwise the tenant's).
    pub locale: String,
    /// What the template shows as `page.*` (links are absolute URLs).
    pub data: serde_json::Value,
}

/// A mail as it waits in the queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedMail {
    pub to: Email,
    pub to_name: Option<String>,
    pub template: String,
    pub locale: String,
    pub data: serde_json::Value,
}

/// Queues a themed mail for the tx's tenant (a `mail` job), sent after
/// commit by the worker.
pub async fn queue(tx: &mut TenantTx, mail: &Mail) -> Result<(), sqlx::Error> {
    let queued = QueuedMail {
        to: mail.to.clone(),
        to_name: mail.to_name.clone(),
        template: mail.template.to_owned(),
        locale: mail.locale.clone(),
        data: mail.data.clone(),
    };
    let payload = serde_json::to_value(&queued).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    jobs::enqueue(tx, NewJob::new(KIND, payload)).await
}

/// Renders and sends `mail` jobs. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    themes: Themes,
    sender: Arc<Sender>,
}

impl Mailer {
    /// The transport of `config` (`log` when unset).
    pub fn from_config(config: &MailConfig, themes: Themes) -> Result<Self, TransportError> {
        let kind = config.transport.unwrap_or(MailTransport::Log);
        Ok(Self {
            themes,
            sender: Arc::new(Sender::new(kind, config)?),
        })
    }

    pub fn transport(&self) -> MailTransport {
        self.sender.kind()
    }

    /// Makes the worker send `mail` jobs.
    pub fn register(&self, registry: &mut Registry) {
        let mailer = self.clone();
        registry.register(KIND, move |ctx, job| {
            let mailer = mailer.clone();
            async move { mailer.handle(ctx, job).await }
        });
        let mailer = self.clone();
        registry.register(platform::KIND, move |ctx, job| {
            let mailer = mailer.clone();
            async move { mailer.handle_platform(ctx, job).await }
        });
    }

    async fn handle(&self, ctx: JobCtx, job: Job) -> Result<(), JobError> {
        if job.effect_done {
            // Sent by an earlier run that stopped before finishing the job.
            return Ok(());
        }
        let tenant = ctx.require_tenant()?;
        let mail: QueuedMail = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("not a mail: {e}")))?;
        let rendered = render::render(&self.themes, ctx.db(), tenant, &mail)
            .await
            .map_err(|e| match e {
                crate::themes::RenderError::Database(e) => JobError::from(e),
                other => JobError::permanent(other),
            })?;
        let envelope = transport::Envelope {
            job: &job,
            tenant: Some(tenant),
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
