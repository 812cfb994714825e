//! The commission ledger: lines are appended, never changed in amount (a
//! trigger refuses it), and move forward in status only. A sale writes one
//! line per side; a refund later recomputes what the sale should have
//! earned and appends the (negative) difference. Callers lock the referral
//! first ([`super::referrals::lock`]), so two deliveries of one payment
//! cannot both write, and a unique index backs that up.

use chrono::{DateTime, Duration, Utc};

use super::books::Books;
use super::model::{LineReward, LineStage, LineStatus, ReferralStatus, RewardKind, Side, Stage};
use super::referrals::Referral;
use super::rules::{self, Rule};

/// A line to append.
#[derive(Debug, Clone)]
pub struct NewLine<'a> {
    pub program_id: i64,
    pub affiliate_id: i64,
    pub referral_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub rule_id: Option<i64>,
    pub stage: LineStage,
    pub side: Side,
    pub reward: LineReward,
    pub amount_minor: i64,
    pub days: i32,
    pub currency: &'a str,
    pub memo: &'a str,
    pub status: LineStatus,
    pub due_at: DateTime<Utc>,
}

pub async fn append(books: &mut Books<'_>, line: &NewLine<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO aff_lines (program_id, affiliate_id, referral_id, payment_id, rule_id, stage, side, reward,
                                amount_minor, days, currency, memo, status, due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        line.program_id,
        line.affiliate_id,
        line.referral_id,
        line.payment_id,
        line.rule_id,
        line.stage.as_str(),
        line.side.as_str(),
        line.reward.as_str(),
        line.amount_minor,
        line.days,
        line.currency,
        line.memo,
        line.status.as_str(),
        line.due_at
    )
    .fetch_one(books.conn().await?)
    .await
}

/// A payment as the ledger needs it (a payment of the association, or a
/// platform fee).
#[derive(Debug, Clone, Copy)]
pub struct Sale {
    pub payment_id: i64,
    pub gross_minor: i64,
    pub refunded_minor: i64,
    /// Paid (and not failed): only a paid payment earns.
    pub paid: bool,
}

impl Sale {
    fn net(&self) -> i64 {
        if self.paid {
            (self.gross_minor - self.refunded_minor).max(0)
        } else {
            0
        }
    }
}

/// The status and due time of a new line for `referral`.
pub fn first_status(
    referral: &Referral,
    side: Side,
    holding_days: i32,
    now: DateTime<Utc>,
) -> (LineStatus, DateTime<Utc>) {
    // The person referred gets their reward at once; the affiliate after
    // the refund window.
    let due_at = match side {
        Side::Referrer => now + Duration::days(i64::from(holding_days)),
        Side::Referred => now,
    };
    match referral.status {
        ReferralStatus::Review => (LineStatus::Held, due_at),
        _ => (LineStatus::Pending, due_at),
    }
}

struct Written {
    id: i64,
    amount_minor: i64,
    days: i32,
    status: LineStatus,
    due_at: DateTime<Utc>,
    paid_out: bool,
    reward: LineReward,
    rule_reward: Option<RewardKind>,
    /// The rule's rates (`percent`): its own and its introductory one.
    rule_rates: [Option<i32>; 2],
    rule_id: Option<i64>,
}

async fn lines_of_payment(
    books: &mut Books<'_>,
    referral_id: i64,
    payment_id: i64,
    side: Side,
) -> Result<Vec<Written>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT l.id, l.rule_id, l.amount_minor, l.days, l.status, l.due_at, l.payout_id, l.reward, r.reward AS \"rule_reward?\",
                r.basis_points AS \"basis_points?\", r.intro_basis_points AS \"intro_basis_points?\"
         FROM aff_lines l LEFT JOIN aff_rules r ON r.id = l.rule_id
         WHERE l.referral_id = $1 AND l.payment_id = $2 AND l.side = $3 AND l.stage IN ('sale', 'reversal')
         ORDER BY l.id",
        referral_id,
        payment_id,
        side.as_str()
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Written {
            id: r.id,
            amount_minor: r.amount_minor,
            days: r.days,
            status: r.status.parse().unwrap_or(LineStatus::Void),
            due_at: r.due_at,
            paid_out: r.payout_id.is_some(),
            reward: r.reward.parse().unwrap_or(LineReward::Cash),
            rule_reward: r.rule_reward.and_then(|w| w.parse().ok()),
            rule_rates: [r.basis_points, r.intro_basis_points],
            rule_id: r.rule_id,
        })
        .collect())
}

/// Rank of a new sale (1: the referral's first paid payment) and what the
/// rule already earned for this referral and side.
async fn rank_and_earned(
    books: &mut Books<'_>,
    referral_id: i64,
    side: Side,
    rule_id: i64,
) -> Result<(i32, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(DISTINCT payment_id) FILTER (WHERE stage = 'sale' AND status <> 'void')::int AS "sales!",
                  coalesce(sum(amount_minor) FILTER (WHERE rule_id = $3 AND status <> 'void'), 0)::bigint AS "earned!"
           FROM aff_lines WHERE referral_id = $1 AND side = $2"#,
        referral_id,
        side.as_str(),
        rule_id
    )
    .fetch_one(books.conn().await?)
    .await?;
    Ok((row.sales + 1, row.earned))
}

/// Context of one sale's reckoning.
pub struct Reckoning<'a> {
    pub referral: &'a Referral,
    pub group_id: Option<i64>,
    pub rules: &'a [Rule],
    pub holding_days: i32,
    pub currency: &'a str,
    pub now: DateTime<Utc>,
}

/// Brings the ledger in line with `sale`: its first reckoning writes the
/// rewards, a later one (after a refund) the reversal of what no longer
/// stands. Returns the lines written.
pub async fn reckon(
    books: &mut Books<'_>,
    ctx: &Reckoning<'_>,
    sale: Sale,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut written = Vec::new();
    for side in [Side::Referrer, Side::Referred] {
        let lines = lines_of_payment(books, ctx.referral.id, sale.payment_id, side).await?;
        let line = match lines.first() {
            None => first_reward(books, ctx, sale, side).await?,
            Some(first) => take_back(books, ctx, sale, side, first, &lines).await?,
        };
        written.extend(line);
    }
    Ok(written)
}

async fn first_reward(
    books: &mut Books<'_>,
    ctx: &Reckoning<'_>,
    sale: Sale,
    side: Side,
) -> Result<Option<i64>, sqlx::Error> {
    if sale.net() <= 0 || ctx.referral.status == ReferralStatus::Rejected {
        return Ok(None);
    }
    let affiliate = ctx.referral.affiliate_id;
    let Some(rule) = rules::pick(ctx.rules, Stage::Sale, side, affiliate, ctx.group_id) else {
        return Ok(None);
    };
    let (rank, earned) = rank_and_earned(books, ctx.referral.id, side, rule.id).await?;
    let Some(award) = rule.terms.award(rank, sale.net(), earned) else {
        return Ok(None);
    };
    let (status, due_at) = first_status(ctx.referral, side, ctx.holding_days, ctx.now);
    let line = NewLine {
        program_id: ctx.referral.program_id,
        affiliate_id: affiliate,
        referral_id: Some(ctx.referral.id),
        payment_id: Some(sale.payment_id),
        rule_id: Some(rule.id),
        stage: LineStage::Sale,
        side,
        reward: award.reward,
        amount_minor: award.amount_minor,
        days: award.days,
        currency: ctx.currency,
        memo: "",
        status,
        due_at,
    };
    append(books, &line).await.map(Some)
}

/// What the sale's reward should be now that `sale` is worth what it is.
fn still_earned(first: &Written, sale: Sale) -> (i64, i32) {
    let net = sale.net();
    if net <= 0 {
        return (0, 0);
    }
    let proportional =
        first.reward == LineReward::Cash && first.rule_reward != Some(RewardKind::Flat);
    if proportional && sale.gross_minor > 0 {
        // The share of what is left at the rate the sale earned, rounded
        // down as the sale was (scaling the amount would lose a cent).
        let share = |minor: i64, points: i32| i128::from(minor) * i128::from(points) / 10_000;
        let rate = first
            .rule_rates
            .into_iter()
            .flatten()
            .find(|points| share(sale.gross_minor, *points) == i128::from(first.amount_minor));
        // A capped sale earned less than its rate: it shrinks in proportion.
        let scaled = match rate {
            Some(points) => share(net, points),
            None => i128::from(first.amount_minor) * i128::from(net) / i128::from(sale.gross_minor),
        };
        (
            i64::try_from(scaled).unwrap_or(first.amount_minor),
            first.days,
        )
    } else {
        (first.amount_minor, first.days)
    }
}

async fn take_back(
    books: &mut Books<'_>,
    ctx: &Reckoning<'_>,
    sale: Sale,
    side: Side,
    first: &Written,
    lines: &[Written],
) -> Result<Option<i64>, sqlx::Error> {
    let standing = lines.iter().filter(|line| line.status != LineStatus::Void);
    let (amount, days) = standing.fold((0, 0), |(a, d), line| {
        (a + line.amount_minor, d + line.days)
    });
    let (owed_amount, owed_days) = still_earned(first, sale);
    let (less_amount, less_days) = ((owed_amount - amount).min(0), (owed_days - days).min(0));
    if less_amount == 0 && less_days == 0 {
        return Ok(None);
    }
    // Not paid yet: the reversal matures with the line it corrects and
    // they cancel out; paid: it is due at once and the next payout nets it.
    let unpaid = matches!(
        first.status,
        LineStatus::Held | LineStatus::Pending | LineStatus::Due
    ) && !first.paid_out;
    let (status, due_at) = if unpaid {
        (first.status, first.due_at)
    } else {
        (LineStatus::Due, ctx.now)
    };
    let line = NewLine {
        program_id: ctx.referral.program_id,
        affiliate_id: ctx.referral.affiliate_id,
        referral_id: Some(ctx.referral.id),
        payment_id: Some(sale.payment_id),
        rule_id: first.rule_id,
        stage: LineStage::Reversal,
        side,
        reward: first.reward,
        amount_minor: less_amount,
        days: less_days,
        currency: ctx.currency,
        memo: "refund",
        status,
        due_at,
    };
    let id = append(books, &line).await?;
    tracing::debug!(line = id, corrects = first.id, "commission reversed");
    Ok(Some(id))
}
