//! The `accounts` table: reading, creating and changing accounts. Every
//! function runs in the caller's tenant transaction; audit entries are the
//! caller's (it knows who acted and why).

use chrono::{DateTime, Utc};

use super::model::{Account, Address, SignupPolicy, Status};
use crate::auth::Role;
use crate::crypto::Keyring;
use crate::db::TenantTx;
use crate::model::Email;

/// A row as stored; see [`Account`].
struct Row {
    id: i64,
    email: String,
    display_name: String,
    phone: Option<String>,
    phone_sealed: Option<Vec<u8>>,
    street: Option<String>,
    postal_code: Option<String>,
    town: Option<String>,
    country: Option<String>,
    birth_date: Option<chrono::NaiveDate>,
    locale: Option<String>,
    role: String,
    status: String,
    password_hash: Option<String>,
    email_verified_at: Option<DateTime<Utc>>,
    totp_enabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// The column phone numbers are sealed for.
pub const PHONE_COLUMN: &str = "accounts.phone";

impl Row {
    /// The account, its phone number opened (one whose key left the ring
    /// reads as none).
    fn open(self, keyring: &Keyring) -> Account {
        let row = self;
        let phone = keyring.open_or_clear(row.phone_sealed.as_deref(), row.phone, PHONE_COLUMN);
        Account {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            phone,
            address: Address {
                street: row.street,
                postal_code: row.postal_code,
                town: row.town,
                country: row.country,
            },
            birth_date: row.birth_date,
            locale: row.locale,
            // The table's CHECK constraints admit nothing else.
            role: row.role.parse().unwrap_or(Role::Member),
            status: Status::parse(&row.status).unwrap_or(Status::Deactivated),
            email_verified: row.email_verified_at.is_some(),
            two_factor: row.totp_enabled_at.is_some(),
            created_at: row.created_at,
            password_hash: row.password_hash,
        }
    }
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, email, display_name, phone, phone_sealed, street, postal_code, town, country, birth_date, locale,
                role, status, password_hash, email_verified_at, totp_enabled_at, created_at
         FROM accounts WHERE id = $1",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(|row| row.open(tx.keyring())))
}

/// The accounts of `ids` that exist, in no particular order.
pub async fn find_many(tx: &mut TenantTx, ids: &[i64]) -> Result<Vec<Account>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, email, display_name, phone, phone_sealed, street, postal_code, town, country,
                birth_date, locale, role, status, password_hash, email_verified_at,
                totp_enabled_at, created_at
         FROM accounts WHERE id = ANY($1)",
        ids
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let keyring = tx.keyring();
    Ok(rows.into_iter().map(|row| row.open(keyring)).collect())
}

/// The account of `email`, whatever its case.
pub async fn find_by_email(
    tx: &mut TenantTx,
    email: &Email,
) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, email, display_name, phone, phone_sealed, street, postal_code, town, country, birth_date, locale,
                role, status, password_hash, email_verified_at, totp_enabled_at, created_at
         FROM accounts WHERE lower(email) = lower($1)",
        email.as_str()
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(|row| row.open(tx.keyring())))
}

pub struct NewAccount<'a> {
    pub email: &'a Email,
    pub display_name: &'a str,
    pub role: Role,
    pub status: Status,
    pub password_hash: Option<&'a str>,
    pub locale: Option<&'a str>,
    pub email_verified: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("an account with this address already exists")]
    Taken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Creates an account; `Taken` if the address is in use (any case).
pub async fn create(tx: &mut TenantTx, new: NewAccount<'_>) -> Result<i64, CreateError> {
    let inserted = sqlx::query_scalar!(
        "INSERT INTO accounts (email, display_name, role, status, password_hash, locale,
                               email_verified_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 THEN now() END)
         ON CONFLICT (lower(email)) DO NOTHING
         RETURNING id",
        new.email.as_str(),
        new.display_name,
        new.role.as_str(),
        new.status.as_str(),
        new.password_hash,
        new.locale,
        new.email_verified,
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    inserted.ok_or(CreateError::Taken)
}

pub async fn set_password(tx: &mut TenantTx, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1",
        id,
        hash
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

pub async fn mark_verified(tx: &mut TenantTx, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE accounts SET email_verified_at = coalesce(email_verified_at, now()),
                updated_at = now() WHERE id = $1",
        id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Replaces the address (already verified by the caller's link).
pub async fn set_email(tx: &mut TenantTx, id: i64, email: &Email) -> Result<(), CreateError> {
    let done = sqlx::query!(
        "UPDATE accounts SET email = $2, email_verified_at = now(), updated_at = now()
         WHERE id = $1 AND NOT EXISTS
               (SELECT 1 FROM accounts WHERE lower(email) = lower($2) AND id <> $1)",
        id,
        email.as_str()
    )
    .execute(tx.conn().await?)
    .await?;
    match done.rows_affected() {
        0 => Err(CreateError::Taken),
        _ => Ok(()),
    }
}

pub async fn set_role(tx: &mut TenantTx, id: i64, role: Role) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE accounts SET role = $2, updated_at = now() WHERE id = $1",
        id,
        role.as_str()
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_status(tx: &mut TenantTx, id: i64, status: Status) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE accounts SET status = $2, updated_at = now() WHERE id = $1",
        id,
        status.as_str()
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a person may change about themselves.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub display_name: String,
    pub phone: Option<String>,
    pub address: Address,
    pub birth_date: Option<chrono::NaiveDate>,
    pub locale: Option<String>,
}

pub async fn update_profile(
    tx: &mut TenantTx,
    id: i64,
    profile: &Profile,
) -> Result<(), sqlx::Error> {
    let phone = tx
        .keyring()
        .seal_optional(profile.phone.as_deref(), PHONE_COLUMN)?;
    sqlx::query!(
        "UPDATE accounts SET display_name = $2, phone = NULL, phone_sealed = $3, street = $4,
                postal_code = $5, town = $6, country = $7, locale = $8, birth_date = $9,
                updated_at = now()
         WHERE id = $1",
        id,
        profile.display_name,
        phone,
        profile.address.street,
        profile.address.postal_code,
        profile.address.town,
        profile.address.country,
        profile.locale,
        profile.birth_date,
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Admins left with this role and status: the last one cannot be demoted.
pub async fn count_active_admins(tx: &mut TenantTx) -> Result<i64, sqlx::Error> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM accounts WHERE role = 'admin' AND status = 'active'"#
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(count)
}

pub async fn signup_policy(tx: &mut TenantTx) -> Result<SignupPolicy, sqlx::Error> {
    let policy = sqlx::query_scalar!("SELECT signup_policy FROM account_settings")
        .fetch_optional(tx.conn().await?)
        .await?;
    Ok(policy
        .as_deref()
        .and_then(SignupPolicy::parse)
        .unwrap_or(SignupPolicy::Open))
}

/// The policy, read in a transaction of its own that ends at once: the
/// caller is about to hash a password, and must not hold a pooled
/// connection while the hash waits for its turn.
pub async fn signup_policy_apart(tx: &TenantTx) -> Result<SignupPolicy, sqlx::Error> {
    let mut read = tx.sibling();
    let policy = signup_policy(&mut read).await?;
    read.commit().await?;
    Ok(policy)
}

pub async fn set_signup_policy(tx: &mut TenantTx, policy: SignupPolicy) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE account_settings SET signup_policy = $1",
        policy.as_str()
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

impl From<&Account> for Profile {
    fn from(account: &Account) -> Self {
        Profile {
            display_name: account.display_name.clone(),
            phone: account.phone.clone(),
            address: account.address.clone(),
            birth_date: account.birth_date,
            locale: account.locale.clone(),
        }
    }
}
