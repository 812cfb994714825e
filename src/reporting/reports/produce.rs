//! Each report's rows, produced by a task that owns a transaction of its
//! own and feeds them to the writer as they come from the database (the
//! membership reports a page of 1,000 at a time), so memory stays flat
//! whatever the number of rows.

use chrono::NaiveDate;
use futures::TryStreamExt;

use super::catalogue::ReportKind;
use super::params::{Params, StatusFilter};
use crate::affiliation::statement::{self, Commission};
use crate::contributions::memberships::{self, MembershipFilter, MembershipView};
use crate::contributions::payments::export::{self, ExportRow};
use crate::contributions::payments::list::PaymentFilter;
use crate::contributions::receipts::issued::{self, Issued};
use crate::contributions::status;
use crate::db::TenantTx;
use crate::tabular::{self, Cell, Feed, FeedError, Row, RowSender};

/// Memberships read per query.
const PAGE: i64 = 1000;

enum Stop {
    /// The reader went away.
    Gone,
    Failed(FeedError),
}

impl From<sqlx::Error> for Stop {
    fn from(error: sqlx::Error) -> Self {
        Stop::Failed(error.into())
    }
}

impl From<tabular::Gone> for Stop {
    fn from(_: tabular::Gone) -> Self {
        Stop::Gone
    }
}

/// Starts producing `kind`'s rows; `tx` is the producer's own (e.g.
/// [`TenantTx::sibling`]) and ends with it.
pub fn spawn(kind: ReportKind, params: Params, mut tx: TenantTx, today: NaiveDate) -> Feed {
    let (sender, feed) = tabular::feed();
    tokio::spawn(async move {
        if let Err(Stop::Failed(error)) = produce(kind, &params, &mut tx, today, &sender).await {
            tracing::warn!(%error, report = kind.as_str(), "a report stopped");
            sender.fail(error).await;
        }
    });
    feed
}

async fn produce(
    kind: ReportKind,
    params: &Params,
    tx: &mut TenantTx,
    today: NaiveDate,
    out: &RowSender,
) -> Result<(), Stop> {
    match kind {
        ReportKind::Members | ReportKind::Arrears | ReportKind::Renewals => {
            memberships(kind, params, tx, today, out).await
        }
        ReportKind::Payments => {
            let filter = PaymentFilter {
                received_from: Some(params.from),
                received_to: Some(params.to),
                method: params.method,
                status: match params.status {
                    Some(StatusFilter::Payment(status)) => Some(status),
                    _ => None,
                },
                plan_id: params.plan_id,
                payer_id: None,
            };
            let mut rows = std::pin::pin!(export::rows(tx.conn().await?, &filter));
            while let Some(row) = rows.try_next().await? {
                out.send(payment_row(row)).await?;
            }
            Ok(())
        }
        ReportKind::Receipts => {
            let mut rows = std::pin::pin!(issued::issued(tx.conn().await?, params.from, params.to));
            while let Some(row) = rows.try_next().await? {
                out.send(receipt_row(row)).await?;
            }
            Ok(())
        }
        ReportKind::Commissions => {
            let status = params.status.map(|s| s.as_str());
            let conn = tx.conn().await?;
            let mut rows =
                std::pin::pin!(statement::commissions(conn, params.from, params.to, status));
            while let Some(row) = rows.try_next().await? {
                out.send(commission_row(row)).await?;
            }
            Ok(())
        }
    }
}

/// The three membership reports, a page at a time (newest first).
async fn memberships(
    kind: ReportKind,
    params: &Params,
    tx: &mut TenantTx,
    today: NaiveDate,
    out: &RowSender,
) -> Result<(), Stop> {
    let rules = status::rules(tx).await?;
    let wanted = match params.status {
        Some(StatusFilter::Membership(status)) => Some(status),
        _ => None,
    };
    let mut filter = MembershipFilter {
        plan_id: params.plan_id,
        include_cancelled: wanted == Some(crate::contributions::model::Status::Cancelled),
        limit: PAGE,
        ..Default::default()
    };
    if kind == ReportKind::Renewals {
        filter.ends_from = Some(params.from);
        filter.ends_until = Some(params.to);
        filter.latest_only = true;
    } else {
        filter.active_from = Some(params.from);
        filter.active_until = Some(params.to);
    }
    loop {
        let page = memberships::list(tx, &filter, &rules, today).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        filter.before_id = Some(last.id);
        let full = page.len() as i64 == PAGE;
        for membership in page {
            let keep = match kind {
                ReportKind::Members => wanted.is_none_or(|w| membership.status == w),
                ReportKind::Arrears => membership.due.is_positive(),
                _ => true,
            };
            if keep {
                out.send(membership_row(kind, membership, today)).await?;
            }
        }
        if !full {
            return Ok(());
        }
    }
}

fn membership_row(kind: ReportKind, m: MembershipView, today: NaiveDate) -> Row {
    let ends_on = m.ends_on.map_or(Cell::Empty, Cell::Date);
    match kind {
        ReportKind::Renewals => vec![
            Cell::Integer(m.id),
            Cell::Integer(m.account_id),
            Cell::Text(m.member_name),
            Cell::Text(m.member_email),
            Cell::Text(m.plan_name),
            ends_on,
            Cell::text(m.status.as_str()),
            Cell::Money(m.amount),
        ],
        _ => {
            let mut row = vec![
                Cell::Integer(m.id),
                Cell::Integer(m.account_id),
                Cell::Text(m.member_name),
                Cell::Text(m.member_email),
                Cell::Text(m.plan_name),
                Cell::Date(m.starts_on),
                ends_on,
                Cell::text(m.status.as_str()),
                Cell::Money(m.amount),
                Cell::Money(m.paid),
                Cell::Money(m.due),
            ];
            if kind == ReportKind::Arrears {
                row.push(Cell::Integer(
                    today.signed_duration_since(m.starts_on).num_days().max(0),
                ));
            }
            row
        }
    }
}

fn payment_row(p: ExportRow) -> Row {
    let net = p
        .amount
        .checked_sub(p.refunded)
        .map_or(Cell::Empty, Cell::Money);
    vec![
        Cell::Integer(p.id),
        Cell::Date(p.received_on),
        Cell::Integer(p.payer_id),
        Cell::Text(p.payer_name),
        Cell::Text(p.payer_email),
        Cell::Text(p.method),
        Cell::Text(p.status),
        Cell::Money(p.amount),
        Cell::Money(p.refunded),
        net,
        Cell::optional(p.reference),
    ]
}

fn receipt_row(r: Issued) -> Row {
    let (live, cancelled) = match r.cancelled_at {
        None => (Cell::Money(r.amount), Cell::Empty),
        Some(_) => (Cell::Empty, Cell::Money(r.amount)),
    };
    vec![
        Cell::Text(r.number),
        Cell::Timestamp(r.issued_at),
        Cell::Integer(r.account_id),
        Cell::Text(r.name),
        Cell::Text(r.email),
        Cell::Integer(r.payment_id),
        Cell::Date(r.received_on),
        Cell::Text(r.method),
        live,
        cancelled,
        Cell::optional(r.cancel_reason),
        Cell::optional(r.replaces),
    ]
}

fn commission_row(c: Commission) -> Row {
    vec![
        Cell::Integer(c.id),
        Cell::Timestamp(c.created_at),
        Cell::Text(c.program),
        Cell::Text(c.affiliate),
        Cell::Text(c.affiliate_email),
        Cell::optional(c.referred),
        c.payment_id.map_or(Cell::Empty, Cell::Integer),
        Cell::Text(c.stage),
        Cell::Text(c.side),
        Cell::Text(c.reward),
        c.amount.map_or(Cell::Empty, Cell::Money),
        Cell::Integer(i64::from(c.days)),
        Cell::Text(c.status),
    ]
}

/// Runs `kind` on `tx` itself (a job's transaction) and counts its totals
/// without keeping a row.
pub async fn summarise(
    kind: ReportKind,
    params: &Params,
    tx: &mut TenantTx,
    today: NaiveDate,
    totals: &mut tabular::Totals,
) -> Result<(), FeedError> {
    let (sender, mut feed) = tabular::feed();
    let producing = async move {
        let produced = produce(kind, params, tx, today, &sender).await;
        drop(sender);
        produced
    };
    let counting = async {
        while let Some(row) = feed.next().await {
            totals.add(&row?);
        }
        Ok::<(), FeedError>(())
    };
    let (produced, counted) = tokio::join!(producing, counting);
    counted?;
    match produced {
        Ok(()) | Err(Stop::Gone) => Ok(()),
        Err(Stop::Failed(error)) => Err(error),
    }
}
