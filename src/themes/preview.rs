//! Theme previews: the portal's pages rendered with a tenant's current
//! branding and theme into a folder of static HTML (`tessera theme preview`),
//! and the sample data of the style guide page that shows every element.

use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use serde::Serialize;

use super::{Catalog, PageView, SUPPORTED_LOCALES, Themes};
use crate::db::TenantTx;

#[derive(Debug, Serialize)]
pub struct StyleguidePage {
    form_errors: Vec<String>,
    name: String,
    email: String,
    email_error: String,
    plans: Vec<SelectOption>,
    payments: Vec<PaymentRow>,
    total_cents: i64,
    member_count: i64,
}

#[derive(Debug, Serialize)]
struct SelectOption {
    value: &'static str,
    label: String,
}

#[derive(Debug, Serialize)]
struct PaymentRow {
    at: chrono::DateTime<Utc>,
    member: &'static str,
    amount: i64,
}

/// Sample data for the style guide, in `locale`.
pub fn styleguide(catalog: &Catalog, locale: &str) -> StyleguidePage {
    let text = |key: &str| catalog.text(locale, key, None);
    let payments = vec![
        PaymentRow {
            at: Utc::now() - Duration::days(2),
            member: "Camille Bernard",
            amount: 3_500,
        },
        PaymentRow {
            at: Utc::now() - Duration::days(9),
            member: "Owen Price",
            amount: 12_000,
        },
        PaymentRow {
            at: Utc::now() - Duration::days(30),
            member: "Nadia Haddad-Lefèvre",
            amount: 123_450,
        },
    ];
    StyleguidePage {
        form_errors: vec![text("sample-email-error")],
        name: "Camille Bernard".into(),
        email: "camille@example.org".into(),
        email_error: text("sample-email-error"),
        plans: ["single", "family", "support"]
            .into_iter()
            .map(|value| SelectOption {
                value,
                label: text(&format!("sample-plan-{value}")),
            })
            .collect(),
        total_cents: payments.iter().map(|p| p.amount).sum(),
        payments,
        member_count: 1234,
    }
}

#[derive(Serialize)]
struct ErrorPage {
    status: u16,
    code: &'static str,
    detail: Option<String>,
}

/// One rendered page of a preview, or why it failed.
pub struct PreviewPage {
    pub file: PathBuf,
    pub error: Option<String>,
}

/// Writes `home` (with the portal's data `home`), `styleguide` and `error`
/// in every locale into `out`, with the static files beside them; the
/// tenant's own templates are used (in the sandbox) and their errors
/// reported rather than hidden.
pub async fn write(
    themes: &Themes,
    tx: &TenantTx,
    home: &impl Serialize,
    out: &Path,
) -> anyhow::Result<Vec<PreviewPage>> {
    std::fs::create_dir_all(out)?;
    let tenant = tx.tenant();
    let env = themes.env(&tenant.theme);
    let files = themes.tenant_files(tx).await?;
    let error = ErrorPage {
        status: 404,
        code: "not-found",
        detail: None,
    };
    let mut pages = Vec::new();
    for locale in SUPPORTED_LOCALES {
        let mut view = PageView::detached(tenant.clone(), "/");
        view.locale = locale;
        let styleguide = styleguide(&env.catalog, locale);
        let renders = [
            (
                "home",
                themes.render_strict(tx, &view, "home.html", home).await,
            ),
            (
                "styleguide",
                themes
                    .render_strict(tx, &view, "styleguide.html", &styleguide)
                    .await,
            ),
            (
                "error",
                themes.render_strict(tx, &view, "error.html", &error).await,
            ),
        ];
        for (name, result) in renders {
            let file = out.join(format!("{name}.{locale}.html"));
            let error = match result {
                Ok(html) => {
                    std::fs::write(&file, html.replace("\"/static/", "\"static/"))?;
                    None
                }
                Err(error) => Some(error.to_string()),
            };
            pages.push(PreviewPage { file, error });
        }
    }
    let statics = env.statics.iter().chain(files.statics.iter());
    for (path, file) in statics {
        let target = out.join("static").join(&file.hash).join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, &file.bytes)?;
    }
    Ok(pages)
}
