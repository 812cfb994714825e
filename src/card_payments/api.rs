//! The card payments API. `/api/v1/webhooks/stripe` takes Stripe's events
//! on the association's own host (signed with its own secret). Treasurers
//! (or keys with `contributions:*`): the keys (`/card-payments/keys`,
//! admins only to change), the events received, refunds, a renewal run.
//! Members: pay their dues by card, give, see and manage their card.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::checkout::{self, Payer, Started};
use super::events::{self, EventView, Received};
use super::gifts::{self, GiftRequest, RecurringGift};
use super::keys::{self, KeyStatus, NewKeys};
use super::renewals::{self, Planned};
use super::store::{self, Consent, SavedCard};
use super::{CardPayments, refunds};
use crate::api::json::ApiJson;
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite, Person};
use crate::auth::{Admin, Treasurer};
use crate::contributions::api::money::{MoneyInput, MoneyView};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAnswer {
    /// False when this event id was received before (nothing done again).
    pub new: bool,
}

#[utoipa::path(operation_id = "stripe_webhook", post, path = "/api/v1/webhooks/stripe", tag = "card-payments",
    request_body(content = String, content_type = "application/json", description = "A Stripe event, signed in `Stripe-Signature`"),
    responses((status = 200, body = WebhookAnswer), (status = 400, description = "Wrong or stale signature, not an event, or card payments not set up")))]
pub async fn webhook(
    State(service): State<CardPayments>,
    mut tx: TenantTx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAnswer>, AppError> {
    let received = events::receive(&mut tx, &service, &headers, &body).await?;
    Ok(Json(WebhookAnswer {
        new: received == Received::New,
    }))
}

#[utoipa::path(operation_id = "stripe_connect_webhook", post, path = "/api/v1/webhooks/stripe", tag = "card-payments",
    description = "On the platform host: Stripe Connect events of the associations' connected accounts, signed with the platform's Connect secret and routed by `account`.",
    request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = WebhookAnswer, description = "Kept for its association (or dropped: no association has this account)"),
              (status = 400, description = "Wrong or stale signature, or not an event"),
              (status = 404, description = "Stripe Connect is not set up on this platform")))]
pub async fn platform_webhook(
    State(service): State<CardPayments>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookAnswer>, AppError> {
    let received = super::connect::receive(&service, &headers, &body).await?;
    Ok(Json(WebhookAnswer {
        new: received == Some(Received::New),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeysBody {
    /// `sk_live_…`, `sk_test_…` or a restricted `rk_…` key.
    #[schema(value_type = String)]
    pub secret_key: SecretString,
    /// The signing secret of the endpoint `https://<your host>/api/v1/webhooks/stripe`.
    #[schema(value_type = String)]
    pub webhook_secret: SecretString,
}

#[utoipa::path(operation_id = "card_payments_keys", get, path = "/api/v1/card-payments/keys", tag = "card-payments",
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = KeyStatus), (status = 404, description = "Card payments are not set up"), (status = 401), (status = 403)))]
pub async fn key_status(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
) -> Result<Json<KeyStatus>, AppError> {
    keys::status(&mut tx)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "card_payments_keys_save", put, path = "/api/v1/card-payments/keys", tag = "card-payments",
    request_body = KeysBody, security(("bearer" = [])),
    responses((status = 200, body = KeyStatus, description = "Tried against Stripe and saved, sealed"),
              (status = 422, description = "Not a Stripe key, or refused by Stripe"), (status = 401), (status = 403)))]
pub async fn save_keys(
    guard: Allowed<Admin, ContributionsWrite>,
    State(service): State<CardPayments>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<KeysBody>,
) -> Result<Json<KeyStatus>, AppError> {
    let new = NewKeys {
        secret_key: body.secret_key,
        webhook_secret: body.webhook_secret,
    };
    let by = guard.principal().account_id;
    Ok(Json(keys::save(&mut tx, &service, new, by).await?))
}

#[utoipa::path(operation_id = "card_payments_keys_remove", delete, path = "/api/v1/card-payments/keys", tag = "card-payments",
    security(("bearer" = [])), responses((status = 204), (status = 404), (status = 401), (status = 403)))]
pub async fn remove_keys(
    guard: Allowed<Admin, ContributionsWrite>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    match keys::remove(&mut tx, guard.principal().account_id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(AppError::NotFound),
    }
}

#[utoipa::path(operation_id = "card_payments_events", get, path = "/api/v1/card-payments/events", tag = "card-payments",
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = [EventView]), (status = 401), (status = 403)))]
pub async fn recent_events(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
) -> Result<Json<Vec<EventView>>, AppError> {
    Ok(Json(events::recent(&mut tx, 100).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    pub amount: MoneyInput,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Refunded {
    pub payment_id: i64,
    pub refunded: MoneyView,
    /// `paid` (part refunded) or `refunded`.
    pub status: String,
}

#[utoipa::path(operation_id = "card_payments_refund", post, path = "/api/v1/card-payments/payments/{id}/refund", tag = "card-payments",
    params(("id" = i64, Path)), request_body = RefundBody,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Refunded, description = "Given back on Stripe, the ledger reversed"),
              (status = 404), (status = 409), (status = 422), (status = 502, description = "Stripe did not answer: nothing changed")))]
pub async fn refund(
    guard: Allowed<Treasurer, ContributionsWrite>,
    State(service): State<CardPayments>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RefundBody>,
) -> Result<Json<Refunded>, AppError> {
    let amount = body.amount.amount("amount")?;
    let by = guard.principal().account_id;
    let payment = refunds::refund(&mut tx, &service, id, amount, &body.reason, by).await?;
    Ok(Json(Refunded {
        payment_id: payment.id,
        refunded: payment.refunded.into(),
        status: payment.status.as_str().to_owned(),
    }))
}

#[utoipa::path(operation_id = "card_payments_renewals_plan", post, path = "/api/v1/card-payments/renewals", tag = "card-payments",
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Planned, description = "Renewals and gifts due now written; their charges run in the job queue"),
              (status = 401), (status = 403)))]
pub async fn plan_renewals(
    _: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
) -> Result<Json<Planned>, AppError> {
    let planned = renewals::plan(&mut tx).await?;
    super::queue_charges(&mut tx).await?;
    Ok(Json(planned))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PayBody {
    /// Plans whose renewals the member agrees to have charged to this card.
    #[serde(default)]
    pub renew_plan_ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutAnswer {
    pub payment_id: i64,
    /// Stripe's page, where the member pays.
    pub redirect_url: String,
}

impl From<Started> for CheckoutAnswer {
    fn from(started: Started) -> Self {
        Self {
            payment_id: started.payment_id,
            redirect_url: started.redirect_url,
        }
    }
}

async fn payer_of(
    tx: &mut TenantTx,
    account_id: i64,
) -> Result<crate::accounts::Account, AppError> {
    crate::accounts::store::find(tx, account_id)
        .await?
        .ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "my_card_checkout", post, path = "/api/v1/me/card-payments/checkout", tag = "card-payments",
    request_body = PayBody, security(("bearer" = [])),
    responses((status = 200, body = CheckoutAnswer), (status = 409, description = "Nothing due, or card payments not set up"),
              (status = 401), (status = 502)))]
pub async fn pay_dues(
    Person(who): Person,
    State(service): State<CardPayments>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<PayBody>,
) -> Result<Json<CheckoutAnswer>, AppError> {
    let account = payer_of(&mut tx, who.account_id).await?;
    let payer = Payer::from(&account);
    let wording = super::consent_wording(payer.locale, &tx.tenant().name);
    let started =
        checkout::pay_dues(&mut tx, &service, &payer, &body.renew_plan_ids, &wording).await?;
    Ok(Json(started.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiftBody {
    pub amount: MoneyInput,
    /// An open project; none: to the association.
    pub project_id: Option<i64>,
    /// Every month on the same card until stopped.
    #[serde(default)]
    pub monthly: bool,
}

#[utoipa::path(operation_id = "my_donation", post, path = "/api/v1/me/donations", tag = "card-payments",
    request_body = GiftBody, security(("bearer" = [])),
    responses((status = 200, body = CheckoutAnswer), (status = 409), (status = 422), (status = 401), (status = 502)))]
pub async fn give(
    Person(who): Person,
    State(service): State<CardPayments>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<GiftBody>,
) -> Result<Json<CheckoutAnswer>, AppError> {
    let amount = body.amount.amount("amount")?;
    let account = payer_of(&mut tx, who.account_id).await?;
    let payer = Payer::from(&account);
    let request = GiftRequest {
        amount,
        project_id: body.project_id,
        monthly: body.monthly,
    };
    let wording = super::gift_wording(payer.locale, &tx.tenant().name);
    let started = gifts::give(&mut tx, &service, &payer, &request, &wording).await?;
    Ok(Json(started.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyCard {
    pub card: Option<SavedCard>,
    pub consents: Vec<Consent>,
    pub monthly_gifts: Vec<RecurringGift>,
}

#[utoipa::path(operation_id = "my_card", get, path = "/api/v1/me/card", tag = "card-payments",
    security(("bearer" = [])), responses((status = 200, body = MyCard), (status = 401)))]
pub async fn my_card(Person(who): Person, mut tx: TenantTx) -> Result<Json<MyCard>, AppError> {
    Ok(Json(MyCard {
        card: store::customer(&mut tx, who.account_id)
            .await?
            .filter(|c| c.payment_method.is_some()),
        consents: store::consents(&mut tx, who.account_id).await?,
        monthly_gifts: gifts::live(&mut tx, Some(who.account_id), None).await?,
    }))
}

#[utoipa::path(operation_id = "my_card_consent_withdraw", delete, path = "/api/v1/me/card/consents/{id}", tag = "card-payments",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "No more charges under it (a monthly gift it carried stops)"), (status = 404), (status = 401)))]
pub async fn withdraw(
    Person(who): Person,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    match store::withdraw(&mut tx, who.account_id, id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(Refusal::NotFound("consent").into()),
    }
}

#[utoipa::path(operation_id = "my_card_update", post, path = "/api/v1/me/card/update", tag = "card-payments",
    security(("bearer" = [])),
    responses((status = 200, body = CheckoutAnswer, description = "Stripe's page where the member gives a new card (`payment_id` 0)"),
              (status = 409), (status = 401), (status = 502)))]
pub async fn update_card(
    Person(who): Person,
    State(service): State<CardPayments>,
    mut tx: TenantTx,
) -> Result<Json<CheckoutAnswer>, AppError> {
    let account = payer_of(&mut tx, who.account_id).await?;
    let payer = Payer::from(&account);
    let url = super::update_page(&mut tx, &service, &payer).await?;
    Ok(Json(CheckoutAnswer {
        payment_id: 0,
        redirect_url: url,
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        webhook,
        key_status,
        save_keys,
        remove_keys,
        recent_events,
        refund,
        plan_renewals,
        pay_dues,
        give,
        my_card,
        withdraw,
        update_card
    ),
    components(schemas(
        WebhookAnswer,
        KeysBody,
        KeyStatus,
        EventView,
        RefundBody,
        Refunded,
        Planned,
        PayBody,
        CheckoutAnswer,
        GiftBody,
        MyCard,
        SavedCard,
        Consent,
        RecurringGift
    ))
)]
pub struct Doc;

/// The platform host's part (Stripe Connect).
#[derive(OpenApi)]
#[openapi(paths(platform_webhook), components(schemas(WebhookAnswer)))]
pub struct ConnectDoc;
