//! The treasurer's widgets: money collected this season against the last,
//! per month and per method, today's payments, arrears, and the referral
//! funnel. Amounts are net of refunds, in the association's currency.

use chrono::{Datelike, Months, NaiveDate, TimeZone, Utc};

use super::Kind;
use super::view::{Context, Value, Widget};
use crate::affiliation::figures as referrals_figures;
use crate::charts::{self, Group};
use crate::contributions::figures::{self, SeasonMoney, SeasonWindow};
use crate::db::TenantTx;
use crate::error::AppError;

/// The season's money, read by the first money widget that needs it.
async fn season_money<'c>(
    tx: &mut TenantTx,
    ctx: &'c Context,
) -> Result<&'c SeasonMoney, AppError> {
    if let Some(money) = ctx.money.get() {
        return Ok(money);
    }
    let window = SeasonWindow {
        from: ctx.last.0,
        split: ctx.season.0,
        to: ctx.season.1,
        today: ctx.today,
        last_today: figures::year_before(ctx.today).unwrap_or(ctx.last.1),
    };
    let money = figures::season_money(tx, ctx.currency, window).await?;
    Ok(ctx.money.get_or_init(|| money))
}

/// This season so far, against the same dates of the last.
pub async fn collected(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let money = season_money(tx, ctx).await?;
    let (this, last) = (money.so_far(true), money.so_far(false));
    let change = (last > 0).then(|| {
        let diff = i128::from(this) - i128::from(last);
        i64::try_from(diff * 100 / i128::from(last)).unwrap_or(0)
    });
    let mut note = ctx.t_with("dashboard-collected-last", &[("amount", ctx.money(last))]);
    if let Some(change) = change {
        note = format!("{note} ({change:+} %)");
    }
    let this_label = ctx.t("dashboard-this-season");
    let last_label = ctx.t("dashboard-last-season-same-dates");
    Ok(
        Widget::figure(ctx, Kind::Collected, ctx.money(this), "money")
            .note(note)
            .values(vec![
                Value::new(this_label, this, ctx.money(this)).of("this"),
                Value::new(last_label, last, ctx.money(last)).of("last"),
            ])
            .live("collected")
            .link("/treasury"),
    )
}

/// Payments received today: their net sum, and how many.
pub async fn today(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let (count, minor) = season_money(tx, ctx).await?.today();
    let note = ctx.t_with("dashboard-payments-count", &[("count", count.to_string())]);
    Ok(
        Widget::figure(ctx, Kind::PaymentsToday, ctx.money(minor), "money")
            .note(note)
            .values(vec![
                Value::new(ctx.t("dashboard-amount"), minor, ctx.money(minor)),
                Value::new(ctx.t("dashboard-payments"), count, count.to_string()),
            ])
            .live("payments_today")
            .link("/treasury/payments"),
    )
}

/// What members owe on their ledger, and how many owe.
pub async fn arrears(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let owed = figures::arrears(tx, ctx.currency).await?;
    let people = owed.people.to_string();
    let note = ctx.t_with("dashboard-arrears-people", &[("count", people.clone())]);
    Ok(
        Widget::figure(ctx, Kind::Arrears, ctx.money(owed.minor), "money")
            .note(note)
            .values(vec![
                Value::new(ctx.t("dashboard-amount"), owed.minor, ctx.money(owed.minor)),
                Value::new(ctx.t("dashboard-members"), owed.people, people),
            ])
            .link("/treasury/members/balances"),
    )
}

/// The twelve months of this season against the last, side by side.
pub async fn months(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let start = ctx.season.0;
    let money = season_money(tx, ctx).await?;
    let (this, last) = (money.monthly(true), money.monthly(false));
    let of = |rows: &[(NaiveDate, i64)], month: Option<NaiveDate>| {
        rows.iter()
            .find(|(m, _)| Some(*m) == month)
            .map_or(0, |(_, v)| *v)
    };
    let (mut groups, mut values, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..12 {
        let month = start.checked_add_months(Months::new(i));
        let (a, b) = (
            of(&this, month),
            of(&last, month.and_then(figures::year_before)),
        );
        let label = month_name(month.map_or(1, |m| m.month()), ctx.locale).to_owned();
        let years = (start.year(), ctx.last.0.year());
        groups.push(Group {
            label: label.clone(),
            values: vec![
                (a, format!("{label} {}: {}", years.0, ctx.money(a))),
                (b, format!("{label} {}: {}", years.1, ctx.money(b))),
            ],
        });
        values.push(Value::new(label.clone(), a, ctx.money(a)).of("this"));
        values.push(Value::new(label.clone(), b, ctx.money(b)).of("last"));
        rows.push(vec![label, ctx.money(a), ctx.money(b)]);
    }
    let total: i64 = this.iter().map(|(_, v)| v).sum();
    let (this_name, last_name) = (
        ctx.t("dashboard-this-season"),
        ctx.t("dashboard-last-season"),
    );
    let mut widget = Widget::chart(
        ctx,
        Kind::CollectedMonths,
        charts::columns(&groups),
        "columns",
        "money",
    )
    .values(values)
    .table(
        vec![
            ctx.t("dashboard-month"),
            this_name.clone(),
            last_name.clone(),
        ],
        rows,
    );
    widget.data.text = ctx.money(total);
    widget.legend = vec![this_name, last_name];
    Ok(widget)
}

/// Money received this season by method, most first.
pub async fn by_method(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let found = season_money(tx, ctx).await?.by_method();
    let (mut groups, mut values, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for (method, payments, minor) in &found {
        let label = ctx.t(&format!("treasury-method-{method}"));
        let amount = ctx.money(*minor);
        groups.push(Group {
            label: label.clone(),
            values: vec![(*minor, format!("{label}: {amount} ({payments})"))],
        });
        values.push(Value::new(label.clone(), *minor, amount.clone()));
        rows.push(vec![label, payments.to_string(), amount]);
    }
    let total: i64 = found.iter().map(|l| l.2).sum();
    let columns = vec![
        ctx.t("dashboard-method"),
        ctx.t("dashboard-payments"),
        ctx.t("dashboard-amount"),
    ];
    let mut widget = Widget::chart(
        ctx,
        Kind::PaymentsByMethod,
        charts::rows(&groups),
        "rows",
        "money",
    )
    .values(values)
    .table(columns, rows)
    .link("/treasury/payments");
    widget.data.text = ctx.money(total);
    Ok(widget)
}

/// Clicks on referral links this season, the sign-ups they brought, and
/// how many of those paid.
pub async fn referrals(tx: &mut TenantTx, ctx: &Context) -> Result<Widget, AppError> {
    let since = ctx.season.0.and_hms_opt(0, 0, 0).unwrap_or_default();
    let funnel = referrals_figures::funnel(tx, Utc.from_utc_datetime(&since)).await?;
    let steps = [
        ("dashboard-clicks", funnel.clicks),
        ("dashboard-sign-ups", funnel.sign_ups),
        ("dashboard-paying", funnel.paying),
    ];
    let (mut groups, mut values, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for (key, count) in steps {
        let label = ctx.t(key);
        groups.push(Group {
            label: label.clone(),
            values: vec![(count, format!("{label}: {count}"))],
        });
        values.push(Value::new(label.clone(), count, count.to_string()));
        rows.push(vec![label, count.to_string()]);
    }
    let rate = crate::charts::percent(funnel.paying, funnel.clicks);
    let mut widget = Widget::chart(ctx, Kind::Referrals, charts::rows(&groups), "rows", "count")
        .values(values)
        .table(
            vec![ctx.t("dashboard-step"), ctx.t("dashboard-count")],
            rows,
        )
        .link("/staff/affiliation/");
    widget.data.text = rate.map_or_else(|| "–".to_owned(), |r| format!("{r} %"));
    widget.data.note = Some(ctx.t("dashboard-referrals-rate"));
    Ok(widget)
}

const MONTHS_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name(month: u32, locale: &str) -> &'static str {
    let names = if locale.starts_with("en") {
        &MONTHS_EN
    } else {
        &MONTHS_FR
    };
    names[usize::try_from(month.clamp(1, 12) - 1).unwrap_or(0)]
}
