//! What an archive holds: the person's rows from every module, each read
//! through the module's own functions, and their documents (receipts, tax
//! receipts). Nothing about anyone else is selected: every read is by the
//! person's account id.

use serde_json::{Value, json};

use super::archive::{self, ArchiveError, File};
use crate::accounts::store;
use crate::audit;
use crate::contributions::memberships;
use crate::contributions::payments::list::{self as payments, PaymentFilter};
use crate::contributions::receipts;
use crate::db::TenantTx;
use crate::direct_debit::mandates;
use crate::privacy::{consents, directory};
use crate::storage::Storage;
use crate::tax_receipts;

#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("a document could not be read: {0}")]
    Document(String),
}

/// Every file of `account_id`'s archive.
pub async fn gather(
    tx: &mut TenantTx,
    storage: &Storage,
    account_id: i64,
) -> Result<Vec<File>, GatherError> {
    let mut files = Vec::new();
    let mut add = |name: &str, value: Value| -> Result<(), GatherError> {
        files.extend(archive::section(name, &value)?);
        Ok(())
    };
    add("profile", profile(tx, account_id).await?)?;
    add(
        "consents",
        serde_json::to_value(consents::history(tx, account_id).await?).unwrap_or_default(),
    )?;
    add(
        "directory",
        serde_json::to_value(directory::fields_of(tx, account_id).await?).unwrap_or_default(),
    )?;
    add(
        "memberships",
        serde_json::to_value(memberships::for_account(tx, account_id).await?).unwrap_or_default(),
    )?;
    add("payments", payments_of(tx, account_id).await?)?;
    add(
        "sepa_mandates",
        serde_json::to_value(mandates::list(tx, Some(account_id), None, 1000).await?)
            .unwrap_or_default(),
    )?;
    let filter = tax_receipts::store::Filter {
        account_id: Some(account_id),
        tax_year: None,
        limit: 1000,
    };
    let given = tax_receipts::store::list(tx, &filter).await?;
    add(
        "tax_receipts",
        serde_json::to_value(&given).unwrap_or_default(),
    )?;
    let audit = audit::Filter {
        action: None,
        account: Some(account_id),
        before: None,
        limit: 200,
    };
    add(
        "activity",
        serde_json::to_value(audit::list(tx, &audit).await?).unwrap_or_default(),
    )?;
    for (id, number) in receipts::issued::of_account(tx, account_id).await? {
        let stored = receipts::render::ensure(tx.sibling(), storage, id)
            .await
            .map_err(|e| GatherError::Document(e.to_string()))?;
        let Some(stored) = stored else { continue };
        let bytes = storage
            .get(tx.tenant().id, &stored.key)
            .await
            .map_err(|e| GatherError::Document(e.to_string()))?;
        if let Some(bytes) = bytes {
            files.push(File::new(format!("receipts/{number}.pdf"), bytes));
        }
    }
    for receipt in &given {
        let bytes = tax_receipts::render::bytes(tx, storage, receipt.id)
            .await
            .map_err(|e| GatherError::Document(e.to_string()))?;
        if let Some(bytes) = bytes {
            let name = format!("tax_receipts/{}.pdf", receipt.reference);
            files.push(File::new(name, bytes));
        }
    }
    Ok(files)
}

/// The account as the person gave it; never its password hash.
async fn profile(tx: &mut TenantTx, account_id: i64) -> Result<Value, sqlx::Error> {
    let Some(account) = store::find(tx, account_id).await? else {
        return Ok(Value::Null);
    };
    Ok(json!({
        "id": account.id,
        "email": account.email,
        "display_name": account.display_name,
        "phone": account.phone,
        "street": account.address.street,
        "postal_code": account.address.postal_code,
        "town": account.address.town,
        "country": account.address.country,
        "birth_date": account.birth_date,
        "locale": account.locale,
        "role": account.role.as_str(),
        "status": account.status.as_str(),
        "email_verified": account.email_verified,
        "two_factor": account.two_factor,
        "created_at": account.created_at,
    }))
}

/// Every payment the person made, newest first.
async fn payments_of(tx: &mut TenantTx, account_id: i64) -> Result<Value, sqlx::Error> {
    let filter = PaymentFilter {
        payer_id: Some(account_id),
        ..PaymentFilter::default()
    };
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = payments::page(tx, &filter, payments::MAX_LIMIT, after).await?;
        rows.extend(page.items.into_iter().map(|p| {
            json!({
                "id": p.id,
                "payer": p.payer_name,
                "received_on": p.received_on,
                "amount": p.amount.to_string(),
                "refunded": p.refunded.to_string(),
                "method": p.method.as_str(),
                "status": p.status.as_str(),
                "reference": p.reference,
                "cheque_number": p.cheque_number,
                "cheque_bank": p.cheque_bank,
                "paid_at": p.paid_at,
                "created_at": p.created_at,
            })
        }));
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(Value::Array(rows)),
        }
    }
}
