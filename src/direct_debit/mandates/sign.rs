//! Signing on the portal: the signed-in member fills in the mandate,
//! Tessera mails a six-digit code to their address, and the mandate is
//! signed when they type it back (within 30 minutes, five tries). The code
//! is kept only as a SHA-256 hash. The member's account plus the code in
//! their mailbox is the electronic signature; the wording shown and its
//! language are kept with the mandate.

use chrono::{Duration, NaiveDate, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Mandate, NewMandate, store};
use crate::db::TenantTx;
use crate::error::Refusal;

pub const CODE_MINUTES: i64 = 30;
pub const CODE_ATTEMPTS: i16 = 5;
/// Mandates a member may start on the portal in an hour (signed,
/// cancelled or not: each start mailed a code).
pub const STARTS_PER_HOUR: i64 = 3;

fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(code.as_bytes()).to_vec()
}

/// Creates an unsigned mandate for `account_id` and returns it with the
/// code to mail them.
pub async fn start(
    tx: &mut TenantTx,
    account_id: i64,
    new: &NewMandate,
    locale: &str,
) -> Result<(Mandate, String), Refusal> {
    // Each start mails a code: a few an hour are enough for a person, and
    // the association's mail is not a way to flood their box.
    let recent = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM sdd_mandates
           WHERE account_id = $1 AND created_by = $1 AND paper_key IS NULL
             AND created_at > now() - interval '1 hour'"#,
        account_id
    )
    .fetch_one(tx.conn().await?)
    .await?;
    if recent >= STARTS_PER_HOUR {
        return Err(Refusal::conflict(
            "too-many-codes",
            "several codes were mailed in the last hour: use the latest, or try again later",
        ));
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    let expires = Utc::now() + Duration::minutes(CODE_MINUTES);
    let mandate = store::insert(
        tx,
        store::Insert {
            account_id,
            new,
            locale,
            signed: None,
            code: Some((hash(&code), expires)),
            by: Some(account_id),
        },
    )
    .await?;
    Ok((mandate, code))
}

/// Signs `account_id`'s unsigned mandate `id` with the mailed `code`,
/// dated `today`. A wrong code counts against the tries; after the last
/// one, or past the half hour, the member starts again.
pub async fn confirm(
    tx: &mut TenantTx,
    account_id: i64,
    id: i64,
    code: &str,
    today: NaiveDate,
) -> Result<Mandate, Refusal> {
    let row = sqlx::query!(
        "SELECT code_hash, code_expires_at, code_attempts FROM sdd_mandates
         WHERE id = $1 AND account_id = $2 AND status = 'unsigned' FOR UPDATE",
        id,
        account_id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .ok_or(Refusal::NotFound("mandate"))?;
    let live =
        row.code_expires_at.is_some_and(|at| at > Utc::now()) && row.code_attempts < CODE_ATTEMPTS;
    if !live {
        return Err(Refusal::conflict(
            "code-expired",
            "this code has expired: start the mandate again",
        ));
    }
    let given = hash(code.trim());
    let matches = row
        .code_hash
        .as_deref()
        .is_some_and(|stored| bool::from(stored.ct_eq(&given)));
    if !matches {
        sqlx::query!(
            "UPDATE sdd_mandates SET code_attempts = code_attempts + 1 WHERE id = $1",
            id
        )
        .execute(tx.conn().await?)
        .await?;
        return Err(Refusal::invalid(
            "code",
            "code",
            "this is not the code we mailed",
        ));
    }
    store::mark_signed(tx, id, today, "portal", None).await
}
