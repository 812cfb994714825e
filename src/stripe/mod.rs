//! Stripe, as a service to the card payments feature: the REST
//! [`client`], the [`objects`] we read, webhook [`signature`]s, and the few
//! calls Tessera makes (below). Every call carries the association's own
//! key: the platform never holds anyone's money. Amounts are in minor
//! units, currencies lower-case, as Stripe writes them.

pub mod client;
pub mod objects;
pub mod signature;

pub use client::{Client, Credentials, StripeError};

use objects::{
    Balance, CheckoutSession, Customer, PaymentIntent, PaymentMethod, Refund, SetupIntent,
};

/// Ties a Stripe object to our payment and tenant (read back from events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub tenant: i64,
    pub payment: Option<i64>,
}

pub const TENANT_KEY: &str = "tessera_tenant";
pub const PAYMENT_KEY: &str = "tessera_payment";

impl Tag {
    fn pairs(&self, prefix: &str) -> Vec<(String, String)> {
        let mut pairs = vec![(format!("{prefix}[{TENANT_KEY}]"), self.tenant.to_string())];
        if let Some(payment) = self.payment {
            pairs.push((format!("{prefix}[{PAYMENT_KEY}]"), payment.to_string()));
        }
        pairs
    }

    /// The tag in an object's metadata, if it has one.
    pub fn read(metadata: &objects::Metadata) -> Option<Self> {
        let tenant = metadata.get(TENANT_KEY)?.parse().ok()?;
        let payment = metadata.get(PAYMENT_KEY).and_then(|p| p.parse().ok());
        Some(Self { tenant, payment })
    }
}

/// A hosted Checkout page for one payment.
pub struct PaymentCheckout<'a> {
    pub tag: Tag,
    pub customer: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub description: &'a str,
    /// Keep the card for later charges the member agreed to.
    pub save_card: bool,
    pub locale: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

fn pair(key: &str, value: impl ToString) -> (String, String) {
    (key.to_owned(), value.to_string())
}

pub async fn check_key(client: &Client, key: &Credentials) -> Result<Balance, StripeError> {
    client.get(key, "balance").await
}

pub async fn create_customer(
    client: &Client,
    key: &Credentials,
    email: &str,
    name: &str,
    tag: Tag,
) -> Result<Customer, StripeError> {
    let mut form = vec![pair("email", email), pair("name", name)];
    form.extend(tag.pairs("metadata"));
    let idempotency = format!("customer-{}-{email}", tag.tenant);
    client.post(key, "customers", &form, &idempotency).await
}

pub async fn payment_checkout(
    client: &Client,
    key: &Credentials,
    checkout: &PaymentCheckout<'_>,
) -> Result<CheckoutSession, StripeError> {
    let mut form = vec![
        pair("mode", "payment"),
        pair("customer", checkout.customer),
        pair("success_url", checkout.success_url),
        pair("cancel_url", checkout.cancel_url),
        pair("locale", checkout.locale),
        pair("line_items[0][quantity]", 1),
        pair("line_items[0][price_data][currency]", checkout.currency),
        pair(
            "line_items[0][price_data][unit_amount]",
            checkout.amount_minor,
        ),
        pair(
            "line_items[0][price_data][product_data][name]",
            checkout.description,
        ),
        pair("payment_intent_data[description]", checkout.description),
    ];
    if let Some(payment) = checkout.tag.payment {
        form.push(pair("client_reference_id", payment));
    }
    if checkout.save_card {
        form.push(pair(
            "payment_intent_data[setup_future_usage]",
            "off_session",
        ));
    }
    form.extend(checkout.tag.pairs("metadata"));
    form.extend(checkout.tag.pairs("payment_intent_data[metadata]"));
    let idempotency = format!(
        "checkout-{}-{}",
        checkout.tag.tenant,
        checkout.tag.payment.unwrap_or_default()
    );
    client
        .post(key, "checkout/sessions", &form, &idempotency)
        .await
}

/// A hosted page where a member gives a new card (nothing is charged).
pub async fn card_update_checkout(
    client: &Client,
    key: &Credentials,
    customer: &str,
    currency: &str,
    tag: Tag,
    (locale, success_url, cancel_url): (&str, &str, &str),
    attempt: &str,
) -> Result<CheckoutSession, StripeError> {
    let mut form = vec![
        pair("mode", "setup"),
        pair("customer", customer),
        pair("currency", currency),
        pair("locale", locale),
        pair("success_url", success_url),
        pair("cancel_url", cancel_url),
    ];
    form.extend(tag.pairs("metadata"));
    form.extend(tag.pairs("setup_intent_data[metadata]"));
    let idempotency = format!("card-update-{}-{customer}-{attempt}", tag.tenant);
    client
        .post(key, "checkout/sessions", &form, &idempotency)
        .await
}

pub async fn setup_intent(
    client: &Client,
    key: &Credentials,
    id: &str,
) -> Result<SetupIntent, StripeError> {
    client.get(key, &format!("setup_intents/{id}")).await
}

pub async fn payment_method(
    client: &Client,
    key: &Credentials,
    id: &str,
) -> Result<PaymentMethod, StripeError> {
    client.get(key, &format!("payment_methods/{id}")).await
}

pub async fn payment_intent(
    client: &Client,
    key: &Credentials,
    id: &str,
) -> Result<PaymentIntent, StripeError> {
    client.get(key, &format!("payment_intents/{id}")).await
}

/// A charge to a saved card, the member being away (a renewal they
/// agreed to). A decline is [`StripeError::Declined`].
pub async fn charge_saved_card(
    client: &Client,
    key: &Credentials,
    (customer, payment_method): (&str, &str),
    amount_minor: i64,
    currency: &str,
    tag: Tag,
) -> Result<PaymentIntent, StripeError> {
    let mut form = vec![
        pair("amount", amount_minor),
        pair("currency", currency),
        pair("customer", customer),
        pair("payment_method", payment_method),
        pair("confirm", true),
        pair("off_session", true),
    ];
    form.extend(tag.pairs("metadata"));
    let idempotency = format!("charge-{}-{}", tag.tenant, tag.payment.unwrap_or_default());
    client
        .post(key, "payment_intents", &form, &idempotency)
        .await
}

/// Gives back `amount_minor` of a payment; `sequence` tells two refunds
/// of one payment apart (what was refunded before).
pub async fn refund(
    client: &Client,
    key: &Credentials,
    payment_intent: &str,
    amount_minor: i64,
    tag: Tag,
    sequence: i64,
) -> Result<Refund, StripeError> {
    let mut form = vec![
        pair("payment_intent", payment_intent),
        pair("amount", amount_minor),
    ];
    form.extend(tag.pairs("metadata"));
    let idempotency = format!("refund-{}-{payment_intent}-{sequence}", tag.tenant);
    client.post(key, "refunds", &form, &idempotency).await
}
