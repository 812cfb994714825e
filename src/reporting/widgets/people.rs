//! The widgets every staff member may see: active members, the renewal
//! rate, members by plan and by town, the projects' way to their goals,
//! and the latest events (payments only for those who see money).

use super::Kind;
use super::view::{Context, FeedLine, Value, Widget};
use crate::charts::{self, Gauge, Group};
use crate::contributions::figures;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::projects::figures as projects_figures;

/// How many towns the chart names before « other ».
const TOWNS: i64 = 8;
const PROJECTS: i64 = 6;
const EVENTS: i64 = 8;

pub async fn active(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let count = figures::active_members(tx, ctx.today).await?;
    Ok(
        Widget::figure(ctx, Kind::ActiveMembers, count.to_string(), "count")
            .note(ctx.t("dashboard-active-help"))
            .values(vec![Value::new(
                ctx.t("dashboard-members"),
                count,
                count.to_string(),
            )])
            .live("active_members"),
    )
}

pub async fn renewal(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let found = figures::renewal(tx, ctx.last, ctx.season).await?;
    let percent = found.percent();
    let text = percent.map_or_else(|| "–".to_owned(), |p| format!("{p} %"));
    let note = ctx.t_with(
        "dashboard-renewal-help",
        &[
            ("renewed", found.renewed.to_string()),
            ("before", found.before.to_string()),
        ],
    );
    let mut values = vec![
        Value::new(
            ctx.t("dashboard-renewal-before"),
            found.before,
            found.before.to_string(),
        ),
        Value::new(
            ctx.t("dashboard-renewal-renewed"),
            found.renewed,
            found.renewed.to_string(),
        ),
    ];
    if let Some(p) = percent {
        values.push(Value::new(ctx.t("dashboard-rate"), p, text.clone()));
    }
    Ok(Widget::figure(ctx, Kind::RenewalRate, text, "percent")
        .note(note)
        .values(values))
}

/// A horizontal bar chart of counts, with its table.
fn counts(ctx: &Context, kind: Kind, head: String, lines: Vec<(String, i64)>) -> Widget {
    let (mut groups, mut values, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for (label, count) in lines {
        groups.push(Group {
            label: label.clone(),
            values: vec![(count, format!("{label}: {count}"))],
        });
        values.push(Value::new(label.clone(), count, count.to_string()));
        rows.push(vec![label, count.to_string()]);
    }
    let total: i64 = values.iter().map(|v| v.value).sum();
    let mut widget = Widget::chart(ctx, kind, charts::rows(&groups), "rows", "count")
        .values(values)
        .table(vec![head, ctx.t("dashboard-members")], rows);
    widget.data.text = total.to_string();
    widget
}

/// People with a membership over the season, per plan.
pub async fn by_plan(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let plans = figures::by_plan(tx, ctx.currency, ctx.season.0, ctx.season.1).await?;
    let lines = plans.into_iter().map(|p| (p.name, p.members)).collect();
    Ok(counts(
        ctx,
        Kind::MembersByPlan,
        ctx.t("dashboard-plan"),
        lines,
    ))
}

/// People with a membership over the season, per town.
pub async fn by_town(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let towns = figures::members_by_town(tx, ctx.season.0, ctx.season.1, TOWNS).await?;
    let lines = towns
        .into_iter()
        .map(|t| {
            let label = match t.label.as_str() {
                "" => ctx.t("dashboard-town-unknown"),
                "…" => ctx.t("dashboard-town-other"),
                _ => t.label,
            };
            (label, t.count)
        })
        .collect();
    Ok(counts(
        ctx,
        Kind::MembersByTown,
        ctx.t("dashboard-town"),
        lines,
    ))
}

/// People with a membership over the season, per age band.
pub async fn by_age(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let bands = figures::members_by_age(tx, ctx.season.0, ctx.season.1, ctx.today).await?;
    let lines = bands
        .into_iter()
        .map(|b| {
            let label = match b.label.as_str() {
                "" => ctx.t("dashboard-age-unknown"),
                band => ctx.t_with("dashboard-age-band", &[("band", band.to_owned())]),
            };
            (label, b.count)
        })
        .collect();
    Ok(counts(
        ctx,
        Kind::MembersByAge,
        ctx.t("dashboard-age"),
        lines,
    ))
}

/// Open projects with a goal: raised against the goal.
pub async fn projects(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let found = projects_figures::progress(tx, PROJECTS).await?;
    let (mut gauges, mut values, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for p in &found {
        let raised = ctx.money_in(p.raised_minor, p.currency);
        let goal = ctx.money_in(p.goal_minor, p.currency);
        let pct = charts::percent(p.raised_minor, p.goal_minor).unwrap_or(0);
        gauges.push(Gauge {
            label: p.title.clone(),
            value: p.raised_minor,
            goal: p.goal_minor,
            title: format!("{}: {raised} / {goal} ({pct} %)", p.title),
            goal_title: format!("{}: {goal}", ctx.t("dashboard-goal")),
        });
        values.push(Value::new(p.title.clone(), p.raised_minor, raised.clone()).of("raised"));
        values.push(Value::new(p.title.clone(), p.goal_minor, goal.clone()).of("goal"));
        rows.push(vec![p.title.clone(), raised, goal, format!("{pct} %")]);
    }
    let columns = vec![
        ctx.t("dashboard-project"),
        ctx.t("dashboard-raised"),
        ctx.t("dashboard-goal"),
        ctx.t("dashboard-rate"),
    ];
    let mut widget = Widget::chart(
        ctx,
        Kind::Projects,
        charts::gauges(&gauges),
        "gauges",
        "money",
    )
    .values(values)
    .table(columns, rows)
    .link("/staff/projects");
    widget.data.text = found.len().to_string();
    Ok(widget)
}

/// The latest sign-ups, memberships and (for treasurers) payments.
pub async fn recent(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let events = figures::recent(tx, EVENTS, ctx.sees_money()).await?;
    let feed = events
        .into_iter()
        .map(|e| {
            let detail = match (e.kind.as_str(), e.minor) {
                ("payment", Some(minor)) => {
                    let currency = e
                        .currency
                        .as_deref()
                        .and_then(|c| crate::model::Currency::parse(c).ok());
                    let amount = ctx.money_in(minor, currency.unwrap_or(ctx.currency));
                    let method = ctx.t(&format!("treasury-method-{}", e.detail));
                    format!("{amount}, {method}")
                }
                _ => e.detail.clone(),
            };
            let key = format!("dashboard-event-{}", e.kind.replace('_', "-"));
            let when = crate::themes::filters::format_date(e.at, ctx.locale);
            FeedLine {
                text: ctx.t_with(
                    &key,
                    &[("name", e.name), ("detail", detail), ("when", when)],
                ),
                at: e.at.to_rfc3339(),
                kind: e.kind,
            }
        })
        .collect();
    let mut widget = Widget::figure(ctx, Kind::RecentActivity, String::new(), "count");
    widget.data.display = "feed".to_owned();
    widget.data.feed = feed;
    Ok(widget)
}
