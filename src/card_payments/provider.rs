//! [`StripeProvider`]: Stripe as the contributions module's
//! [`PaymentProvider`], for one association (its credentials, its webhook
//! signing secret, its tag on every object).

use axum::http::HeaderMap;
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};

use super::CardPayments;
use crate::contributions::provider::{
    Checkout, CheckoutRequest, Notification, PaymentProvider, ProviderError,
};
use crate::model::Amount;
use crate::stripe::objects::Event;
use crate::stripe::{self, Credentials, PaymentCheckout, StripeError, Tag, signature};

pub struct StripeProvider {
    pub service: CardPayments,
    pub credentials: Option<Credentials>,
    pub webhook_secret: Option<SecretString>,
    pub tenant: i64,
}

impl From<StripeError> for ProviderError {
    fn from(error: StripeError) -> Self {
        match error {
            StripeError::Declined { code, .. } => ProviderError::Declined(code),
            StripeError::BadKey(why) | StripeError::Refused(why) => ProviderError::Refused(why),
            StripeError::Unavailable(why) => ProviderError::Unavailable(why),
        }
    }
}

impl StripeProvider {
    fn credentials(&self) -> Result<&Credentials, ProviderError> {
        self.credentials
            .as_ref()
            .ok_or_else(|| ProviderError::Refused("card payments are not set up".into()))
    }
}

impl PaymentProvider for StripeProvider {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn start_checkout(
        &self,
        request: CheckoutRequest,
    ) -> BoxFuture<'_, Result<Checkout, ProviderError>> {
        Box::pin(async move {
            let credentials = self.credentials()?;
            let currency = request.amount.currency().code().to_ascii_lowercase();
            let checkout = PaymentCheckout {
                tag: Tag {
                    tenant: self.tenant,
                    payment: Some(request.payment_id),
                },
                customer: &request.customer,
                amount_minor: request.amount.minor(),
                currency: &currency,
                description: &request.description,
                save_card: request.save_card,
                locale: &request.locale,
                success_url: &request.return_url,
                cancel_url: &request.cancel_url,
            };
            let session =
                stripe::payment_checkout(self.service.client(), credentials, &checkout).await?;
            let redirect_url = session
                .url
                .ok_or_else(|| ProviderError::Refused("Stripe gave no page to go to".into()))?;
            Ok(Checkout {
                provider_ref: session.id,
                redirect_url,
            })
        })
    }

    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, ProviderError> {
        let secret = self
            .webhook_secret
            .as_ref()
            .ok_or_else(|| ProviderError::Rejected("card payments are not set up here".into()))?;
        let header = headers
            .get("stripe-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let now = chrono::Utc::now().timestamp();
        let tolerance = self.service.tolerance_secs();
        signature::verify(header, body, secret.expose_secret(), now, tolerance)
            .map_err(|e| ProviderError::Rejected(e.to_string()))?;
        let event: Event = serde_json::from_slice(body)
            .map_err(|e| ProviderError::Rejected(format!("not a Stripe event: {e}")))?;
        Ok(Notification {
            id: event.id,
            kind: event.kind,
        })
    }

    fn refund(
        &self,
        provider_ref: &str,
        amount: Amount,
        sequence: i64,
    ) -> BoxFuture<'_, Result<String, ProviderError>> {
        let intent = provider_ref.to_owned();
        Box::pin(async move {
            let credentials = self.credentials()?;
            let tag = Tag {
                tenant: self.tenant,
                payment: None,
            };
            let client = self.service.client();
            let refund =
                stripe::refund(client, credentials, &intent, amount.minor(), tag, sequence).await?;
            Ok(refund.id)
        })
    }
}
