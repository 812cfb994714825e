//! The stored rules, groups and self-referral checks of a programme.

use super::books::Books;
use super::error::Error;
use super::fraud::Check;
use super::model::{CheckKind, RewardKind, Side, Stage};
use super::rules::{Rule, Terms};

/// Where a new rule applies: the whole programme, a group, or one affiliate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
pub struct Scope {
    pub group_id: Option<i64>,
    pub affiliate_id: Option<i64>,
}

pub async fn rules(books: &mut Books<'_>, program_id: i64) -> Result<Vec<Rule>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, group_id, affiliate_id, stage, side, reward, basis_points, amount_minor, days,
                intro_count, intro_basis_points, intro_amount_minor, max_sales, cap_minor
         FROM aff_rules WHERE program_id = $1 AND active ORDER BY id",
        program_id
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Rule {
                id: r.id,
                group_id: r.group_id,
                affiliate_id: r.affiliate_id,
                terms: Terms {
                    stage: r.stage.parse().ok()?,
                    side: r.side.parse().ok()?,
                    reward: r.reward.parse().ok()?,
                    basis_points: r.basis_points,
                    amount_minor: r.amount_minor,
                    days: r.days,
                    intro_count: r.intro_count,
                    intro_basis_points: r.intro_basis_points,
                    intro_amount_minor: r.intro_amount_minor,
                    max_sales: r.max_sales,
                    cap_minor: r.cap_minor,
                },
            })
        })
        .collect())
}

/// The largest share a sale could pay under `terms`, in basis points.
fn top_share(terms: &Terms) -> i32 {
    match terms.reward {
        RewardKind::Percent => terms
            .basis_points
            .unwrap_or(0)
            .max(terms.intro_basis_points.unwrap_or(0)),
        _ => 0,
    }
}

/// Adds a rule. Refused: bad terms, a scope outside the programme, or
/// shares of one sale that would add up to more than the payment.
pub async fn add_rule(
    books: &mut Books<'_>,
    program_id: i64,
    scope: Scope,
    terms: Terms,
) -> Result<Rule, Error> {
    terms.validate()?;
    if scope.group_id.is_some() && scope.affiliate_id.is_some() {
        return Err(Error::invalid(
            "group_id",
            "scope",
            "a rule is for a group or an affiliate, not both",
        ));
    }
    if let Some(group) = scope.group_id {
        let known = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM aff_groups WHERE id = $1 AND program_id = $2"#,
            group,
            program_id
        )
        .fetch_one(books.conn().await?)
        .await?;
        if known == 0 {
            return Err(Error::invalid(
                "group_id",
                "unknown-group",
                "no such group in this programme",
            ));
        }
    }
    if let Some(affiliate) = scope.affiliate_id {
        let known = sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM aff_affiliates WHERE id = $1 AND program_id = $2"#,
            affiliate,
            program_id
        )
        .fetch_one(books.conn().await?)
        .await?;
        if known == 0 {
            return Err(Error::invalid(
                "affiliate_id",
                "unknown-affiliate",
                "no such affiliate in this programme",
            ));
        }
    }
    if terms.stage == Stage::Sale {
        let others = rules(books, program_id).await?;
        let other_side = match terms.side {
            Side::Referrer => Side::Referred,
            Side::Referred => Side::Referrer,
        };
        let beside = super::rules::pick(
            &others,
            Stage::Sale,
            other_side,
            scope.affiliate_id.unwrap_or(-1),
            scope.group_id,
        );
        if top_share(&terms) + beside.map_or(0, |rule| top_share(&rule.terms)) > 10_000 {
            return Err(Error::invalid(
                "basis_points",
                "more-than-the-payment",
                "both sides together would earn more than the payment",
            ));
        }
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO aff_rules (program_id, group_id, affiliate_id, stage, side, reward, basis_points, amount_minor,
                                days, intro_count, intro_basis_points, intro_amount_minor, max_sales, cap_minor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        program_id,
        scope.group_id,
        scope.affiliate_id,
        terms.stage.as_str(),
        terms.side.as_str(),
        terms.reward.as_str(),
        terms.basis_points,
        terms.amount_minor,
        terms.days,
        terms.intro_count,
        terms.intro_basis_points,
        terms.intro_amount_minor,
        terms.max_sales,
        terms.cap_minor
    )
    .fetch_one(books.conn().await?)
    .await?;
    Ok(Rule {
        id,
        group_id: scope.group_id,
        affiliate_id: scope.affiliate_id,
        terms,
    })
}

/// Retires a rule: lines it already wrote keep pointing to it.
pub async fn retire_rule(books: &mut Books<'_>, program_id: i64, id: i64) -> Result<(), Error> {
    let done = sqlx::query!(
        "UPDATE aff_rules SET active = false WHERE id = $1 AND program_id = $2 AND active",
        id,
        program_id
    )
    .execute(books.conn().await?)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("rule"));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: i64,
    pub name: String,
}

pub async fn groups(books: &mut Books<'_>, program_id: i64) -> Result<Vec<Group>, sqlx::Error> {
    sqlx::query_as!(
        Group,
        "SELECT id, name FROM aff_groups WHERE program_id = $1 ORDER BY name",
        program_id
    )
    .fetch_all(books.conn().await?)
    .await
}

pub async fn add_group(books: &mut Books<'_>, program_id: i64, name: &str) -> Result<Group, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(Error::invalid(
            "name",
            "name",
            "a name of 1 to 80 characters",
        ));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO aff_groups (program_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id",
        program_id,
        name
    )
    .fetch_optional(books.conn().await?)
    .await?
    .ok_or_else(|| Error::conflict("group-exists", "a group of this name exists"))?;
    Ok(Group {
        id,
        name: name.to_owned(),
    })
}

pub async fn checks(books: &mut Books<'_>, program_id: i64) -> Result<Vec<Check>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, check_kind, window_hours, value, active FROM aff_fraud_rules WHERE program_id = $1 ORDER BY id",
        program_id
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Check {
                id: r.id,
                kind: r.check_kind.parse().ok()?,
                window_hours: r.window_hours,
                value: r.value,
                active: r.active,
            })
        })
        .collect())
}

/// Adds or changes a check (an `email_domain` check per domain).
pub async fn set_check(
    books: &mut Books<'_>,
    program_id: i64,
    kind: CheckKind,
    window_hours: i32,
    value: Option<&str>,
    active: bool,
) -> Result<(), Error> {
    if !(1..=8760).contains(&window_hours) {
        return Err(Error::invalid(
            "window_hours",
            "hours",
            "between 1 and 8760 hours",
        ));
    }
    let value = value
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty());
    match (kind, &value) {
        (CheckKind::EmailDomain, None) => {
            return Err(Error::invalid(
                "value",
                "required",
                "give the domain to flag",
            ));
        }
        (CheckKind::EmailDomain, Some(domain))
            if crate::model::Hostname::parse(domain).is_err() =>
        {
            return Err(Error::invalid("value", "domain", "not a domain name"));
        }
        (CheckKind::EmailDomain, _) => {}
        (_, Some(_)) => {
            return Err(Error::invalid(
                "value",
                "no-value",
                "only a domain check takes a value",
            ));
        }
        (_, None) => {}
    }
    sqlx::query!(
        "INSERT INTO aff_fraud_rules (program_id, check_kind, window_hours, value, active) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (program_id, check_kind, value) DO UPDATE SET window_hours = $3, active = $5",
        program_id,
        kind.as_str(),
        window_hours,
        value,
        active
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}
