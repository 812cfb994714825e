//! `GET /api/v1/members/{id}/balance`: what a member owes (positive) or has
//! in credit (negative), in the association's currency, with the ledger
//! lines and their running balance. Treasurers (or a key with
//! `contributions:read`) for anyone; a person for their own account only.

use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::money::MoneyView;
use crate::accounts::store;
use crate::auth::scoped::{ContributionsRead, NeedsScope};
use crate::auth::{Role, SignedIn, Via};
use crate::contributions::{LedgerKind, ledger, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerLineView {
    pub id: i64,
    pub kind: LedgerKind,
    /// Positive: owed; negative: paid or credited.
    pub amount: MoneyView,
    pub membership_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub memo: String,
    pub at: DateTime<Utc>,
    /// The balance after this line (in its currency).
    pub balance: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceView {
    pub account_id: i64,
    /// Positive: the member owes it; negative: a credit.
    pub balance: MoneyView,
    pub lines: Vec<LedgerLineView>,
}

#[utoipa::path(operation_id = "members_balance", get, path = "/api/v1/members/{id}/balance",
    tag = "contributions", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = BalanceView), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    SignedIn(me): SignedIn,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<BalanceView>, AppError> {
    let own = me.account_id == id && !matches!(me.via, Via::ApiKey { .. });
    if !own {
        if me.role < Role::Treasurer {
            return Err(AppError::Forbidden(
                "only treasurers may read another member's balance".into(),
            ));
        }
        if !me.allows(&ContributionsRead::scope()) {
            return Err(AppError::Forbidden(
                "this API key lacks the contributions:read scope".into(),
            ));
        }
    }
    store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let currency = settings::get(&mut tx).await?.currency;
    let balance = ledger::balance(&mut tx, id, currency).await?;
    let lines = ledger::history(&mut tx, id)
        .await?
        .into_iter()
        .map(|line| LedgerLineView {
            id: line.id,
            kind: line.kind,
            amount: line.amount.into(),
            membership_id: line.membership_id,
            payment_id: line.payment_id,
            memo: line.memo,
            at: line.at,
            balance: line.balance.into(),
        })
        .collect();
    Ok(Json(BalanceView {
        account_id: id,
        balance: balance.into(),
        lines,
    }))
}
