//! The administrators' pages: `/staff/webhooks` lists the endpoints (an
//! automatically disabled one says why) with the form to add one; the
//! answer to that form shows the new secret once. `/staff/webhooks/{id}`
//! shows an endpoint with its recent deliveries, its buttons
//! ([`super::page_actions`]) and the form to change it. Forms carry the
//! CSRF token and write nothing unless whole and valid (a refused form
//! comes back with its values and a message per field, status 422).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::actions::{self, Actor};
use super::deliveries::{self, Delivery};
use super::event::AREAS;
use super::input::{Draft, Errors};
use super::service::Webhooks;
use super::store::{self, Endpoint, MAX_ENDPOINTS};
use crate::auth::{Admin, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};

/// Deliveries shown on an endpoint's page.
const RECENT: i64 = 50;

/// The form as typed (or as stored): the boxes ticked and the other types.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct Values {
    url: String,
    description: String,
    /// Ticked boxes: `*` and `<area>.*`.
    ticked: Vec<String>,
    /// Other items, one per line.
    other: String,
}

impl Values {
    fn of(endpoint: &Endpoint) -> Self {
        let boxes = boxes();
        let (ticked, other): (Vec<String>, Vec<String>) = endpoint
            .events
            .iter()
            .cloned()
            .partition(|e| boxes.contains(e));
        Self {
            url: endpoint.url.clone(),
            description: endpoint.description.clone(),
            ticked,
            other: other.join("\n"),
        }
    }

    /// The fields of an urlencoded body (boxes share the name `events`).
    fn read(body: &[u8]) -> Result<Self, AppError> {
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
        let one = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map_or(String::new(), |(_, value)| value.clone())
        };
        Ok(Self {
            url: one("url").trim().to_owned(),
            description: one("description"),
            ticked: fields
                .iter()
                .filter(|(key, _)| key == "events")
                .map(|(_, value)| value.clone())
                .collect(),
            other: one("other_events"),
        })
    }

    /// Every item: the boxes, then the other types (split on commas,
    /// spaces and lines).
    fn events(&self) -> Vec<String> {
        let other = self
            .other
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(str::to_owned);
        self.ticked.iter().cloned().chain(other).collect()
    }

    async fn check(&self, webhooks: &Webhooks) -> Result<Draft, Errors> {
        let events = self.events();
        Draft::check(
            &self.url,
            &self.description,
            &events,
            webhooks.allow_loopback(),
        )
        .await
        .map_err(|refused| Errors::of(&refused))
    }
}

/// A box of the form: its value and the translation key of its label.
#[derive(Debug, Clone, Serialize)]
struct Choice {
    value: String,
    key: String,
}

/// The boxes of the form: every event, then every area's.
fn choices() -> Vec<Choice> {
    let every = Choice {
        value: "*".to_owned(),
        key: "webhooks-all-events".to_owned(),
    };
    let areas = AREAS.iter().map(|area| Choice {
        value: format!("{area}.*"),
        key: format!("webhooks-area-{area}"),
    });
    std::iter::once(every).chain(areas).collect()
}

fn boxes() -> Vec<String> {
    choices().into_iter().map(|c| c.value).collect()
}

#[derive(Serialize)]
struct ListPage {
    endpoints: Vec<Endpoint>,
    choices: Vec<Choice>,
    values: Values,
    errors: Errors,
    full: bool,
    max: i64,
    disable_after_days: u32,
    csrf_token: String,
}

#[derive(Serialize)]
struct ShowPage {
    endpoint: Endpoint,
    deliveries: Vec<Delivery>,
    choices: Vec<Choice>,
    values: Values,
    errors: Errors,
    disable_after_days: u32,
    csrf_token: String,
}

/// What the answer to a creation or a rotation shows, once.
#[derive(Serialize)]
pub(super) struct SecretPage {
    pub endpoint: Endpoint,
    pub secret: String,
    /// After a rotation: until when the old secret still signs.
    pub previous_valid_until: Option<DateTime<Utc>>,
}

pub(super) fn actor(guard: &RequireRole<Admin>, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: guard.principal().account_id,
        ip: auth.client_ip,
    }
}

/// Everything a page handler needs to render.
pub(super) struct Ctx {
    pub themes: Themes,
    pub webhooks: Webhooks,
    pub view: PageView,
    pub auth: RequestAuth,
}

impl Ctx {
    pub async fn render<T: Serialize>(
        &self,
        tx: &TenantTx,
        template: &str,
        status: StatusCode,
        page: &T,
    ) -> Result<Response, AppError> {
        Ok(self
            .themes
            .private_page(tx, &self.view, template, status, page)
            .await?)
    }
}

/// `GET /staff/webhooks`.
pub async fn list(
    _: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(webhooks): State<Webhooks>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        themes,
        webhooks,
        view,
        auth,
    };
    render_list(&ctx, &mut tx, Values::default(), Errors::default()).await
}

async fn render_list(
    ctx: &Ctx,
    tx: &mut TenantTx,
    values: Values,
    errors: Errors,
) -> Result<Response, AppError> {
    let refused = errors.any();
    let endpoints = store::list(tx).await?;
    let page = ListPage {
        full: endpoints.len() as i64 >= MAX_ENDPOINTS,
        endpoints,
        choices: choices(),
        values,
        errors,
        max: MAX_ENDPOINTS,
        disable_after_days: ctx.webhooks.config().disable_after_days,
        csrf_token: ctx.auth.csrf.value().to_owned(),
    };
    let status = match refused {
        true => StatusCode::UNPROCESSABLE_ENTITY,
        false => StatusCode::OK,
    };
    ctx.render(tx, "webhooks/list.html", status, &page).await
}

/// `POST /staff/webhooks`: the new secret, or the form again with its messages.
pub async fn create(
    guard: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(webhooks): State<Webhooks>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    body: Bytes,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        themes,
        webhooks,
        view,
        auth,
    };
    let values = Values::read(&body)?;
    let draft = match values.check(&ctx.webhooks).await {
        Ok(draft) => draft,
        Err(errors) => return render_list(&ctx, &mut tx, values, errors).await,
    };
    let actor = actor(&guard, &ctx.auth);
    let (id, secret) = actions::create(&mut tx, &ctx.webhooks, &draft, actor).await?;
    let page = SecretPage {
        endpoint: store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?,
        secret: secret.reveal().to_owned(),
        previous_valid_until: None,
    };
    ctx.render(&tx, "webhooks/secret.html", StatusCode::OK, &page)
        .await
}

/// `GET /staff/webhooks/{id}`.
pub async fn show(
    _: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(webhooks): State<Webhooks>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        themes,
        webhooks,
        view,
        auth,
    };
    let endpoint = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let values = Values::of(&endpoint);
    render_show(&ctx, &mut tx, endpoint, values, Errors::default()).await
}

async fn render_show(
    ctx: &Ctx,
    tx: &mut TenantTx,
    endpoint: Endpoint,
    values: Values,
    errors: Errors,
) -> Result<Response, AppError> {
    let refused = errors.any();
    let page = ShowPage {
        deliveries: deliveries::recent(tx, endpoint.id, None, RECENT).await?,
        endpoint,
        choices: choices(),
        values,
        errors,
        disable_after_days: ctx.webhooks.config().disable_after_days,
        csrf_token: ctx.auth.csrf.value().to_owned(),
    };
    let status = match refused {
        true => StatusCode::UNPROCESSABLE_ENTITY,
        false => StatusCode::OK,
    };
    ctx.render(tx, "webhooks/show.html", status, &page).await
}

/// `POST /staff/webhooks/{id}`: changes the URL, description and events.
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    guard: RequireRole<Admin>,
    State(themes): State<Themes>,
    State(webhooks): State<Webhooks>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    body: Bytes,
) -> Result<Response, AppError> {
    let ctx = Ctx {
        themes,
        webhooks,
        view,
        auth,
    };
    let endpoint = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let values = Values::read(&body)?;
    let draft = match values.check(&ctx.webhooks).await {
        Ok(draft) => draft,
        Err(errors) => return render_show(&ctx, &mut tx, endpoint, values, errors).await,
    };
    actions::update(&mut tx, id, &draft, actor(&guard, &ctx.auth)).await?;
    let path = format!("/staff/webhooks/{id}");
    Ok(redirect_with(
        &path,
        Some(Flash::new(FlashKind::Success, "flash-saved")),
    ))
}
