//! The reports staff can produce: their ids, their columns and which
//! parameters each one reads.

use crate::tabular::{Column, Kind};

crate::text_enum!(
    /// A report of the catalogue.
    ReportKind {
        /// The membership register: periods overlapping the dates.
        Members = "members",
        /// The payments journal: payments received on the dates.
        Payments = "payments",
        /// Memberships of the dates with something still owed.
        Arrears = "arrears",
        /// Latest periods ending on the dates, not yet renewed.
        Renewals = "renewals",
        /// Receipts issued on the dates, cancelled ones included.
        Receipts = "receipts",
        /// Referral commission lines created on the dates.
        Commissions = "commissions",
    }
);

/// Which parameters a report reads (the others are refused).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Reads {
    pub plan: bool,
    pub method: bool,
    pub status: bool,
}

impl ReportKind {
    pub fn reads(self) -> Reads {
        let (plan, method, status) = match self {
            ReportKind::Members => (true, false, true),
            ReportKind::Payments => (true, true, true),
            ReportKind::Arrears | ReportKind::Renewals => (true, false, false),
            ReportKind::Receipts => (false, false, false),
            ReportKind::Commissions => (false, false, true),
        };
        Reads {
            plan,
            method,
            status,
        }
    }

    /// Columns: key, kind. Labels come from the locale
    /// (`report-col-<key>`).
    fn shape(self) -> &'static [(&'static str, Kind)] {
        use Kind::*;
        match self {
            ReportKind::Members => &[
                ("membership_id", Integer),
                ("member_id", Integer),
                ("name", Text),
                ("email", Text),
                ("plan", Text),
                ("starts_on", Date),
                ("ends_on", Date),
                ("status", Text),
                ("amount", Money),
                ("paid", Money),
                ("due", Money),
            ],
            ReportKind::Payments => &[
                ("payment_id", Integer),
                ("received_on", Date),
                ("member_id", Integer),
                ("name", Text),
                ("email", Text),
                ("method", Text),
                ("status", Text),
                ("amount", Money),
                ("refunded", Money),
                ("net", Money),
                ("reference", Text),
            ],
            ReportKind::Arrears => &[
                ("membership_id", Integer),
                ("member_id", Integer),
                ("name", Text),
                ("email", Text),
                ("plan", Text),
                ("starts_on", Date),
                ("ends_on", Date),
                ("status", Text),
                ("amount", Money),
                ("paid", Money),
                ("due", Money),
                ("days_overdue", Integer),
            ],
            ReportKind::Renewals => &[
                ("membership_id", Integer),
                ("member_id", Integer),
                ("name", Text),
                ("email", Text),
                ("plan", Text),
                ("ends_on", Date),
                ("status", Text),
                ("amount", Money),
            ],
            ReportKind::Receipts => &[
                ("number", Text),
                ("issued_at", Timestamp),
                ("member_id", Integer),
                ("name", Text),
                ("email", Text),
                ("payment_id", Integer),
                ("received_on", Date),
                ("method", Text),
                ("amount", Money),
                ("cancelled_amount", Money),
                ("cancel_reason", Text),
                ("replaces", Text),
            ],
            ReportKind::Commissions => &[
                ("line_id", Integer),
                ("created_at", Timestamp),
                ("program", Text),
                ("affiliate", Text),
                ("affiliate_email", Text),
                ("referred", Text),
                ("payment_id", Integer),
                ("stage", Text),
                ("side", Text),
                ("reward", Text),
                ("amount", Money),
                ("days", Integer),
                ("status", Text),
            ],
        }
    }

    /// The columns, labelled by `label(key)`.
    pub fn columns(self, label: impl Fn(&str) -> String) -> Vec<Column> {
        self.shape()
            .iter()
            .map(|&(key, kind)| Column {
                key,
                label: label(&format!("report-col-{key}")),
                kind,
            })
            .collect()
    }
}
