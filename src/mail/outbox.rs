//! The outbox pages of the platform host (`/outbox`, `/outbox/{id}`): the
//! mails the `outbox` transport kept instead of sending, and the job queue's
//! dead letters (`/outbox/dead`), for the demo and operators. They exist
//! only when that transport is on (the platform host has no login yet, so
//! nothing of this is served in production), and only the platform router
//! mounts them: no tenant host can reach them.

use std::fmt::Write as _;

use axum::Router;
use axum::extract::{FromRef, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};

use crate::config::MailTransport;
use crate::db::Platform;
use crate::error::AppError;

/// Read access to the outbox; empty (every page 404) unless the transport
/// is the outbox.
#[derive(Clone)]
pub struct Outbox {
    platform: Option<Platform>,
}

pub struct OutboxMail {
    pub id: i64,
    pub tenant: Option<String>,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: DateTime<Utc>,
}

impl Outbox {
    pub fn new(platform: &Platform, transport: MailTransport) -> Self {
        Self {
            platform: (transport == MailTransport::Outbox).then(|| platform.clone()),
        }
    }

    fn platform(&self) -> Result<&Platform, AppError> {
        self.platform.as_ref().ok_or(AppError::NotFound)
    }

    /// The latest mails, newest first (bodies left empty).
    pub async fn latest(&self, limit: i64) -> Result<Vec<OutboxMail>, AppError> {
        Ok(sqlx::query_as!(
            OutboxMail,
            r#"SELECT o.id, t.slug AS "tenant?", o.recipient, o.subject,
                      '' AS "text_body!", '' AS "html_body!", o.created_at
               FROM platform.outbox AS o LEFT JOIN platform.tenants AS t ON t.id = o.tenant_id
               ORDER BY o.id DESC LIMIT $1"#,
            limit
        )
        .fetch_all(self.platform()?)
        .await?)
    }

    pub async fn get(&self, id: i64) -> Result<Option<OutboxMail>, AppError> {
        Ok(sqlx::query_as!(
            OutboxMail,
            r#"SELECT o.id, t.slug AS "tenant?", o.recipient, o.subject,
                      o.text_body, o.html_body, o.created_at
               FROM platform.outbox AS o LEFT JOIN platform.tenants AS t ON t.id = o.tenant_id
               WHERE o.id = $1"#,
            id
        )
        .fetch_optional(self.platform()?)
        .await?)
    }
}

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Outbox: FromRef<S>,
{
    Router::new()
        .route("/outbox", get(list))
        .route("/outbox/dead", get(dead))
        .route("/outbox/{id}", get(show))
}

async fn list(State(outbox): State<Outbox>) -> Result<Response, AppError> {
    let mut rows = String::new();
    for mail in outbox.latest(200).await? {
        let _ = write!(
            rows,
            "<tr><td><a href=\"/outbox/{id}\">{id}</a></td><td>{at}</td><td>{tenant}</td>\
             <td>{to}</td><td><a href=\"/outbox/{id}\">{subject}</a></td></tr>",
            id = mail.id,
            at = mail.created_at.format("%Y-%m-%d %H:%M:%S"),
            tenant = escape(mail.tenant.as_deref().unwrap_or("")),
            to = escape(&mail.recipient),
            subject = escape(&mail.subject),
        );
    }
    let body = format!(
        "<h1>Outbox</h1><p>Mails kept instead of sent (<code>mail.transport = \"outbox\"</code>). \
         <a href=\"/outbox/dead\">Dead letters</a> of the job queue.</p>\
         <div class=\"scroll\"><table><thead><tr><th>#</th><th>Date (UTC)</th><th>Tenant</th>\
         <th>To</th><th>Subject</th></tr></thead><tbody>{rows}</tbody></table></div>"
    );
    Ok(page("Outbox", &body))
}

/// Jobs that failed for good (`tessera jobs list --dead`; retried with
/// `tessera jobs retry ID`).
async fn dead(State(outbox): State<Outbox>) -> Result<Response, AppError> {
    let jobs = crate::jobs::queue::list(outbox.platform()?, true, 200).await?;
    let mut rows = String::new();
    for job in jobs {
        let _ = write!(
            rows,
            "<tr><td>{id}</td><td>{tenant}</td><td>{kind}</td><td>{attempts}</td><td>{at}</td>\
             <td>{error}</td></tr>",
            id = job.id,
            tenant = job.tenant_id.map_or(String::new(), |id| id.to_string()),
            kind = escape(&job.kind),
            attempts = job.attempts,
            at = job
                .finished_at
                .unwrap_or(job.run_at)
                .format("%Y-%m-%d %H:%M:%S"),
            error = escape(job.last_error.as_deref().unwrap_or("")),
        );
    }
    let body = format!(
        "<p><a href=\"/outbox\">← Outbox</a></p><h1>Dead letters</h1>\
         <p>Jobs that failed for good. Run one again with <code>tessera jobs retry ID</code>.</p>\
         <div class=\"scroll\"><table><thead><tr><th>#</th><th>Tenant</th><th>Kind</th>\
         <th>Attempts</th><th>Failed (UTC)</th><th>Last error</th></tr></thead>\
         <tbody>{rows}</tbody></table></div>"
    );
    Ok(page("Dead letters", &body))
}

async fn show(State(outbox): State<Outbox>, Path(id): Path<String>) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mail = outbox.get(id).await?.ok_or(AppError::NotFound)?;
    let body = format!(
        "<p><a href=\"/outbox\">← Outbox</a></p><h1>{subject}</h1>\
         <dl><dt>To</dt><dd>{to}</dd><dt>Tenant</dt><dd>{tenant}</dd><dt>Date (UTC)</dt><dd>{at}</dd></dl>\
         <h2>Text</h2><pre>{text}</pre>\
         <h2>HTML</h2><iframe sandbox title=\"HTML part\" srcdoc=\"{html}\"></iframe>",
        subject = escape(&mail.subject),
        to = escape(&mail.recipient),
        tenant = escape(mail.tenant.as_deref().unwrap_or("")),
        at = mail.created_at.format("%Y-%m-%d %H:%M:%S"),
        text = linkify(&mail.text_body),
        html = escape(&mail.html_body),
    );
    Ok(page(&mail.subject, &body))
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;\
color:#1d2330}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;\
border-bottom:1px solid #dde}.scroll{overflow-x:auto}pre{white-space:pre-wrap;overflow-wrap:anywhere;\
background:#f5f6f8;padding:.75rem}iframe{width:100%;height:32rem;border:1px solid #dde}\
dt{font-weight:bold}dd{margin:0 0 .5rem;overflow-wrap:anywhere}";

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>{STYLE}</style></head><body>{body}</body></html>",
        title = escape(title),
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The text body, escaped, with its http(s) links clickable (the demo
/// follows verification links from here).
fn linkify(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, word) in line.split(' ').enumerate() {
            if j > 0 {
                out.push(' ');
            }
            if word.starts_with("https://") || word.starts_with("http://") {
                let word = escape(word);
                let _ = write!(out, "<a href=\"{word}\">{word}</a>");
            } else {
                out.push_str(&escape(word));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_escaped_and_links_clickable() {
        let html = linkify("Hi <b>\nhttps://a.test/x?a=1&b=\"2\" end");
        assert_eq!(
            html,
            "Hi &lt;b&gt;\n<a href=\"https://a.test/x?a=1&amp;b=&quot;2&quot;\">\
             https://a.test/x?a=1&amp;b=&quot;2&quot;</a> end"
        );
    }
}
