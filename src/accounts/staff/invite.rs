//! Inviting people (admins): one at a time, or many from a CSV file. A file
//! is all or nothing: every row is checked (against the file and the
//! accounts already there) before any is written, and a file with one bad
//! row answers 422 with the list of problems and writes nothing.

use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::actions::{self, Actor, Invitee};
use super::csv_import::{self, RowError};
use super::members::inviter_name;
use super::{Choice, directory, done, link_base, page, role_choices};
use crate::accounts::Email;
use crate::audit::{self, Entry};
use crate::auth::{Admin, RequestAuth, RequireRole, Role};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::flash::FlashKind;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

#[derive(Serialize, Default)]
struct InvitePage {
    form: InviteForm,
    /// Field → translation key of its error.
    email_error: Option<&'static str>,
    name_error: Option<&'static str>,
    role_error: Option<&'static str>,
    roles: Vec<Choice>,
    csrf_token: String,
}

/// `GET /staff/invite/`.
pub async fn form(
    State(themes): State<Themes>,
    _: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let data = InvitePage {
        form: InviteForm {
            role: "member".into(),
            ..InviteForm::default()
        },
        roles: role_choices(),
        csrf_token: auth.csrf.value().to_owned(),
        ..InvitePage::default()
    };
    page(
        &themes,
        &tx,
        &view,
        "staff/invite.html",
        StatusCode::OK,
        &data,
    )
    .await
}

/// Checks the form; on failure, the page to show again with its errors.
fn check(form: InviteForm, csrf_token: String) -> Result<Invitee, Box<InvitePage>> {
    let email = Email::parse(&form.email).ok();
    let name = form.name.trim();
    let role = form.role.parse::<Role>().ok();
    let name_ok = !name.is_empty()
        && name.chars().count() <= csv_import::MAX_NAME
        && !name.chars().any(crate::model::is_hidden_or_control);
    match (email, role) {
        (Some(email), Some(role)) if name_ok => Ok(Invitee {
            email,
            name: name.to_owned(),
            role,
        }),
        (email, role) => Err(Box::new(InvitePage {
            email_error: email.is_none().then_some("staff-error-email"),
            name_error: (!name_ok).then_some("staff-error-name"),
            role_error: role.is_none().then_some("staff-error-role"),
            form,
            roles: role_choices(),
            csrf_token,
        })),
    }
}

/// `POST /staff/invite/`: creates the invited account and mails the link.
pub async fn submit(
    State(themes): State<Themes>,
    guard: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    headers: HeaderMap,
    mut tx: TenantTx,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let csrf_token = auth.csrf.value().to_owned();
    let invitee = match check(form, csrf_token) {
        Ok(invitee) => invitee,
        Err(data) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&themes, &tx, &view, "staff/invite.html", status, &data).await;
        }
    };
    let inviter = inviter_name(&mut tx, guard.principal()).await?;
    let base = link_base(&headers, &auth, &view);
    let actor = Actor::person(guard.principal().account_id, auth.client_ip);
    match actions::invite(&mut tx, actor, &invitee, &inviter, &base).await {
        Ok((id, _)) => Ok(done(
            &format!("/staff/members/{id}"),
            FlashKind::Success,
            "staff-flash-invitation-sent",
        )),
        Err(actions::ActionError::AlreadyMember) => {
            let data = InvitePage {
                email_error: Some("staff-csv-already-member"),
                form: InviteForm {
                    email: invitee.email.to_string(),
                    name: invitee.name,
                    role: invitee.role.to_string(),
                },
                roles: role_choices(),
                csrf_token: auth.csrf.value().to_owned(),
                ..InvitePage::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(&themes, &tx, &view, "staff/invite.html", status, &data).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct CsvPage {
    errors: Vec<RowError>,
    max_rows: usize,
    csrf_token: String,
}

/// `GET /staff/invite/csv/`.
pub async fn csv_form(
    State(themes): State<Themes>,
    _: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let data = CsvPage {
        errors: Vec::new(),
        max_rows: csv_import::MAX_ROWS,
        csrf_token: auth.csrf.value().to_owned(),
    };
    page(
        &themes,
        &tx,
        &view,
        "staff/import.html",
        StatusCode::OK,
        &data,
    )
    .await
}

/// The uploaded file's bytes (the `file` field), refused past the limit
/// without reading the rest.
async fn read_file(multipart: &mut Multipart) -> Result<Vec<u8>, Vec<RowError>> {
    let unreadable = || vec![csv_error("staff-csv-unreadable")];
    while let Some(mut field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("file") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| unreadable())? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > csv_import::MAX_BYTES {
                return Err(vec![csv_error("staff-csv-too-big")]);
            }
        }
        return Ok(bytes);
    }
    Err(vec![csv_error("staff-csv-no-file")])
}

fn csv_error(key: &'static str) -> RowError {
    RowError {
        row: 0,
        column: "",
        key,
        value: String::new(),
    }
}

/// `POST /staff/invite/csv/` (multipart, field `file`).
pub async fn csv_submit(
    State(themes): State<Themes>,
    guard: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    headers: HeaderMap,
    mut tx: TenantTx,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let mut parsed = match read_file(&mut multipart).await {
        Ok(bytes) => csv_import::parse(&bytes),
        Err(errors) => csv_import::Parsed {
            rows: Vec::new(),
            errors,
        },
    };
    let emails: Vec<String> = parsed
        .rows
        .iter()
        .map(|r| r.invitee.email.to_string())
        .collect();
    let taken = directory::existing_emails(&mut tx, &emails).await?;
    parsed.add(csv_import::already_members(&parsed.rows, &taken));
    if !parsed.errors.is_empty() {
        // 422: the request's transaction is rolled back; nothing was
        // written in it anyway.
        let data = CsvPage {
            errors: parsed.errors,
            max_rows: csv_import::MAX_ROWS,
            csrf_token: auth.csrf.value().to_owned(),
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return page(&themes, &tx, &view, "staff/import.html", status, &data).await;
    }
    let rows = parsed.rows;
    let inviter = inviter_name(&mut tx, guard.principal()).await?;
    let base = link_base(&headers, &auth, &view);
    for row in &rows {
        actions::create_invited(&mut tx, &row.invitee, &inviter, &base).await?;
    }
    let entry = Entry::new("invitation.bulk")
        .by(guard.principal().account_id)
        .from(auth.client_ip)
        .with(json!({ "count": rows.len() }));
    audit::record(&mut tx, entry).await?;
    Ok(done(
        "/staff/members/?status=invited",
        FlashKind::Success,
        "staff-flash-invitations-sent",
    ))
}
