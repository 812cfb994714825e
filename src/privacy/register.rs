//! The processing register (GDPR art. 30) an association's administrator
//! keeps: what personal data each module holds, why, on what legal basis
//! and for how long. The entries are the code's own account of itself;
//! the page words them in French or English (`privacy-register-<id>-…`).

use serde::Serialize;
use utoipa::ToSchema;

use crate::model::text_enum;

text_enum!(
    /// The legal basis of a processing (GDPR art. 6(1)).
    Basis {
        /// Needed for the membership the person asked for (b).
        Contract = "contract",
        /// Required by law, e.g. accounting and tax receipts (c).
        LegalObligation = "legal_obligation",
        /// The person agreed, and may withdraw (a).
        Consent = "consent",
        /// The association's legitimate interest, e.g. security (f).
        LegitimateInterest = "legitimate_interest",
    }
);

/// One processing of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Processing {
    /// Stable; names the page's texts.
    pub id: &'static str,
    /// Where the data lives (tables of the association's schema).
    pub tables: &'static [&'static str],
    pub basis: Basis,
    /// Sealed at rest (phones, IBANs, secrets).
    pub sealed: bool,
}

/// Every processing the portal performs, module by module.
pub const REGISTER: &[Processing] = &[
    Processing {
        id: "members",
        tables: &["accounts", "households", "household_members", "memberships"],
        basis: Basis::Contract,
        sealed: true,
    },
    Processing {
        id: "payments",
        tables: &["payments", "ledger_entries", "receipts"],
        basis: Basis::LegalObligation,
        sealed: false,
    },
    Processing {
        id: "direct-debit",
        tables: &["sdd_mandates", "sdd_batches", "sdd_collections"],
        basis: Basis::Contract,
        sealed: true,
    },
    Processing {
        id: "tax-receipts",
        tables: &["tax_receipts", "tax_receipt_lines"],
        basis: Basis::LegalObligation,
        sealed: false,
    },
    Processing {
        id: "cards",
        tables: &[
            "stripe_customers",
            "card_consents",
            "recurring_gifts",
            "card_charges",
        ],
        basis: Basis::Contract,
        sealed: false,
    },
    Processing {
        id: "consents",
        tables: &["consents", "directory_fields"],
        basis: Basis::Consent,
        sealed: false,
    },
    Processing {
        id: "security",
        tables: &["sessions", "audit_log", "recovery_codes"],
        basis: Basis::LegitimateInterest,
        sealed: true,
    },
    Processing {
        id: "notifications",
        tables: &[
            "notifications",
            "notification_preferences",
            "push_subscriptions",
        ],
        basis: Basis::Contract,
        sealed: false,
    },
    Processing {
        id: "projects",
        tables: &["project_comments", "project_volunteers"],
        basis: Basis::LegitimateInterest,
        sealed: false,
    },
    Processing {
        id: "affiliation",
        tables: &[
            "aff_affiliates",
            "aff_referrals",
            "aff_clicks",
            "aff_payouts",
        ],
        basis: Basis::LegitimateInterest,
        sealed: true,
    },
];
