//! An association's programmes meet its members and their money here:
//! a payment settled or refunded (called by `contributions` in its own
//! transaction) is reckoned for the payer's referrals; rewards in kind are
//! given on the member's ledger (credit) or membership (free days); and
//! the hourly sweep moves each tenant's ledger forward.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::books::Books;
use super::ledger::{self, Reckoning, Sale};
use super::mature::{self, Owed};
use super::{affiliates, events, programs, reviews, rulebook};
use crate::contributions::ledger::Line;
use crate::contributions::{LedgerKind, PaymentStatus};
use crate::db::TenantTx;
use crate::jobs::{self, JobError, NewJob, Registry};
use crate::model::{Amount, Currency, TenantId};

/// Reckons `payment_id` for its payer's referrals: the first time it is
/// paid, rewards; after a refund, reversals. Idempotent: calling it again
/// changes nothing.
pub async fn payment_changed(tx: &mut TenantTx, payment_id: i64) -> Result<(), sqlx::Error> {
    match reckon_payment(tx, payment_id, Utc::now()).await {
        Ok(()) => Ok(()),
        Err(super::Error::Database(error)) => Err(error),
        // Our own rows disagree with themselves: the payment still stands.
        Err(other) => {
            tracing::error!(error = %other, payment_id, "affiliation: payment not reckoned");
            Ok(())
        }
    }
}

async fn reckon_payment(
    tx: &mut TenantTx,
    payment_id: i64,
    now: DateTime<Utc>,
) -> Result<(), super::Error> {
    let Some(payment) = crate::contributions::payments::find(tx, payment_id).await? else {
        return Ok(());
    };
    let mut books = Books::tenant(tx);
    let referrals = super::referrals::lock_of_party(&mut books, payment.payer_id).await?;
    for referral in referrals {
        let Some(program) = programs::find(&mut books, referral.program_id).await? else {
            continue;
        };
        let affiliate = affiliates::find(&mut books, referral.affiliate_id).await?;
        let Some(affiliate) =
            affiliate.filter(|a| a.status == super::model::AffiliateStatus::Active)
        else {
            continue;
        };
        let mut referral = referral;
        if let Some(reasons) =
            shared_reference(&mut books, &payment, affiliate.party_id, program.id).await?
            && reviews::open(
                &mut books,
                referral.id,
                &reasons,
                program.settings.review_days,
                now,
            )
            .await?
        {
            referral.status = super::model::ReferralStatus::Review;
        }
        let rules = if program.settings.active {
            rulebook::rules(&mut books, program.id).await?
        } else {
            Vec::new()
        };
        let ctx = Reckoning {
            referral: &referral,
            group_id: affiliate.group_id,
            rules: &rules,
            holding_days: program.settings.holding_days,
            currency: &program.currency,
            now,
        };
        let sale = Sale {
            payment_id,
            gross_minor: payment.amount.minor(),
            refunded_minor: payment.refunded.minor(),
            paid: matches!(
                payment.status,
                PaymentStatus::Paid | PaymentStatus::Refunded
            ),
        };
        for line in ledger::reckon(&mut books, &ctx, sale).await? {
            events::line_written(&mut books, line).await?;
        }
    }
    Ok(())
}

/// The same-payment-reference check: the payer paid with a reference the
/// affiliate paid with too.
async fn shared_reference(
    books: &mut Books<'_>,
    payment: &crate::contributions::payments::Payment,
    affiliate_party: Option<i64>,
    program_id: i64,
) -> Result<Option<Vec<String>>, super::Error> {
    let (Some(reference), Some(party)) = (payment.reference.as_deref(), affiliate_party) else {
        return Ok(None);
    };
    let checks = rulebook::checks(books, program_id).await?;
    let wanted = checks
        .iter()
        .any(|check| check.active && check.kind == super::model::CheckKind::SamePaymentReference);
    if !wanted {
        return Ok(None);
    }
    let Some(tx) = books.tenant_tx() else {
        return Ok(None);
    };
    let shared = crate::contributions::payments::reference_used_by(tx, party, reference).await?;
    Ok(shared.then(|| {
        vec![
            super::model::CheckKind::SamePaymentReference
                .as_str()
                .to_owned(),
        ]
    }))
}

/// Gives the due rewards in kind. A free period with no membership to
/// extend waits for the next sweep.
pub async fn fulfil(tx: &mut TenantTx, limit: i64) -> Result<u64, sqlx::Error> {
    let owed = mature::owed_in_kind(&mut Books::tenant(tx), limit).await?;
    let mut given = 0;
    for reward in owed {
        if give(tx, &reward).await? {
            mature::fulfilled(&mut Books::tenant(tx), reward.line_id).await?;
            given += 1;
        }
    }
    Ok(given)
}

async fn give(tx: &mut TenantTx, reward: &Owed) -> Result<bool, sqlx::Error> {
    let Some(account_id) = reward.party_id else {
        return Ok(false);
    };
    if reward.days != 0 {
        let extended = crate::contributions::memberships::extend_latest(
            tx,
            account_id,
            reward.days,
            "referral reward",
        )
        .await
        .map_err(into_sqlx)?;
        return Ok(extended.is_some());
    }
    let currency = Currency::parse(&reward.currency).unwrap_or(Currency::EUR);
    let Some(amount) = Amount::new(-reward.credit_minor, currency) else {
        return Ok(false);
    };
    // A credit lowers what the member owes; a taken-back credit raises it.
    let kind = if reward.credit_minor >= 0 {
        LedgerKind::Credit
    } else {
        LedgerKind::Reversal
    };
    let line = Line {
        account_id,
        kind,
        amount,
        membership_id: None,
        payment_id: None,
        memo: "referral reward",
        recorded_by: None,
    };
    crate::contributions::ledger::append(tx, line).await?;
    Ok(true)
}

fn into_sqlx(error: crate::contributions::Error) -> sqlx::Error {
    match error {
        crate::contributions::Error::Database(error) => error,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// Moves one tenant's books forward (reviews, holding periods, rewards in kind).
pub async fn sweep(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
) -> Result<(mature::Matured, u64), sqlx::Error> {
    let matured = mature::run(&mut Books::tenant(tx), now).await?;
    let given = fulfil(tx, 500).await?;
    Ok((matured, given))
}

const SWEEP_ALL: &str = "affiliation.sweep-all";
const SWEEP: &str = "affiliation.sweep";

/// The hourly sweep: one job per ready tenant.
pub fn register(registry: &mut Registry) {
    registry.every(
        SWEEP_ALL,
        Duration::from_secs(3600),
        |ctx, _job| async move {
            for tenant in crate::tenancy::registry::list(ctx.platform()).await? {
                if tenant.status != "active" || tenant.schema_status.as_deref() != Some("ready") {
                    continue;
                }
                let job = NewJob {
                    dedupe_key: Some(SWEEP),
                    ..NewJob::new(SWEEP, json!({}))
                };
                jobs::enqueue_platform(ctx.platform(), Some(TenantId::new(tenant.id)), job).await?;
            }
            Ok(())
        },
    );
    registry.register(SWEEP, |ctx, _job| async move {
        let mut tx = ctx.tenant_tx()?;
        let (matured, given) = sweep(&mut tx, Utc::now()).await.map_err(JobError::from)?;
        tx.commit().await.map_err(JobError::from)?;
        tracing::debug!(?matured, given, "affiliation sweep");
        Ok(())
    });
}

/// Someone who just signed up, on a page or through the API.
pub struct SignUp<'a> {
    pub account_id: i64,
    pub name: &'a str,
    pub email: &'a str,
    /// A referral or coupon code typed in the form.
    pub typed_code: Option<&'a str>,
    pub auth: &'a crate::auth::RequestAuth,
    pub headers: &'a axum::http::HeaderMap,
}

/// Whether `code` is a live referral or coupon code here (checked before
/// the account is created, so a mistyped code is a form error).
pub async fn known_code(tx: &mut TenantTx, code: &str) -> Result<bool, sqlx::Error> {
    Ok(super::links::target(&mut Books::tenant(tx), code)
        .await?
        .is_some())
}

/// Binds the new account to the affiliate whose code or link brought it,
/// and gives the newcomer's own reward at once.
pub async fn signed_up(tx: &mut TenantTx, sign_up: SignUp<'_>) -> Result<(), super::Error> {
    let tenant = tx.tenant().id;
    let visit = super::capture::visit_of(sign_up.auth, sign_up.headers, tenant);
    let typed = sign_up
        .typed_code
        .map(str::trim)
        .filter(|code| !code.is_empty());
    if visit.is_none() && typed.is_none() {
        return Ok(());
    }
    let device = super::capture::device_of(sign_up.headers);
    let arrival = super::referrals::Arrival {
        party_id: sign_up.account_id,
        name: sign_up.name,
        email: sign_up.email,
        ip: sign_up.auth.client_ip,
        device: &device,
        visit,
        typed_code: typed,
    };
    let mut books = Books::tenant(tx);
    let Some(referral) = super::referrals::attribute(&mut books, arrival, Utc::now()).await? else {
        return Ok(());
    };
    events::referral_created(&mut books, &referral).await?;
    let lines = sqlx::query_scalar!(
        "SELECT id FROM aff_lines WHERE referral_id = $1 ORDER BY id",
        referral.id
    )
    .fetch_all(books.conn().await?)
    .await?;
    for line in lines {
        events::line_written(&mut books, line).await?;
    }
    let entry = crate::audit::Entry::new("affiliation.referral")
        .on(sign_up.account_id)
        .from(sign_up.auth.client_ip)
        .with(json!({ "referral": referral.id, "affiliate": referral.affiliate_id, "via": referral.via }));
    crate::audit::record(tx, entry).await?;
    mature::run(&mut Books::tenant(tx), Utc::now()).await?;
    fulfil(tx, 20).await?;
    Ok(())
}

/// A member joins an open programme (or finds their place in it again),
/// with a first link drawn for them; audited.
pub async fn join_member(
    tx: &mut TenantTx,
    account_id: i64,
    program_id: i64,
) -> Result<super::affiliates::Affiliate, super::Error> {
    let account = crate::accounts::store::find(tx, account_id)
        .await?
        .ok_or(super::Error::NotFound("account"))?;
    let mut books = Books::tenant(tx);
    let program = programs::find(&mut books, program_id).await?;
    let Some(program) = program.filter(|p| p.settings.active && p.settings.open_enrolment) else {
        return Err(super::Error::conflict(
            "closed",
            "this programme is not open",
        ));
    };
    let joining = affiliates::Joining {
        program_id: program.id,
        party_id: Some(account_id),
        name: &account.display_name,
        email: account.email.as_str(),
    };
    let affiliate = affiliates::join(&mut books, joining).await?;
    if super::links::of_affiliate(&mut books, affiliate.id)
        .await?
        .is_empty()
    {
        super::links::create(&mut books, affiliate.id, super::links::NewLink::default()).await?;
    }
    let entry = crate::audit::Entry::new("affiliation.join")
        .by(account_id)
        .on(account_id)
        .with(json!({ "program": program.id, "affiliate": affiliate.id }));
    crate::audit::record(tx, entry).await?;
    Ok(affiliate)
}
