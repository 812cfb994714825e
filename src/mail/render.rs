//! A mail rendered with its tenant's theme: `mail/<template>.html` (which
//! extends `mail/base.html`) and `mail/<template>.txt` see the same context
//! as a page (`site` with the brand, `locale`, `t()`), with the mail's data
//! as `page`; the subject is the translation `mail-<template>-subject`.

use std::sync::Arc;

use fluent_bundle::{FluentArgs, FluentValue};

use super::QueuedMail;
use crate::db::{Database, TenantTx};
use crate::model::Tenant;
use crate::themes::console::ConsoleView;
use crate::themes::{PageView, RenderError, Themes, supported_or_default};

#[derive(Debug, Clone)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders `mail` for `tenant`, in the mail's language if supported, else
/// the tenant's.
pub async fn render(
    themes: &Themes,
    db: &Database,
    tenant: &Arc<Tenant>,
    mail: &QueuedMail,
) -> Result<RenderedMail, RenderError> {
    let template = &mail.template;
    check_name(template)?;
    let mut view = PageView::detached(tenant.clone(), "/");
    if !mail.locale.is_empty() {
        view.locale = supported_or_default(&mail.locale);
    }
    // Lazy: only opened if the tenant's own files are not cached yet.
    let tx = TenantTx::lazy(db, tenant.clone());
    let html = themes
        .render(&tx, &view, &format!("mail/{template}.html"), &mail.data)
        .await?;
    let text = themes
        .render(&tx, &view, &format!("mail/{template}.txt"), &mail.data)
        .await?;
    let catalog = &themes.env(&tenant.theme).catalog;
    Ok(RenderedMail {
        subject: subject(catalog, &tenant.name, view.locale, template, &mail.data),
        text,
        html,
    })
}

/// Renders one of the platform's own mails (no tenant) with the built-in
/// theme, under the platform's name.
pub fn render_platform(themes: &Themes, mail: &QueuedMail) -> Result<RenderedMail, RenderError> {
    check_name(&mail.template)?;
    let view = ConsoleView {
        locale: supported_or_default(&mail.locale),
        path: "/".into(),
        flash: None,
        csrf_token: None,
        signed_in: false,
        host: String::new(),
    };
    let template = &mail.template;
    let html = themes.render_console(&view, &format!("mail/{template}.html"), &mail.data)?;
    let text = themes.render_console(&view, &format!("mail/{template}.txt"), &mail.data)?;
    let catalog = &themes.env("default").catalog;
    Ok(RenderedMail {
        subject: subject(catalog, "Tessera", view.locale, template, &mail.data),
        text,
        html,
    })
}

fn check_name(template: &str) -> Result<(), RenderError> {
    let fine = !template.is_empty()
        && template
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    match fine {
        true => Ok(()),
        false => Err(RenderError::Theme(format!(
            "bad mail template name {template:?}"
        ))),
    }
}

/// The translated subject, given the site's name (`$site`) and the data's
/// text fields (`$name`, `$inviter`, …), on one line.
fn subject(
    catalog: &crate::themes::Catalog,
    site: &str,
    locale: &str,
    template: &str,
    data: &serde_json::Value,
) -> String {
    let mut args = FluentArgs::new();
    if let Some(fields) = data.as_object() {
        for (name, value) in fields {
            if let Some(text) = value.as_str() {
                args.set(name.as_str(), FluentValue::from(text));
            }
        }
    }
    args.set("site", FluentValue::from(site));
    let subject = catalog.text(locale, &format!("mail-{template}-subject"), Some(&args));
    subject
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
