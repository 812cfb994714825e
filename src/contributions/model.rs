//! The words of contributions, as Rust values: a plan's period, anchor and
//! rules, a membership's status, a payment's method and status. Each is
//! stored as the lowercase text its `as_str` gives (the CHECK constraints
//! of `migrations/tenant/0008_contributions.sql` list the same words).

pub use crate::model::UnknownWord;
use crate::model::text_enum;

text_enum!(
    /// How long one membership period lasts.
    Period {
        Yearly = "yearly",
        HalfYearly = "half_yearly",
        Quarterly = "quarterly",
        Monthly = "monthly",
        OneOff = "one_off",
        Lifetime = "lifetime",
    }
);

impl Period {
    /// Months in one period; `None` for one-off and lifetime (no cycle).
    pub fn months(&self) -> Option<u32> {
        match self {
            Period::Yearly => Some(12),
            Period::HalfYearly => Some(6),
            Period::Quarterly => Some(3),
            Period::Monthly => Some(1),
            Period::OneOff | Period::Lifetime => None,
        }
    }
}

text_enum!(
    /// Where a cyclic plan's periods start.
    Anchor {
        /// On the association's season (e.g. every September).
        Season = "season",
        /// On the member's join date.
        Anniversary = "anniversary",
    }
);

text_enum!(
    /// What someone joining mid-period pays.
    ProRata {
        /// The whole period's price.
        None = "none",
        /// Only the months left, the current one included.
        Monthly = "monthly",
        /// Only the quarters left, the current one included.
        Quarterly = "quarterly",
    }
);

text_enum!(
    /// How a household is priced on a plan.
    HouseholdPricing {
        /// Each member pays their tier (capped by the plan's household cap).
        PerMember = "per_member",
        /// One price for the whole household.
        PerHousehold = "per_household",
    }
);

text_enum!(
    /// Where a membership stands.
    Status {
        /// Created, nothing paid yet and no payment on its way.
        Pending = "pending",
        /// Paid, and the member joined recently.
        New = "new",
        Current = "current",
        /// Past its end (or with a payment still being retried), still a
        /// member.
        Grace = "grace",
        Expired = "expired",
        Cancelled = "cancelled",
    }
);

impl Status {
    /// Whether the member enjoys a member's rights.
    pub fn is_active(&self) -> bool {
        matches!(self, Status::New | Status::Current | Status::Grace)
    }
}

text_enum!(
    /// How money was handed over.
    Method {
        Cash = "cash",
        Cheque = "cheque",
        Transfer = "transfer",
        /// A card payment taken outside Tessera, recorded by hand.
        Card = "card",
        Other = "other",
        /// Through a [`crate::contributions::provider::PaymentProvider`].
        Online = "online",
        /// A SEPA direct debit under a member's mandate, from a batch.
        DirectDebit = "direct_debit",
    }
);

text_enum!(
    PaymentStatus {
        /// Announced (a transfer on its way, a card being retried).
        Pending = "pending",
        Paid = "paid",
        Failed = "failed",
        /// Wholly refunded (a partial refund keeps `paid`).
        Refunded = "refunded",
    }
);

text_enum!(
    /// Lines of a member's ledger.
    LedgerKind {
        /// Owed: a membership's price.
        Charge = "charge",
        /// Paid.
        Payment = "payment",
        /// Money given back.
        Refund = "refund",
        /// Owed less: an upgrade credit, a gesture.
        Credit = "credit",
        /// Cancels an earlier line.
        Reversal = "reversal",
        /// Given: a donation earmarked for a project, matched by its
        /// payment line (a gift owes nothing and pays no dues).
        Donation = "donation",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for period in Period::ALL {
            assert_eq!(period.as_str().parse::<Period>(), Ok(*period));
        }
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(*status));
        }
        assert_eq!("weekly".parse::<Period>(), Err(UnknownWord));
        assert_eq!(Method::Cheque.to_string(), "cheque");
    }
}
