//! Planning debits: for each active mandate, what its member owes on or
//! before the planning horizon becomes one debit per collection date, no
//! sooner than the notice period (and the bank's lead time) allows. The
//! dues are then on their way (a pending `direct_debit` payment allocated
//! to them, so they are never planned twice), and the member is mailed the
//! amount, date, mandate and creditor in the same transaction.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde_json::json;

use super::CollectionStatus;
use crate::contributions::memberships::{self, OpenDue};
use crate::contributions::payments::{self, Allocation, NewPayment};
use crate::contributions::{Method, PaymentStatus};
use crate::db::TenantTx;
use crate::direct_debit::mandates::{self, Kind, Mandate, MandateStatus};
use crate::direct_debit::settings::{self, Creditor};
use crate::error::Refusal;
use crate::mail::{self, Mail};
use crate::model::{Amount, Currency, Email};
use crate::sepa::target;

/// The pre-notification mail.
pub const NOTICE_MAIL: &str = "debit-notice";
/// Dues falling this many days past the earliest possible date are
/// planned now; later ones wait for a later run (the job runs daily).
const WINDOW_DAYS: u64 = 7;
/// The provider name of direct debit payments (their id is the debit's
/// end-to-end id).
pub const PROVIDER: &str = "sepa";

/// What a planning run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Planned {
    pub debits: usize,
    pub total_minor: i64,
}

/// The earliest collection date of a debit planned on `today`: the member
/// is told `notice_days` before, and the treasurer has a business day to
/// send the file before the bank's lead time.
pub fn earliest_date(today: NaiveDate, creditor: &Creditor) -> NaiveDate {
    let notice = today
        .checked_add_days(Days::new(u64::from(creditor.notice_days.unsigned_abs())))
        .unwrap_or(today);
    let lead = target::add_business_days(today, u32::from(creditor.lead_days.unsigned_abs()) + 1);
    target::on_or_after(notice.max(lead))
}

/// Plans every debit due by the horizon of `today`.
pub async fn plan(tx: &mut TenantTx, today: NaiveDate) -> Result<Planned, Refusal> {
    let Some(creditor) = settings::load_locked(tx).await? else {
        return Ok(Planned::default());
    };
    if crate::contributions::settings::get(tx).await?.currency != Currency::EUR {
        return Err(Refusal::conflict(
            "not-euro",
            "direct debits collect euros; this association is paid in another currency",
        ));
    }
    let earliest = earliest_date(today, &creditor);
    let horizon = earliest
        .checked_add_days(Days::new(WINDOW_DAYS))
        .unwrap_or(earliest);
    let mut planned = Planned::default();
    let active = mandates::list(tx, None, Some(MandateStatus::Active), i64::MAX).await?;
    let mut seen = std::collections::HashSet::new();
    // Newest first: a member with two active mandates is debited under the
    // latest they signed.
    for mandate in active {
        if !seen.insert(mandate.account_id)
            || (mandate.kind == Kind::OneOff && used(tx, mandate.id).await?)
        {
            continue;
        }
        let dues = memberships::open_dues(tx, mandate.account_id, horizon).await?;
        for (date, dues) in by_collection_date(dues, earliest) {
            let allocations: Vec<Allocation> = dues
                .iter()
                .map(|due| Allocation {
                    membership_id: due.membership_id,
                    amount_minor: due.amount.minor(),
                })
                .collect();
            let plans: Vec<&str> = dues.iter().map(|due| due.plan_name.as_str()).collect();
            let debit = Debit {
                mandate: &mandate,
                creditor: &creditor,
                on: date,
                attempt: 1,
            };
            let amount = create(tx, &debit, allocations, &plans.join(", ")).await?;
            planned.debits += 1;
            planned.total_minor += amount;
            if mandate.kind == Kind::OneOff {
                break;
            }
        }
    }
    Ok(planned)
}

/// Whether a one-off mandate already carries a debit.
async fn used(tx: &mut TenantTx, mandate_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM sdd_collections WHERE mandate_id = $1
                          AND status IN ('planned', 'submitted', 'settled')) AS "used!""#,
        mandate_id
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Dues grouped by the date they are collected on: their own date, or the
/// earliest possible one, moved to a business day.
fn by_collection_date(
    dues: Vec<OpenDue>,
    earliest: NaiveDate,
) -> BTreeMap<NaiveDate, Vec<OpenDue>> {
    let mut grouped: BTreeMap<NaiveDate, Vec<OpenDue>> = BTreeMap::new();
    for due in dues {
        let date = target::on_or_after(due.due_on.max(earliest));
        grouped.entry(date).or_default().push(due);
    }
    grouped
}

/// One debit to create.
pub(super) struct Debit<'a> {
    pub mandate: &'a Mandate,
    pub creditor: &'a Creditor,
    pub on: NaiveDate,
    pub attempt: i16,
}

/// Writes the debit, its pending payment and the member's notice; returns
/// its amount in cents.
pub(super) async fn create(
    tx: &mut TenantTx,
    debit: &Debit<'_>,
    allocations: Vec<Allocation>,
    what: &str,
) -> Result<i64, Refusal> {
    let total: i64 = allocations.iter().map(|a| a.amount_minor).sum();
    let amount = Amount::new(total, Currency::EUR)
        .ok_or_else(|| Refusal::invalid("amount", "too-large", "amount too large"))?;
    let id: i64 = sqlx::query_scalar!(
        r#"SELECT nextval(pg_get_serial_sequence('sdd_collections', 'id')) AS "id!""#
    )
    .fetch_one(tx.conn().await?)
    .await?;
    let end_to_end_id = format!("TSR-DD-{id:010}");
    let mandate = debit.mandate;
    let new_payment = NewPayment {
        payer_id: mandate.account_id,
        amount,
        method: Method::DirectDebit,
        status: PaymentStatus::Pending,
        cheque_number: None,
        cheque_bank: None,
        reference: Some(mandate.reference.clone()),
        received_on: debit.on,
        note: Some(format!("SEPA {end_to_end_id}")),
        allocations,
        provider: Some((PROVIDER.to_owned(), end_to_end_id.clone())),
    };
    let payment = payments::record(tx, &new_payment, None).await?;
    if debit.attempt > 1 {
        payments::set_attempt(tx, payment.id, u8::try_from(debit.attempt).unwrap_or(10)).await?;
    }
    let sequence = match mandate.kind {
        Kind::OneOff => "OOFF",
        // FRST is optional since the 2016 rulebook: RCUR opens a mandate.
        Kind::Recurrent => "RCUR",
    };
    sqlx::query!(
        "INSERT INTO sdd_collections (id, mandate_id, payment_id, end_to_end_id, amount_minor, due_on,
                                      sequence, attempt, status, notified_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())",
        id,
        mandate.id,
        payment.id,
        end_to_end_id,
        total,
        debit.on,
        sequence,
        debit.attempt,
        CollectionStatus::Planned.as_str()
    )
    .execute(tx.conn().await?)
    .await?;
    notify(tx, debit, amount, what).await?;
    Ok(total)
}

/// The pre-notification: amount, date, mandate and creditor.
async fn notify(
    tx: &mut TenantTx,
    debit: &Debit<'_>,
    amount: Amount,
    what: &str,
) -> Result<(), Refusal> {
    let mandate = debit.mandate;
    let Some(account) = crate::accounts::store::find(tx, mandate.account_id).await? else {
        return Ok(());
    };
    // An account without a usable address cannot be told: its debit is
    // still planned; the member page shows it.
    let Ok(to) = Email::parse(&account.email) else {
        return Ok(());
    };
    let locale = mandate.locale.clone();
    let mail = Mail {
        to,
        to_name: Some(account.display_name.clone()),
        template: NOTICE_MAIL,
        locale: locale.clone(),
        data: json!({
            "name": account.display_name,
            "amount": amount.format(&locale),
            "date": crate::contributions::pages::day(debit.on, &locale),
            "what": what,
            "creditor": debit.creditor.name,
            "creditor_id": debit.creditor.creditor_id,
            "reference": mandate.reference,
            "iban": mandate.masked_iban(),
            "retry": debit.attempt > 1,
        }),
    };
    mail::queue(tx, &mail).await?;
    Ok(())
}
