//! What a computed widget holds. [`WidgetData`] is what the API returns
//! (numbers and the text people read); [`Widget`] adds, for pages, the
//! chart's geometry. Every chart comes with its table of the same values.

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use fluent_bundle::{FluentArgs, FluentValue};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Role;
use crate::charts::Chart;
use crate::contributions::figures::SeasonMoney;
use crate::model::{Amount, Currency};
use crate::themes::env::ThemeEnv;

/// Who reads, in which language, and the season the figures are about.
pub struct Context {
    pub role: Role,
    pub locale: &'static str,
    pub today: NaiveDate,
    pub currency: Currency,
    /// This season's first and last days.
    pub season: (NaiveDate, NaiveDate),
    /// The season before.
    pub last: (NaiveDate, NaiveDate),
    pub env: Arc<ThemeEnv>,
    /// The season's money, read once by the first money widget shown.
    pub money: OnceLock<SeasonMoney>,
}

impl Context {
    pub fn t(&self, key: &str) -> String {
        self.env.catalog.text(self.locale, key, None)
    }

    /// `key` with named string arguments.
    pub fn t_with(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, FluentValue::from(value.clone()));
        }
        self.env.catalog.text(self.locale, key, Some(&fluent))
    }

    /// Minor units of the association's currency, as people read them.
    pub fn money(&self, minor: i64) -> String {
        self.money_in(minor, self.currency)
    }

    pub fn money_in(&self, minor: i64, currency: Currency) -> String {
        Amount::new(minor, currency).map_or_else(|| minor.to_string(), |a| a.format(self.locale))
    }

    pub fn sees_money(&self) -> bool {
        self.role >= Role::Treasurer
    }
}

/// One value of a widget: a number and how it reads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Value {
    pub label: String,
    /// Minor units for money, else a count or a percent.
    pub value: i64,
    pub text: String,
    /// For charts of several series: `this` or `last` season, or `goal`.
    pub series: Option<String>,
}

impl Value {
    pub fn new(label: impl Into<String>, value: i64, text: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value,
            text: text.into(),
            series: None,
        }
    }

    pub fn of(mut self, series: &str) -> Self {
        self.series = Some(series.to_owned());
        self
    }
}

/// The table behind a chart: column heads, then rows whose first cell is
/// the row's head.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One line of the recent activity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedLine {
    /// `sign_up`, `membership` or `payment`.
    pub kind: String,
    /// RFC 3339.
    pub at: String,
    pub text: String,
}

/// A widget's content, as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WidgetData {
    /// The kind's stable id (`collected`, `members_by_plan` …).
    pub id: String,
    pub title: String,
    /// `figure` (a number and a comparison), `chart` or `feed`.
    pub display: String,
    /// The figure, or a one-line summary of the chart.
    pub text: String,
    pub note: Option<String>,
    /// `money` (minor units of `currency`), `count` or `percent`.
    pub unit: String,
    pub currency: Option<String>,
    pub values: Vec<Value>,
    pub table: Table,
    pub feed: Vec<FeedLine>,
}

/// A widget for a page: its data, and its chart when it draws one.
#[derive(Debug, Clone, Serialize)]
pub struct Widget {
    #[serde(flatten)]
    pub data: WidgetData,
    pub chart: Option<Chart>,
    /// `columns`, `rows` or `gauges` (how the template lays out labels).
    pub chart_kind: &'static str,
    /// Series names of a chart of several, in order (its legend).
    pub legend: Vec<String>,
    /// The name of the figure live updates replace (`collected` …).
    pub live: Option<&'static str>,
    /// A page with more.
    pub link: Option<&'static str>,
}

impl Widget {
    /// A widget of `id` showing `text`.
    pub fn figure(ctx: &Context, kind: super::Kind, text: String, unit: &str) -> Self {
        Self {
            data: WidgetData {
                id: kind.id().to_owned(),
                title: ctx.t(&kind.title_key()),
                display: "figure".to_owned(),
                text,
                note: None,
                currency: (unit == "money").then(|| ctx.currency.code().to_owned()),
                unit: unit.to_owned(),
                values: Vec::new(),
                table: Table::default(),
                feed: Vec::new(),
            },
            chart: None,
            chart_kind: "",
            legend: Vec::new(),
            live: None,
            link: None,
        }
    }

    /// A chart of `id`, drawn as `chart_kind`.
    pub fn chart(
        ctx: &Context,
        kind: super::Kind,
        chart: Chart,
        chart_kind: &'static str,
        unit: &str,
    ) -> Self {
        let mut widget = Self::figure(ctx, kind, String::new(), unit);
        widget.data.display = "chart".to_owned();
        widget.chart = Some(chart);
        widget.chart_kind = chart_kind;
        widget
    }

    pub fn note(mut self, note: String) -> Self {
        self.data.note = Some(note);
        self
    }

    pub fn values(mut self, values: Vec<Value>) -> Self {
        self.data.values = values;
        self
    }

    pub fn table(mut self, columns: Vec<String>, rows: Vec<Vec<String>>) -> Self {
        self.data.table = Table { columns, rows };
        self
    }

    pub fn live(mut self, name: &'static str) -> Self {
        self.live = Some(name);
        self
    }

    pub fn link(mut self, to: &'static str) -> Self {
        self.link = Some(to);
        self
    }
}
