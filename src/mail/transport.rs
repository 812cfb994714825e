//! Where a rendered mail goes: an SMTP server (lettre, pooled connections),
//! the `platform.outbox` table, or the log. The outbox and the log print the
//! text body, links included (the demo's way to follow a verification link):
//! they are for demos and development, never for production. The SMTP
//! transport logs no address and no body.

use std::sync::Arc;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::QueuedMail;
use super::render::RenderedMail;
use crate::config::{MailConfig, MailTransport};
use crate::db::Platform;
use crate::jobs::Job;
use crate::model::Tenant;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("mail configuration: {0}")]
    Config(String),
    #[error("building the message: {0}")]
    Message(String),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] sqlx::Error),
}

impl TransportError {
    /// Sending again will not help (a malformed message, a 5xx answer).
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Config(_) | Self::Message(_) => true,
            Self::Smtp(error) => error.is_permanent(),
            Self::Outbox(_) => false,
        }
    }
}

/// Who a mail is for, and the job that carries it.
pub struct Envelope<'a> {
    pub job: &'a Job,
    /// The tenant it is sent for; `None` for the platform's own mails
    /// (sign-up confirmations).
    pub tenant: Option<&'a Arc<Tenant>>,
    pub mail: &'a QueuedMail,
}

impl Envelope<'_> {
    /// The name the mail comes from: the association's, or the platform's.
    fn sender_name(&self) -> String {
        self.tenant
            .map_or_else(|| "Tessera".to_owned(), |t| t.name.clone())
    }

    fn tenant_label(&self) -> String {
        self.tenant
            .map_or_else(|| "platform".to_owned(), |t| t.slug.to_string())
    }
}

pub struct Sender {
    kind: MailTransport,
    from: Address,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

impl Sender {
    pub fn new(kind: MailTransport, config: &MailConfig) -> Result<Self, TransportError> {
        let from: Address = config
            .from
            .parse()
            .map_err(|e| TransportError::Config(format!("mail.from: {e}")))?;
        let smtp = match (kind, &config.smtp_url) {
            (MailTransport::Smtp, Some(url)) => {
                Some(AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())?.build())
            }
            (MailTransport::Smtp, None) => {
                return Err(TransportError::Config("mail.smtp_url is not set".into()));
            }
            _ => None,
        };
        Ok(Self { kind, from, smtp })
    }

    pub fn kind(&self) -> MailTransport {
        self.kind
    }

    /// Sends (or keeps, or logs) one rendered mail.
    pub async fn send(
        &self,
        platform: &Platform,
        envelope: &Envelope<'_>,
        rendered: &RenderedMail,
    ) -> Result<(), TransportError> {
        let message_id = format!(
            "<job-{}.{}@{}>",
            envelope.job.id,
            envelope.tenant.map_or(0, |t| t.id.get()),
            self.from.domain()
        );
        let (job, template) = (envelope.job.id, envelope.mail.template.as_str());
        match (&self.smtp, self.kind) {
            (Some(smtp), _) => {
                let message = self.message(envelope, rendered, message_id)?;
                smtp.send(message).await?;
                tracing::info!(job, template, tenant = %envelope.tenant_label(), "mail sent");
            }
            (None, MailTransport::Outbox) => {
                keep(platform, envelope, rendered, &message_id).await?;
                log_whole(envelope, rendered, "mail kept in the outbox");
            }
            (None, _) => log_whole(envelope, rendered, "mail (log transport, not sent)"),
        }
        Ok(())
    }

    /// A multipart (text, then HTML) message from the tenant's name at the
    /// configured address.
    fn message(
        &self,
        envelope: &Envelope<'_>,
        rendered: &RenderedMail,
        message_id: String,
    ) -> Result<Message, TransportError> {
        let bad = |e: &dyn std::fmt::Display| TransportError::Message(e.to_string());
        let to: Address = envelope.mail.to.as_str().parse().map_err(|e| bad(&e))?;
        let from = Mailbox::new(Some(envelope.sender_name()), self.from.clone());
        let mut builder = Message::builder()
            .from(from)
            .to(Mailbox::new(envelope.mail.to_name.clone(), to))
            .subject(rendered.subject.clone())
            .message_id(Some(message_id));
        if let Some(url) = list_unsubscribe(&envelope.mail.data) {
            builder = builder.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text.clone(),
                rendered.html.clone(),
            ))
            .map_err(|e| bad(&e))
    }
}

/// An optional mail's unsubscribe page (`unsubscribe_link` in its data):
/// mail clients show an "unsubscribe" button for it (RFC 2369). Only a
/// plain http(s) URL is used (`http` when configured so, as in the demo).
fn list_unsubscribe(data: &serde_json::Value) -> Option<&str> {
    let url = data.get("unsubscribe_link")?.as_str()?;
    let plain = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 500
        && url
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    plain.then_some(url)
}

/// Stores the mail in the outbox, once per job.
async fn keep(
    platform: &Platform,
    envelope: &Envelope<'_>,
    rendered: &RenderedMail,
    message_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.outbox
             (job_id, tenant_id, recipient, subject, text_body, html_body, message_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (job_id) DO NOTHING",
        envelope.job.id,
        envelope.tenant.map(|t| t.id.get()),
        envelope.mail.to.as_str(),
        rendered.subject,
        rendered.text,
        rendered.html,
        message_id
    )
    .execute(platform)
    .await?;
    Ok(())
}

fn log_whole(envelope: &Envelope<'_>, rendered: &RenderedMail, what: &str) {
    tracing::info!(
        to = %envelope.mail.to,
        subject = %rendered.subject,
        "{what}:\n{}",
        rendered.text
    );
}
