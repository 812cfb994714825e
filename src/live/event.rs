//! What a live event says, and its `NOTIFY` payload: small JSON naming the
//! tenant it belongs to. PostgreSQL refuses payloads of 8000 bytes or
//! more, so every free text is cut short before it is sent.

use serde::{Deserialize, Serialize};

use crate::model::TenantId;

/// The channel every instance listens on.
pub const CHANNEL: &str = "tessera_live";

/// Characters of a name kept in a payload (a few hundred bytes at most).
pub const NAME_CHARS: usize = 80;

/// A change worth showing on an open dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    Payment(PaymentEvent),
    Signup(SignupEvent),
}

/// What happened to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentChange {
    /// Recorded, not received yet (a transfer announced).
    Recorded,
    /// Received (recorded as paid, or a pending one that arrived).
    Paid,
    /// Refunded, in whole or in part.
    Refunded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEvent {
    pub id: i64,
    /// Decimal, in major units (`"25.00"`): the refund's amount for a refund.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// `cash`, `cheque`, `transfer`, `card`, `online`…
    pub method: String,
    pub change: PaymentChange,
    /// The payer's display name, cut to [`NAME_CHARS`].
    pub payer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupEvent {
    pub account_id: i64,
    /// The display name, cut to [`NAME_CHARS`].
    pub name: String,
}

impl LiveEvent {
    pub fn signup(account_id: i64, name: &str) -> Self {
        Self::Signup(SignupEvent {
            account_id,
            name: cut(name),
        })
    }

    pub fn is_payment(&self) -> bool {
        matches!(self, Self::Payment(_))
    }

    /// The same event with every free text cut to size.
    fn bounded(mut self) -> Self {
        match &mut self {
            Self::Payment(p) => {
                p.payer = cut(&p.payer);
                p.method = cut(&p.method);
                p.amount = cut(&p.amount);
                p.currency = cut(&p.currency);
            }
            Self::Signup(s) => s.name = cut(&s.name),
        }
        self
    }
}

/// At most [`NAME_CHARS`] characters of `text`.
pub fn cut(text: &str) -> String {
    text.chars().take(NAME_CHARS).collect()
}

/// A payload: the tenant the event belongs to, and the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub tenant: TenantId,
    pub event: LiveEvent,
}

impl Envelope {
    pub fn new(tenant: TenantId, event: &LiveEvent) -> Self {
        Self {
            tenant,
            event: event.clone().bounded(),
        }
    }

    pub fn encode(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// `None` for a payload that is not ours (anyone may `NOTIFY`).
    pub fn decode(payload: &str) -> Option<Self> {
        serde_json::from_str(payload).ok()
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
