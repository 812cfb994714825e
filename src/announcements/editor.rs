//! The editors' pages under `/staff/announcements` (editors, treasurers,
//! admins): the list by state, one form to write, preview, keep, publish
//! or schedule, buttons for the rest (pin, archive, take back, delete), and
//! the content settings. Every form carries the CSRF token and writes
//! nothing unless it is whole and valid.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::actions::{self, Action, Actor};
use super::editor_form::{Errors, Intent, Values};
use super::markdown;
use super::model::{Announcement, Audience, State as Stage};
use super::pages::image_policy;
use super::settings::{self, ContentSettings};
use super::store;
use super::view::{Card, Pager};
use crate::auth::{Editor, RequestAuth, RequireRole};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const PER_PAGE: i64 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    state: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    card: Card,
    state: Stage,
}

#[derive(Serialize)]
struct ListPage {
    rows: Vec<Row>,
    state: Option<&'static str>,
    states: Vec<&'static str>,
    pager: Pager,
    csrf_token: String,
}

/// `GET /staff/announcements?state=…`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Query(query): Query<ListQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let state = query.state.as_deref().and_then(Stage::parse);
    let page = query.page.unwrap_or(1);
    // One more than a page says whether there is a next one.
    let offset = (page.max(1) - 1) * PER_PAGE;
    let mut found = store::all(&mut tx, state, offset, PER_PAGE + 1).await?;
    let more = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    let now = Utc::now();
    let pages = page.max(1) + i64::from(more);
    let data = ListPage {
        rows: found
            .iter()
            .map(|a| Row {
                card: Card::of(a),
                state: a.state(now),
            })
            .collect(),
        state: state.map(Stage::as_str),
        states: Stage::ALL.iter().map(|s| s.as_str()).collect(),
        pager: Pager::new(pages * PER_PAGE, PER_PAGE, page),
        csrf_token: auth.csrf.value().to_owned(),
    };
    private(
        &themes,
        &tx,
        &view,
        "staff/announcements.html",
        StatusCode::OK,
        &data,
    )
    .await
}

#[derive(Serialize)]
struct FormPage {
    /// `None` for a new announcement.
    id: Option<i64>,
    state: Option<Stage>,
    values: Values,
    errors: Errors,
    /// The rendered body, after "Preview".
    preview: Option<String>,
    audiences: Vec<&'static str>,
    image_url: Option<String>,
    time_zone: String,
    /// The buttons under the form, by the announcement's state.
    actions: Vec<&'static str>,
    csrf_token: String,
}

const FORM: &str = "staff/announcement_form.html";

/// `GET /staff/announcements/new`.
pub async fn new_form(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let zone = settings::get(&mut tx).await?.time_zone;
    let data = form_page(None, Values::blank(), Errors::new(), None, zone, &auth);
    private(&themes, &tx, &view, FORM, StatusCode::OK, &data).await
}

/// `GET /staff/announcements/{id}`.
pub async fn edit_form(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let announcement = find(&mut tx, id).await?;
    let content = settings::get(&mut tx).await?;
    let values = Values::of(&announcement, content.zone());
    let data = form_page(
        Some(&announcement),
        values,
        Errors::new(),
        None,
        content.time_zone,
        &auth,
    );
    private(&themes, &tx, &view, FORM, StatusCode::OK, &data).await
}

/// `POST /staff/announcements/new`.
pub async fn create(
    themes: State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(themes, guard, view, auth, tx, None, fields).await
}

/// `POST /staff/announcements/{id}`.
pub async fn update(
    themes: State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(themes, guard, view, auth, tx, Some(id), fields).await
}

/// Both forms: preview, or keep (and publish or schedule) once valid.
async fn submit(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    id: Option<i64>,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let existing = match id {
        Some(id) => Some(find(&mut tx, id).await?),
        None => None,
    };
    let content = settings::get(&mut tx).await?;
    let (values, intent) = Values::from_fields(&fields);
    let checked = values.draft().and_then(|draft| match intent {
        Intent::Schedule => values
            .schedule(content.zone(), Utc::now())
            .map(|at| (draft, Some(Action::Schedule(at)))),
        Intent::Publish => Ok((draft, Some(Action::Publish))),
        Intent::Save | Intent::Preview => Ok((draft, None)),
    });
    let shown_again = match (checked, intent) {
        (Err(errors), _) => Err((errors, None)),
        (Ok(_), Intent::Preview) => {
            let images = image_policy(&mut tx).await?;
            let preview = markdown::render(&values.body, images);
            Err((Errors::new(), Some(preview)))
        }
        (Ok(valid), _) => Ok(valid),
    };
    let (draft, action) = match shown_again {
        Ok(valid) => valid,
        Err((errors, preview)) => {
            let status = match errors.is_empty() {
                true => StatusCode::OK,
                false => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let zone = content.time_zone;
            let data = form_page(existing.as_ref(), values, errors, preview, zone, &auth);
            return private(&themes, &tx, &view, FORM, status, &data).await;
        }
    };
    let actor = actor(&guard, &auth);
    let id = match id {
        Some(id) => {
            store::update(&mut tx, id, &draft).await?;
            actions::record(&mut tx, "announcement.updated", id, actor).await?;
            id
        }
        None => {
            let id = store::create(&mut tx, &draft, None, Some(actor.account_id)).await?;
            actions::record(&mut tx, "announcement.created", id, actor).await?;
            id
        }
    };
    if let Some(action) = action {
        actions::apply(&mut tx, id, action, actor).await?;
    }
    let key = match action {
        Some(Action::Publish) => "announcements-flash-published",
        Some(_) => "announcements-flash-scheduled",
        None => "announcements-flash-saved",
    };
    Ok(done(&format!("/staff/announcements/{id}"), key))
}

/// `POST /staff/announcements/{id}/{action}`: pin, archive, delete….
pub async fn act(
    guard: RequireRole<Editor>,
    auth: RequestAuth,
    Path((id, action)): Path<(i64, String)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    if !actions::apply(&mut tx, id, action, actor(&guard, &auth)).await? {
        return Err(AppError::NotFound);
    }
    Ok(match action {
        Action::Delete => done("/staff/announcements", "announcements-flash-deleted"),
        _ => done(
            &format!("/staff/announcements/{id}"),
            "announcements-flash-saved",
        ),
    })
}

#[derive(Serialize)]
struct SettingsPage {
    settings: ContentSettings,
    errors: Errors,
    csrf_token: String,
}

const SETTINGS: &str = "staff/announcement_settings.html";

/// `GET /staff/announcements/settings`.
pub async fn settings_form(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = SettingsPage {
        settings: settings::get(&mut tx).await?,
        errors: Errors::new(),
        csrf_token: auth.csrf.value().to_owned(),
    };
    private(&themes, &tx, &view, SETTINGS, StatusCode::OK, &data).await
}

/// `POST /staff/announcements/settings`.
pub async fn save_settings(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    };
    let wanted = ContentSettings {
        allow_external_images: field("allow_external_images").is_some(),
        time_zone: field("time_zone").unwrap_or_default().to_owned(),
    };
    if wanted.time_zone.parse::<chrono_tz::Tz>().is_err() {
        let data = SettingsPage {
            settings: wanted,
            errors: Errors::from([("time_zone", "announcements-error-time-zone")]),
            csrf_token: auth.csrf.value().to_owned(),
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return private(&themes, &tx, &view, SETTINGS, status, &data).await;
    }
    settings::save(&mut tx, &wanted).await?;
    let actor = actor(&guard, &auth);
    actions::record(&mut tx, "announcement.settings", 0, actor).await?;
    Ok(done(
        "/staff/announcements/settings",
        "announcements-flash-settings",
    ))
}

fn form_page(
    existing: Option<&Announcement>,
    values: Values,
    errors: Errors,
    preview: Option<String>,
    time_zone: String,
    auth: &RequestAuth,
) -> FormPage {
    FormPage {
        id: existing.map(|a| a.id),
        state: existing.map(|a| a.state(Utc::now())),
        values,
        errors,
        preview,
        audiences: Audience::ALL.iter().map(|a| a.as_str()).collect(),
        image_url: existing.and_then(|a| Card::of(a).image_url),
        time_zone,
        actions: existing.map(buttons).unwrap_or_default(),
        csrf_token: auth.csrf.value().to_owned(),
    }
}

/// What may be done to `announcement` besides writing it (deleting is
/// always offered, apart).
fn buttons(announcement: &Announcement) -> Vec<&'static str> {
    let state = announcement.state(Utc::now());
    let mut actions = Vec::new();
    if matches!(state, Stage::Published | Stage::Scheduled) {
        actions.push("unpublish");
    }
    actions.push(match announcement.pinned {
        true => "unpin",
        false => "pin",
    });
    match state {
        Stage::Archived => actions.push("restore"),
        Stage::Published => actions.push("archive"),
        _ => {}
    }
    actions
}

async fn find(tx: &mut TenantTx, id: i64) -> Result<Announcement, AppError> {
    store::find(tx, id).await?.ok_or(AppError::NotFound)
}

fn actor(guard: &RequireRole<Editor>, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: guard.principal().account_id,
        ip: auth.client_ip,
    }
}

fn done(to: &str, key: &str) -> Response {
    redirect_with(to, Some(Flash::new(FlashKind::Success, key)))
}

async fn private<T: Serialize>(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    template: &str,
    status: StatusCode,
    page: &T,
) -> Result<Response, AppError> {
    Ok(themes
        .private_page(tx, view, template, status, page)
        .await?)
}
