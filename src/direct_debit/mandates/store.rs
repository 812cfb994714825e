//! The mandates table: writing one (a portal start or a paper copy),
//! signing, amending, ending, and reading them back. Every change leaves
//! an audit entry.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use super::{IBAN_COLUMN, Kind, Mandate, MandateStatus, NewMandate, PREVIOUS_IBAN_COLUMN};
use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::Refusal;

/// What [`insert`] writes.
pub(super) struct Insert<'a> {
    pub account_id: i64,
    pub new: &'a NewMandate,
    pub locale: &'a str,
    /// Signed on paper: the date and the scan's storage key.
    pub signed: Option<(NaiveDate, String)>,
    /// Signing on the portal: the code's hash and when it expires.
    pub code: Option<(Vec<u8>, DateTime<Utc>)>,
    pub by: Option<i64>,
}

/// `RUM-2026-000042`: the year and the row's id, unique in the association.
fn reference(id: i64, year: i32) -> String {
    format!("RUM-{year}-{id:06}")
}

pub(super) async fn insert(tx: &mut TenantTx, insert: Insert<'_>) -> Result<Mandate, Refusal> {
    let new = insert.new;
    let id: i64 = sqlx::query_scalar!(
        r#"SELECT nextval(pg_get_serial_sequence('sdd_mandates', 'id')) AS "id!""#
    )
    .fetch_one(tx.conn().await?)
    .await?;
    let reference = reference(id, chrono::Datelike::year(&Utc::now()));
    let (signed_on, paper_key) = insert.signed.clone().unzip();
    let (code_hash, code_expires_at) = insert.code.clone().unzip();
    let iban = tx.keyring().seal_str(&new.iban, IBAN_COLUMN)?;
    let status = if signed_on.is_some() {
        MandateStatus::Active
    } else {
        MandateStatus::Unsigned
    };
    sqlx::query!(
        "INSERT INTO sdd_mandates (id, account_id, reference, kind, status, debtor_name, street,
             building, post_code, town, country, iban_sealed, bic, locale, signed_on, signed_via,
             signed_place, paper_key, code_hash, code_expires_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                 CASE WHEN $15::date IS NULL THEN NULL ELSE 'paper' END, $16, $17, $18, $19, $20)",
        id,
        insert.account_id,
        reference,
        new.kind.as_str(),
        status.as_str(),
        new.debtor_name,
        new.street,
        new.building,
        new.post_code,
        new.town,
        new.country,
        iban,
        new.bic,
        insert.locale,
        signed_on,
        new.signed_place,
        paper_key,
        code_hash,
        code_expires_at,
        insert.by
    )
    .execute(tx.conn().await?)
    .await?;
    let action = if signed_on.is_some() {
        "direct_debit.mandate.paper"
    } else {
        "direct_debit.mandate.started"
    };
    audit::record(
        tx,
        Entry::new(action)
            .by(insert.by)
            .on(insert.account_id)
            .with(json!({ "mandate": id, "reference": reference })),
    )
    .await?;
    found(tx, id).await
}

/// Records a mandate signed on paper, its scan stored under `paper_key`.
pub async fn record_paper(
    tx: &mut TenantTx,
    account_id: i64,
    new: &NewMandate,
    signed_on: NaiveDate,
    paper_key: String,
    locale: &str,
    by: i64,
) -> Result<Mandate, Refusal> {
    if signed_on > Utc::now().date_naive() {
        return Err(Refusal::invalid("signed_on", "date", "not in the future"));
    }
    let insert = Insert {
        account_id,
        new,
        locale,
        signed: Some((signed_on, paper_key)),
        code: None,
        by: Some(by),
    };
    self::insert(tx, insert).await
}

pub(super) async fn mark_signed(
    tx: &mut TenantTx,
    id: i64,
    on: NaiveDate,
    via: &str,
    by: Option<i64>,
) -> Result<Mandate, Refusal> {
    let account = sqlx::query_scalar!(
        "UPDATE sdd_mandates SET status = 'active', signed_on = $2, signed_via = $3,
                code_hash = NULL, code_expires_at = NULL
         WHERE id = $1 AND status = 'unsigned' RETURNING account_id",
        id,
        on,
        via
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .ok_or(Refusal::NotFound("mandate"))?;
    let entry = Entry::new("direct_debit.mandate.signed")
        .by(by.or(Some(account)))
        .on(account)
        .with(json!({ "mandate": id, "via": via }));
    audit::record(tx, entry).await?;
    found(tx, id).await
}

/// Ends a mandate (the member or a treasurer asked; the bank said the
/// account is closed …). Ending an ended one is refused.
pub async fn cancel(
    tx: &mut TenantTx,
    id: i64,
    reason: &str,
    by: Option<i64>,
) -> Result<Mandate, Refusal> {
    let reason: String = reason.trim().chars().take(200).collect();
    let account = sqlx::query_scalar!(
        "UPDATE sdd_mandates SET status = 'cancelled', ended_at = now(), end_reason = $2,
                code_hash = NULL, code_expires_at = NULL
         WHERE id = $1 AND status IN ('unsigned', 'active') RETURNING account_id",
        id,
        reason
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(account) = account else {
        return Err(ended_or_missing(tx, id).await);
    };
    let entry = Entry::new("direct_debit.mandate.cancelled")
        .by(by)
        .on(account)
        .with(json!({ "mandate": id, "reason": reason }));
    audit::record(tx, entry).await?;
    found(tx, id).await
}

/// Moves an active mandate to another account: the former IBAN is kept for
/// the next debit to declare (`AmdmntInd`); the reference stays.
pub async fn amend(
    tx: &mut TenantTx,
    id: i64,
    iban: &str,
    bic: Option<&str>,
    by: Option<i64>,
) -> Result<Mandate, Refusal> {
    let iban = crate::direct_debit::fields::iban(iban)?;
    let bic = crate::direct_debit::fields::bic(bic)?;
    // The IBANs are sealed, so they are compared here, on the locked row.
    sqlx::query!("SELECT id FROM sdd_mandates WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(tx.conn().await?)
        .await?;
    let mandate = match find(tx, id).await? {
        Some(m) if m.status != MandateStatus::Active => {
            return Err(Refusal::conflict("ended", "this mandate has ended"));
        }
        Some(m) if m.iban == iban => {
            return Err(Refusal::invalid(
                "iban",
                "same-iban",
                "this is the mandate's account already",
            ));
        }
        Some(m) => m,
        None => return Err(Refusal::NotFound("mandate")),
    };
    // Until a debit declares an amendment, the account it replaced is the
    // one the bank last debited.
    let previous = match mandate.previous_iban {
        Some(previous) if mandate.amendment_pending => previous,
        _ => mandate.iban,
    };
    let keyring = tx.keyring();
    let sealed = keyring.seal_str(&iban, IBAN_COLUMN)?;
    let previous = keyring.seal_str(&previous, PREVIOUS_IBAN_COLUMN)?;
    sqlx::query!(
        "UPDATE sdd_mandates
         SET previous_iban = NULL, previous_iban_sealed = $4, iban = NULL, iban_sealed = $2,
             bic = $3, amended_at = now(), amendment_pending = true
         WHERE id = $1",
        id,
        sealed,
        bic,
        previous
    )
    .execute(tx.conn().await?)
    .await?;
    let account = mandate.account_id;
    let entry = Entry::new("direct_debit.mandate.amended")
        .by(by)
        .on(account)
        .with(json!({ "mandate": id }));
    audit::record(tx, entry).await?;
    found(tx, id).await
}

/// A debit under the mandate went to the bank, due on `due_on`: the 36
/// months restart from it, the amendment it declared is done, and a
/// one-off mandate is used.
pub async fn mark_presented(
    tx: &mut TenantTx,
    id: i64,
    due_on: NaiveDate,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE sdd_mandates
         SET last_collected_on = greatest(last_collected_on, $2),
             amendment_pending = false, previous_iban = NULL, previous_iban_sealed = NULL,
             previous_reference = NULL,
             status = CASE WHEN kind = 'one_off' AND status = 'active' THEN 'used' ELSE status END
         WHERE id = $1",
        id,
        due_on
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Where a paper mandate's scan is stored.
pub async fn paper_key(tx: &mut TenantTx, id: i64) -> Result<Option<String>, sqlx::Error> {
    let key = sqlx::query_scalar!("SELECT paper_key FROM sdd_mandates WHERE id = $1", id)
        .fetch_optional(tx.conn().await?)
        .await?;
    Ok(key.flatten())
}

async fn ended_or_missing(tx: &mut TenantTx, id: i64) -> Refusal {
    match find(tx, id).await {
        Ok(Some(_)) => Refusal::conflict("ended", "this mandate has ended"),
        Ok(None) => Refusal::NotFound("mandate"),
        Err(error) => Refusal::Database(error),
    }
}

async fn found(tx: &mut TenantTx, id: i64) -> Result<Mandate, Refusal> {
    find(tx, id).await?.ok_or(Refusal::NotFound("mandate"))
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Mandate>, sqlx::Error> {
    Ok(select(tx, Some(id), None, None, 1).await?.pop())
}

/// Mandates, newest first: of one account, in one status, at most `limit`.
pub async fn list(
    tx: &mut TenantTx,
    account_id: Option<i64>,
    status: Option<MandateStatus>,
    limit: i64,
) -> Result<Vec<Mandate>, sqlx::Error> {
    select(tx, None, account_id, status, limit).await
}

async fn select(
    tx: &mut TenantTx,
    id: Option<i64>,
    account_id: Option<i64>,
    status: Option<MandateStatus>,
    limit: i64,
) -> Result<Vec<Mandate>, sqlx::Error> {
    let status = status.map(|s| s.as_str());
    let rows = sqlx::query_file!(
        "src/direct_debit/mandates/select.sql",
        id,
        account_id,
        status,
        limit
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let word = |e: crate::model::UnknownWord| sqlx::Error::Decode(Box::new(e));
    let keyring = tx.keyring();
    rows.into_iter()
        .map(|r| {
            Ok(Mandate {
                id: r.id,
                account_id: r.account_id,
                reference: r.reference,
                kind: r.kind.parse::<Kind>().map_err(word)?,
                status: r.status.parse::<MandateStatus>().map_err(word)?,
                debtor_name: r.debtor_name,
                street: r.street,
                building: r.building,
                post_code: r.post_code,
                town: r.town,
                country: r.country,
                iban: keyring
                    .open_or_clear(r.iban_sealed.as_deref(), r.iban, IBAN_COLUMN)
                    .unwrap_or_default(),
                bic: r.bic,
                locale: r.locale,
                signed_on: r.signed_on,
                signed_via: r.signed_via,
                signed_place: r.signed_place,
                last_collected_on: r.last_collected_on,
                previous_reference: r.previous_reference,
                previous_iban: keyring.open_or_clear(
                    r.previous_iban_sealed.as_deref(),
                    r.previous_iban,
                    PREVIOUS_IBAN_COLUMN,
                ),
                amendment_pending: r.amendment_pending,
                ended_at: r.ended_at,
                end_reason: r.end_reason,
                created_at: r.created_at,
            })
        })
        .collect()
}
