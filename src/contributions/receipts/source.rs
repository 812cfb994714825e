//! What a receipt's PDF is made of, read from the tenant's tables: the
//! receipt, its payment, the member's name and address, and what the
//! payment paid for (plans and periods), in the member's language.

use std::sync::Arc;

use chrono::NaiveDate;

use super::pdf::{self, Association, Lang, Line, Member, ReceiptPdf};
use super::render::{RenderError, Stored};
use crate::contributions::Method;
use crate::db::TenantTx;
use crate::model::{Amount, Currency, Tenant};

/// The row's storage columns, and who may read it.
#[derive(Debug)]
pub struct StoredRow {
    pub year: i32,
    pub number: i32,
    pub account_id: i64,
    pub payer_id: i64,
    pub cancelled: bool,
    pub storage_key: Option<String>,
    pub sha256: Option<Vec<u8>>,
    pub void_storage_key: Option<String>,
    pub void_sha256: Option<Vec<u8>>,
}

impl StoredRow {
    /// The PDF to show now: the watermarked copy once cancelled, else the
    /// original; `None` while it is not rendered yet.
    pub fn current(&self) -> Option<Stored> {
        let (key, sha256) = if self.cancelled {
            (&self.void_storage_key, &self.void_sha256)
        } else {
            (&self.storage_key, &self.sha256)
        };
        Some(Stored {
            key: key.clone()?,
            sha256: sha256.clone()?,
        })
    }
}

pub async fn stored(tx: &mut TenantTx, receipt_id: i64) -> Result<Option<StoredRow>, sqlx::Error> {
    sqlx::query_as!(
        StoredRow,
        r#"SELECT r.year, r.number, r.account_id, p.payer_id,
                  r.cancelled_at IS NOT NULL AS "cancelled!",
                  r.storage_key, r.sha256, r.void_storage_key, r.void_sha256
           FROM receipts r JOIN payments p ON p.id = r.payment_id
           WHERE r.id = $1"#,
        receipt_id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Everything the PDF shows; `None` when there is no such receipt.
pub async fn load(
    tx: &mut TenantTx,
    tenant: &Arc<Tenant>,
    receipt_id: i64,
) -> Result<Option<ReceiptPdf>, RenderError> {
    let Some(r) = sqlx::query!(
        r#"SELECT r.year, r.number, r.payment_id, r.amount_minor, r.currency,
                  r.issued_at, r.cancelled_at IS NOT NULL AS "cancelled!",
                  p.method, p.received_on,
                  a.display_name, a.street, a.postal_code, a.town, a.country, a.locale
           FROM receipts r
           JOIN payments p ON p.id = r.payment_id
           JOIN accounts a ON a.id = r.account_id
           WHERE r.id = $1"#,
        receipt_id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    else {
        return Ok(None);
    };
    let locale = r.locale.unwrap_or_else(|| tenant.locale.clone());
    let lang = Lang::from_locale(&locale);
    let currency = Currency::parse(&r.currency).map_err(|e| RenderError::Data(e.to_string()))?;
    let money = |minor: i64| {
        Amount::new(minor, currency)
            .map(|a| a.format(&locale))
            .ok_or_else(|| RenderError::Data(format!("amount out of range: {minor}")))
    };
    let amount = money(r.amount_minor)?;
    let method: Method = r
        .method
        .parse()
        .map_err(|_| RenderError::Data(format!("payment method {:?}", r.method)))?;
    let mut lines = Vec::new();
    for line in paid_for(tx, r.payment_id).await? {
        let label = line_label(lang, &line, &r.display_name);
        lines.push(Line {
            label,
            amount: money(line.amount_minor)?,
        });
    }
    if lines.is_empty() {
        let label = match lang {
            Lang::Fr => "Paiement",
            Lang::En => "Payment",
        };
        lines.push(Line {
            label: label.to_owned(),
            amount: amount.clone(),
        });
    }
    let town = [r.postal_code, r.town].into_iter().flatten();
    let address = [
        r.street,
        Some(town.collect::<Vec<_>>().join(" ")),
        r.country,
    ]
    .into_iter()
    .flatten()
    .filter(|line| !line.trim().is_empty())
    .collect();
    Ok(Some(ReceiptPdf {
        lang,
        association: Association {
            name: tenant.name.clone(),
            address: Vec::new(),
            colour: tenant.brand.primary,
        },
        number: pdf::number_text(r.year, r.number),
        issued_on: r.issued_at.date_naive(),
        member: Member {
            name: r.display_name,
            address,
        },
        amount,
        amount_in_words: None,
        paid_on: r.received_on,
        method,
        lines,
        cancelled: r.cancelled,
    }))
}

/// One allocation of the payment, with its membership's plan and period.
struct PaidFor {
    plan: String,
    member: String,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    amount_minor: i64,
}

async fn paid_for(tx: &mut TenantTx, payment_id: i64) -> Result<Vec<PaidFor>, sqlx::Error> {
    sqlx::query_as!(
        PaidFor,
        "SELECT pl.name AS plan, a.display_name AS member, m.starts_on, m.ends_on,
                pa.amount_minor
         FROM payment_allocations pa
         JOIN memberships m ON m.id = pa.membership_id
         JOIN plans pl ON pl.id = m.plan_id
         JOIN accounts a ON a.id = m.account_id
         WHERE pa.payment_id = $1
         ORDER BY m.starts_on, m.id",
        payment_id
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// "Adhésion — Alice Martin, 1 septembre 2026 – 31 août 2027" (the member
/// is named when the payer paid for someone else).
fn line_label(lang: Lang, line: &PaidFor, holder: &str) -> String {
    let mut label = line.plan.clone();
    if line.member != holder {
        label.push_str(" — ");
        label.push_str(&line.member);
    }
    let from = pdf::date(lang, line.starts_on);
    let period = match (line.ends_on, lang) {
        (Some(end), _) => format!("{from} – {}", pdf::date(lang, end)),
        (None, Lang::Fr) => format!("depuis le {from}"),
        (None, Lang::En) => format!("from {from}"),
    };
    format!("{label}, {period}")
}
