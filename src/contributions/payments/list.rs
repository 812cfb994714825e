//! The payments list of the API and the treasurer's desk: newest first
//! (`created_at DESC, id DESC`, index `payments_newest_idx`), keyset
//! pagination with an opaque cursor, filters, each row with the payer's
//! name; and the totals of a filter.
//!
//! A page is ONE statement (the payer's name joined in, no count): with
//! the statement cached on the connection it is one round trip. The cursor
//! condition is a single row comparison, so the plan walks the index from
//! any page to the next. The unfiltered list, the common case, has two
//! statements of its own (`newest_first.sql`, `newest.sql`) that plan
//! faster than `list.sql` with its optional filters.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Months, NaiveDate, Utc};

use crate::contributions::{Method, PaymentStatus};
use crate::db::TenantTx;
use crate::model::{Amount, Currency};

/// Page size when none is asked.
pub const DEFAULT_LIMIT: i64 = 50;
/// The largest page.
pub const MAX_LIMIT: i64 = 200;

/// Which payments: every field narrows, `None` keeps all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentFilter {
    /// `received_on` on or after.
    pub received_from: Option<NaiveDate>,
    /// `received_on` on or before.
    pub received_to: Option<NaiveDate>,
    pub method: Option<Method>,
    pub status: Option<PaymentStatus>,
    /// Payments allocated to a membership of this plan.
    pub plan_id: Option<i64>,
    pub payer_id: Option<i64>,
}

impl PaymentFilter {
    /// Narrows the received dates to `range` (a season), keeping any
    /// tighter bound already set.
    pub fn within(mut self, (from, to): (NaiveDate, NaiveDate)) -> Self {
        self.received_from = Some(self.received_from.map_or(from, |f| f.max(from)));
        self.received_to = Some(self.received_to.map_or(to, |t| t.min(to)));
        self
    }
}

/// Where a page ends: the last row's `(created_at, id)`. Opaque to clients
/// (base64url of `<microseconds>.<id>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: i64,
}

/// A cursor we did not hand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this list handed out")]
pub struct BadCursor;

impl Cursor {
    pub fn encode(&self) -> String {
        let text = format!("{}.{}", self.created_at.timestamp_micros(), self.id);
        URL_SAFE_NO_PAD.encode(text)
    }

    pub fn decode(text: &str) -> Result<Self, BadCursor> {
        if text.len() > 64 {
            return Err(BadCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| BadCursor)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| BadCursor)?;
        let (micros, id) = text.split_once('.').ok_or(BadCursor)?;
        let micros: i64 = micros.parse().map_err(|_| BadCursor)?;
        let id: i64 = id.parse().map_err(|_| BadCursor)?;
        let created_at = DateTime::from_timestamp_micros(micros).ok_or(BadCursor)?;
        Ok(Self { created_at, id })
    }
}

/// One payment as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentItem {
    pub id: i64,
    pub payer_id: i64,
    pub payer_name: String,
    pub amount: Amount,
    pub refunded: Amount,
    pub method: Method,
    pub status: PaymentStatus,
    pub received_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub reference: Option<String>,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
}

/// A page of payments and the cursor of the next one (`None`: last page).
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<PaymentItem>,
    pub next: Option<Cursor>,
}

/// What payments matching a filter add up to, in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub currency: Currency,
    /// Payments of any status.
    pub count: i64,
    /// Received (paid, then possibly refunded).
    pub paid: Amount,
    pub refunded: Amount,
}

impl Totals {
    /// Received minus refunded.
    pub fn net(&self) -> Amount {
        self.paid.checked_sub(self.refunded).unwrap_or(self.paid)
    }
}

/// `limit` as asked, or the default; `None` when out of 1..=[`MAX_LIMIT`].
pub fn limit(asked: Option<i64>) -> Option<i64> {
    match asked {
        None => Some(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Some(n),
        Some(_) => None,
    }
}

/// A row of either list statement.
struct Row {
    id: i64,
    payer_id: i64,
    payer_name: String,
    amount_minor: i64,
    refunded_minor: i64,
    currency: String,
    method: String,
    status: String,
    received_on: NaiveDate,
    created_at: DateTime<Utc>,
    paid_at: Option<DateTime<Utc>>,
    reference: Option<String>,
    cheque_number: Option<String>,
    cheque_bank: Option<String>,
}

/// The page of at most `limit` payments after `after` (newest first).
pub async fn page(
    tx: &mut TenantTx,
    filter: &PaymentFilter,
    limit: i64,
    after: Option<Cursor>,
) -> Result<Page, sqlx::Error> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let unfiltered = *filter == PaymentFilter::default();
    let rows = if unfiltered && after.is_none() {
        // The first page of the unfiltered list (the API's default, W2) has
        // no condition at all: PostgreSQL re-plans statements whenever the
        // tenant (the search_path) changes, and a cursor bound (even a far
        // sentinel) costs each of those plans an index probe to estimate.
        sqlx::query_file_as!(
            Row,
            "src/contributions/payments/newest_first.sql",
            limit + 1
        )
        .fetch_all(tx.conn().await?)
        .await?
    } else if let (true, Some(cursor)) = (unfiltered, after) {
        // Later pages of it: this statement plans several times faster
        // than the one with every optional filter.
        sqlx::query_file_as!(
            Row,
            "src/contributions/payments/newest.sql",
            cursor.created_at,
            cursor.id,
            limit + 1
        )
        .fetch_all(tx.conn().await?)
        .await?
    } else {
        sqlx::query_file_as!(
            Row,
            "src/contributions/payments/list.sql",
            after.map(|c| c.created_at),
            after.map(|c| c.id),
            filter.received_from,
            filter.received_to,
            filter.method.map(|m| m.as_str()),
            filter.status.map(|s| s.as_str()),
            filter.payer_id,
            filter.plan_id,
            limit + 1,
        )
        .fetch_all(tx.conn().await?)
        .await?
    };
    let more = rows.len() as i64 > limit;
    let mut items = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.into_iter().take(limit as usize) {
        let currency = currency(&row.currency)?;
        items.push(PaymentItem {
            id: row.id,
            payer_id: row.payer_id,
            payer_name: row.payer_name,
            amount: amount(row.amount_minor, currency)?,
            refunded: amount(row.refunded_minor, currency)?,
            method: word(&row.method)?,
            status: word(&row.status)?,
            received_on: row.received_on,
            created_at: row.created_at,
            paid_at: row.paid_at,
            reference: row.reference,
            cheque_number: row.cheque_number,
            cheque_bank: row.cheque_bank,
        });
    }
    let next = match (more, items.last()) {
        (true, Some(last)) => Some(Cursor {
            created_at: last.created_at,
            id: last.id,
        }),
        _ => None,
    };
    Ok(Page { items, next })
}

/// Count and sums of the payments matching `filter`, per currency.
pub async fn totals(tx: &mut TenantTx, filter: &PaymentFilter) -> Result<Vec<Totals>, sqlx::Error> {
    let rows = sqlx::query_file!(
        "src/contributions/payments/totals.sql",
        filter.received_from,
        filter.received_to,
        filter.method.map(|m| m.as_str()),
        filter.status.map(|s| s.as_str()),
        filter.payer_id,
        filter.plan_id,
    )
    .fetch_all(tx.conn().await?)
    .await?;
    rows.into_iter()
        .map(|row| {
            let currency = currency(&row.currency)?;
            Ok(Totals {
                currency,
                count: row.count,
                paid: amount(row.paid, currency)?,
                refunded: amount(row.refunded, currency)?,
            })
        })
        .collect()
}

/// The dates of season `year` (the one starting in `year`), from the
/// association's season start month: `[start, next start - 1 day]`.
pub async fn season(tx: &mut TenantTx, year: i32) -> Result<(NaiveDate, NaiveDate), sqlx::Error> {
    let month = sqlx::query_scalar!("SELECT season_start_month FROM contribution_settings")
        .fetch_optional(tx.conn().await?)
        .await?
        .unwrap_or(9);
    season_dates(year, u32::try_from(month).unwrap_or(9))
        .ok_or_else(|| sqlx::Error::Protocol(format!("no season {year}")))
}

/// `[first day, last day]` of the season starting in `month` of `year`.
pub fn season_dates(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = start.checked_add_months(Months::new(12))?;
    Some((start, next.pred_opt()?))
}

/// A stored amount; a row that breaks the money rules is a decode error.
pub(crate) fn amount(minor: i64, currency: Currency) -> Result<Amount, sqlx::Error> {
    Amount::new(minor, currency).ok_or_else(|| decode("amount out of range"))
}

pub(crate) fn currency(code: &str) -> Result<Currency, sqlx::Error> {
    Currency::parse(code).map_err(|_| decode("unknown currency"))
}

pub(crate) fn word<T: std::str::FromStr>(text: &str) -> Result<T, sqlx::Error> {
    text.parse().map_err(|_| decode("unknown word"))
}

fn decode(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("payments: {what}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap_or_default();
        let cursor = Cursor {
            created_at: at,
            id: 42,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        for bad in ["", "!!", "MTIz", "YS5i", &"A".repeat(100), "MS4yLjM"] {
            assert_eq!(Cursor::decode(bad), Err(BadCursor), "{bad}");
        }
    }

    #[test]
    fn limits_and_seasons() {
        assert_eq!(limit(None), Some(50));
        assert_eq!(limit(Some(200)), Some(200));
        assert_eq!(limit(Some(0)), None);
        assert_eq!(limit(Some(201)), None);
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(season_dates(2025, 9), d(2025, 9, 1).zip(d(2026, 8, 31)));
        assert_eq!(season_dates(2024, 1), d(2024, 1, 1).zip(d(2024, 12, 31)));
        let filter = PaymentFilter {
            received_from: d(2025, 10, 1),
            ..PaymentFilter::default()
        };
        let within = filter.within((NaiveDate::MIN, NaiveDate::MAX));
        assert_eq!(within.received_from, d(2025, 10, 1));
        assert_eq!(within.received_to, Some(NaiveDate::MAX));
    }
}
