//! The words of affiliation, as Rust values. Each is stored as the text its
//! `as_str` gives (the CHECK constraints of
//! `migrations/tenant/0014_affiliation.sql` list the same words).

use crate::model::text_enum;

text_enum!(
    /// Which click a sign-up is credited to when a visitor clicked several.
    Attribution {
        FirstClick = "first_click",
        LastClick = "last_click",
    }
);

text_enum!(
    /// When a reward is earned: the referred party signs up (lead) or pays (sale).
    Stage {
        Lead = "lead",
        Sale = "sale",
    }
);

text_enum!(
    /// Who a reward goes to: the affiliate, or the person they brought.
    Side {
        Referrer = "referrer",
        Referred = "referred",
    }
);

text_enum!(
    /// What a rule gives.
    RewardKind {
        /// A share of the payment, in basis points.
        Percent = "percent",
        /// A fixed sum of money.
        Flat = "flat",
        /// A credit on the member's account with the association.
        Credit = "credit",
        /// Days added to the member's membership.
        FreeDays = "free_days",
        /// A gift made in the affiliate's name to the programme's payee.
        Donation = "donation",
    }
);

text_enum!(
    /// What a ledger line is worth.
    LineReward {
        Cash = "cash",
        Credit = "credit",
        FreeDays = "free_days",
        Donation = "donation",
    }
);

text_enum!(
    /// Why a ledger line exists.
    LineStage {
        Lead = "lead",
        Sale = "sale",
        Reversal = "reversal",
        Adjustment = "adjustment",
    }
);

text_enum!(
    /// Where a ledger line is in its life.
    LineStatus {
        /// Its referral is in fraud review.
        Held = "held",
        /// Waiting for the holding period (the refund window) to pass.
        Pending = "pending",
        /// Owed: cash waits for a payout, other rewards for fulfilment.
        Due = "due",
        /// Paid out or fulfilled.
        Paid = "paid",
        /// Cancelled (rejected in review, or taken back before it was given).
        Void = "void",
    }
);

text_enum!(
    AffiliateStatus {
        Active = "active",
        Banned = "banned",
    }
);

text_enum!(
    /// How a referral was attributed.
    Via {
        Link = "link",
        Coupon = "coupon",
        Manual = "manual",
    }
);

text_enum!(
    ReferralStatus {
        Active = "active",
        Review = "review",
        Rejected = "rejected",
    }
);

text_enum!(
    LinkKind {
        Link = "link",
        Coupon = "coupon",
    }
);

text_enum!(
    /// A self-referral check.
    CheckKind {
        /// The referred address is the affiliate's, once normalised.
        SameEmail = "same_email",
        /// Signed up from an address the affiliate used within the window.
        SameIp = "same_ip",
        /// Signed up from the affiliate's browser within the window.
        SameDevice = "same_device",
        /// Paid with a reference (account, cheque) the affiliate paid with.
        SamePaymentReference = "same_payment_reference",
        /// The referred address is at a flagged domain.
        EmailDomain = "email_domain",
    }
);

text_enum!(
    ReviewStatus {
        Open = "open",
        Approved = "approved",
        Rejected = "rejected",
        /// Nobody decided before the deadline: the hold released itself.
        Released = "released",
    }
);

text_enum!(
    PayoutStatus {
        Requested = "requested",
        Batched = "batched",
        Paid = "paid",
        Cancelled = "cancelled",
    }
);
