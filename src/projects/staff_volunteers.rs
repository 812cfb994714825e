//! Who signed up for a project, for staff: the list (name, email, note,
//! when), the same as CSV for a spreadsheet or a mail merge, and taking
//! someone off it (audited). Cells a spreadsheet would read as a formula
//! are defused, as in the treasurer's exports.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::actions;
use super::editor::{actor, done, find, private};
use super::view::page_url;
use super::volunteers::{self, Volunteer};
use crate::auth::{Editor, RequestAuth, RequireRole};
use crate::contributions::payments::export::defuse;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;

#[derive(Serialize)]
struct VolunteersPage {
    id: i64,
    title: String,
    url: String,
    volunteers: Vec<Volunteer>,
    wanted: Option<i32>,
    full: bool,
    csrf_token: String,
}

/// `GET /staff/projects/{id}/volunteers`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let project = find(&mut tx, id).await?;
    let found = volunteers::list(&mut tx, id).await?;
    let data = VolunteersPage {
        id,
        url: page_url(&project.slug),
        wanted: project.volunteers_wanted,
        full: project.is_full(found.len() as i64),
        title: project.title,
        volunteers: found,
        csrf_token: auth.csrf.value().to_owned(),
    };
    let template = "staff/project_volunteers.html";
    private(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

/// `GET /staff/projects/{id}/volunteers.csv`.
pub async fn csv(
    _: RequireRole<Editor>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let project = find(&mut tx, id).await?;
    let found = volunteers::list(&mut tx, id).await?;
    let body = write_csv(&found).map_err(|e| AppError::Internal(e.to_string().into()))?;
    // A slug is ASCII letters, digits and hyphens: safe in a header.
    let disposition = format!("attachment; filename=\"{}-volunteers.csv\"", project.slug);
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    Ok((headers, body).into_response())
}

fn write_csv(found: &[Volunteer]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["name", "email", "note", "signed_up_at"])?;
    for v in found {
        let at = v.signed_up_at.format("%Y-%m-%d %H:%M").to_string();
        writer.write_record([
            defuse(&v.name).as_ref(),
            defuse(&v.email).as_ref(),
            defuse(&v.note).as_ref(),
            at.as_str(),
        ])?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

/// `POST /staff/projects/{id}/volunteers/{account}/remove`.
pub async fn remove(
    guard: RequireRole<Editor>,
    auth: RequestAuth,
    Path((id, account_id)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    find(&mut tx, id).await?;
    if !volunteers::remove(&mut tx, id, account_id).await? {
        return Err(AppError::NotFound);
    }
    let detail = json!({ "volunteer": account_id });
    actions::record(
        &mut tx,
        "project.volunteer_removed",
        id,
        actor(&guard, &auth),
        detail,
    )
    .await?;
    Ok(done(
        &format!("/staff/projects/{id}/volunteers"),
        "projects-flash-volunteer-removed",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_in_a_note_is_defused() {
        let found = [Volunteer {
            account_id: 1,
            name: "Ana, \"la\" trésorière".into(),
            email: "ana@example.org".into(),
            note: "=HYPERLINK(\"http://evil\")".into(),
            signed_up_at: chrono::Utc::now(),
        }];
        let text = String::from_utf8(write_csv(&found).unwrap_or_default()).unwrap_or_default();
        assert!(text.contains("\"Ana, \"\"la\"\" trésorière\""), "{text}");
        assert!(text.contains("'=HYPERLINK"), "{text}");
    }
}
