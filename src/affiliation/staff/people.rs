//! `/staff/affiliation/programs/{id}/affiliates`: each affiliate with what
//! they brought and earned; ban (their unpaid lines are void, their links
//! stop), lift a ban, put in a group.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{audited, done, program, program_url, refused};
use crate::affiliation::Affiliation;
use crate::affiliation::affiliates::{self, Affiliate};
use crate::affiliation::books::Books;
use crate::affiliation::rulebook::{self, Group};
use crate::affiliation::stats::{self, Stats};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::form::Form;

#[derive(Serialize)]
struct Row {
    affiliate: Affiliate,
    stats: Stats,
}

#[derive(Serialize)]
struct Page<'a> {
    csrf: &'a str,
    program_id: i64,
    program_name: String,
    currency: String,
    rows: Vec<Row>,
    groups: Vec<Group>,
}

/// `GET /staff/affiliation/programs/{id}/affiliates`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let program = program(&mut tx, id).await?;
    let mut books = Books::tenant(&mut tx);
    let mut rows = Vec::new();
    for mut affiliate in affiliates::list(&mut books, id).await? {
        let stats = stats::of_affiliate(&mut books, affiliate.id).await?;
        affiliate.iban = affiliate
            .iban
            .as_deref()
            .map(crate::affiliation::payouts::bank::masked);
        rows.push(Row { affiliate, stats });
    }
    let page = Page {
        csrf: auth.csrf.value(),
        program_id: id,
        program_name: program.settings.name.clone(),
        currency: program.currency.clone(),
        groups: rulebook::groups(&mut books, id).await?,
        rows,
    };
    let template = "staff/affiliation_affiliates.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &page)
        .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActForm {
    reason: String,
    group_id: String,
}

/// `POST …/affiliates/{affiliate}/{ban|unban|group}`.
pub async fn act(
    State(affiliation): State<Affiliation>,
    staff: RequireRole<Treasurer>,
    Path((id, affiliate_id, action)): Path<(i64, i64, String)>,
    mut tx: TenantTx,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let url = format!("{}/affiliates", program_url(id));
    let mut books = Books::tenant(&mut tx);
    let affiliate = affiliates::find(&mut books, affiliate_id).await?;
    if affiliate.is_none_or(|a| a.program_id != id) {
        return Err(AppError::NotFound);
    }
    let result = match action.as_str() {
        "ban" => affiliates::ban(&mut books, affiliate_id, &form.reason).await,
        "unban" => affiliates::unban(&mut books, affiliate_id).await,
        "group" => {
            affiliates::set_group(&mut books, affiliate_id, form.group_id.trim().parse().ok()).await
        }
        _ => return Err(AppError::NotFound),
    };
    if let Err(error) = result {
        return refused(&url, error);
    }
    affiliation.forget_links();
    let details = json!({ "program": id, "affiliate": affiliate_id, "reason": form.reason.trim() });
    audited(
        &mut tx,
        staff.principal().account_id,
        &format!("affiliation.affiliate.{action}"),
        details,
    )
    .await?;
    program(&mut tx, id).await?;
    Ok(done(&url, "affiliation-flash-saved"))
}
