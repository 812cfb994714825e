//! What live streams say ([`crate::live::Render`]): each event as JSON with
//! a sentence in the tenant's language, and the tenant's totals (collected
//! this season net of refunds, payments received today, active members),
//! formatted for its locale. The live hub calls these once per event for
//! all of a tenant's streams on an instance.

use chrono::NaiveDate;
use fluent_bundle::FluentArgs;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::contributions::desk::stats;
use crate::contributions::payments::list::{self, PaymentFilter};
use crate::contributions::{memberships, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::live::{Frame, LiveEvent, PaymentEvent, Render};
use crate::model::{Amount, Currency, Tenant};
use crate::themes::Themes;

/// The live figures' renderer: sentences from the tenant's theme.
pub struct Figures {
    themes: Themes,
}

impl Figures {
    pub fn new(themes: Themes) -> Self {
        Self { themes }
    }

    fn text(&self, tenant: &Tenant, key: &str, args: &[(&'static str, String)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.as_str());
        }
        let env = self.themes.env(&tenant.theme);
        env.catalog.text(&tenant.locale, key, Some(&fluent))
    }

    fn payment(&self, tenant: &Tenant, payment: &PaymentEvent) -> Value {
        let shown = Currency::parse(&payment.currency)
            .ok()
            .and_then(|currency| Amount::parse(&payment.amount, currency).ok())
            .map_or_else(
                || format!("{} {}", payment.amount, payment.currency),
                |amount| amount.format(&tenant.locale),
            );
        let method = self.text(tenant, &format!("treasury-method-{}", payment.method), &[]);
        let change = serde_json::to_value(payment.change).unwrap_or(Value::Null);
        let key = format!("live-payment-{}", change.as_str().unwrap_or("paid"));
        let args = [
            ("payer", payment.payer.clone()),
            ("amount", shown),
            ("method", method),
        ];
        let mut value = serde_json::to_value(payment).unwrap_or(Value::Null);
        value["text"] = Value::String(self.text(tenant, &key, &args));
        value
    }
}

impl Render for Figures {
    fn event(&self, tenant: &Tenant, event: &LiveEvent) -> Frame {
        let (name, data) = match event {
            LiveEvent::Payment(payment) => ("payment", self.payment(tenant, payment)),
            LiveEvent::Signup(signup) => {
                let text = self.text(tenant, "live-signup", &[("name", signup.name.clone())]);
                let data =
                    json!({ "account_id": signup.account_id, "name": signup.name, "text": text });
                ("signup", data)
            }
        };
        Frame {
            name,
            data: data.to_string(),
        }
    }

    fn totals<'a>(&'a self, tx: &'a mut TenantTx) -> BoxFuture<'a, Result<Frame, AppError>> {
        Box::pin(async move {
            let today = memberships::today();
            let totals = Totals::read(tx, today).await?;
            let locale = tx.tenant().locale.clone();
            Ok(Frame {
                name: "totals",
                data: totals.json(&locale).to_string(),
            })
        })
    }
}

/// A tenant's figures at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Received this season up to today, net of refunds.
    pub collected: Amount,
    /// Payments received today, whatever their status.
    pub payments_today: i64,
    /// People whose membership is new, current or in grace today.
    pub active_members: i64,
}

impl Totals {
    pub async fn read(tx: &mut TenantTx, today: NaiveDate) -> Result<Self, AppError> {
        let settings = settings::get(tx).await?;
        let currency = settings.currency;
        let (start, _) = stats::season_of(today, settings.season_start_month)
            .ok_or_else(|| AppError::Internal("no season around today".into()))?;
        let minor = stats::collected(tx, currency, start, today).await?;
        let filter = PaymentFilter {
            received_from: Some(today),
            received_to: Some(today),
            ..PaymentFilter::default()
        };
        let payments_today = list::totals(tx, &filter)
            .await?
            .iter()
            .map(|t| t.count)
            .sum();
        Ok(Self {
            collected: Amount::new(minor, currency).unwrap_or_else(|| Amount::zero(currency)),
            payments_today,
            active_members: active_members(tx, today).await?,
        })
    }

    /// `figures` for people (formatted for `locale`), `values` for programs.
    pub fn json(&self, locale: &str) -> Value {
        json!({
            "figures": {
                "collected": self.collected.format(locale),
                "payments_today": self.payments_today.to_string(),
                "active_members": self.active_members.to_string(),
            },
            "values": {
                "collected": self.collected.decimal(),
                "currency": self.collected.currency().code(),
                "payments_today": self.payments_today,
                "active_members": self.active_members,
            }
        })
    }
}

/// People with a membership that is new, current or in grace today.
async fn active_members(tx: &mut TenantTx, today: NaiveDate) -> Result<i64, sqlx::Error> {
    crate::contributions::figures::active_members(tx, today).await
}
