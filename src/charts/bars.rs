//! Bar charts: this module computes the geometry
//! (integer coordinates in a fixed `viewBox`), the template writes the
//! `<svg>` with a `<title>` on every bar and text labels, so the chart needs
//! no JavaScript, scales to the screen, and every value is readable by
//! screen readers (each chart also has its table of values).

use serde::Serialize;

/// One bar: where it is, and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// The series: `0` this season, `1` last season (CSS class suffix).
    pub series: usize,
    /// Said by screen readers and shown on hover: "Sept. 2026: 1 234,50 €".
    pub title: String,
}

/// A label under (or over) a group of bars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub x: i64,
    pub y: i64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chart {
    pub width: i64,
    pub height: i64,
    pub bars: Vec<Bar>,
    pub labels: Vec<Label>,
    /// The base line (y of zero for columns).
    pub axis: i64,
}

/// One group of the chart: its label, and one value per series (with
/// the text saying it).
#[derive(Debug, Clone)]
pub struct Group {
    pub label: String,
    pub values: Vec<(i64, String)>,
}

const COLUMNS_WIDTH: i64 = 480;
const COLUMNS_HEIGHT: i64 = 240;
/// Room for the month names under the bars.
const LABEL_ROOM: i64 = 28;
const TOP_ROOM: i64 = 8;

/// Vertical bars, side by side in each group (months of this season and
/// the last). Negative values count as zero (a month of refunds only).
pub fn columns(groups: &[Group]) -> Chart {
    let max = max_value(groups);
    let count = i64::try_from(groups.len()).unwrap_or(1).max(1);
    let slot = COLUMNS_WIDTH / count;
    let series = groups
        .iter()
        .map(|g| g.values.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let series_n = i64::try_from(series).unwrap_or(1);
    let bar_width = ((slot - 6) / series_n).max(1);
    let axis = COLUMNS_HEIGHT - LABEL_ROOM;
    let room = axis - TOP_ROOM;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, group) in (0_i64..).zip(groups) {
        let left = i * slot + 3;
        for (s, (value, title)) in group.values.iter().enumerate() {
            let height = scaled(*value, max, room);
            bars.push(Bar {
                x: left + i64::try_from(s).unwrap_or(0) * bar_width,
                y: axis - height,
                width: bar_width,
                height,
                series: s,
                title: title.clone(),
            });
        }
        labels.push(Label {
            x: i * slot + slot / 2,
            y: COLUMNS_HEIGHT - 8,
            text: group.label.clone(),
        });
    }
    Chart {
        width: COLUMNS_WIDTH,
        height: COLUMNS_HEIGHT,
        bars,
        labels,
        axis,
    }
}

const ROWS_WIDTH: i64 = 480;
const ROW_HEIGHT: i64 = 44;
const ROW_BAR: i64 = 16;

/// Horizontal bars, one row per group, the label written over its bar
/// (names of any length stay readable on a phone).
pub fn rows(groups: &[Group]) -> Chart {
    let max = max_value(groups);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, group) in (0_i64..).zip(groups) {
        let top = i * ROW_HEIGHT;
        labels.push(Label {
            x: 0,
            y: top + 16,
            text: group.label.clone(),
        });
        if let Some((value, title)) = group.values.first() {
            bars.push(Bar {
                x: 0,
                y: top + 22,
                width: scaled(*value, max, ROWS_WIDTH).max(1),
                height: ROW_BAR,
                series: 0,
                title: title.clone(),
            });
        }
    }
    let n = i64::try_from(groups.len()).unwrap_or(0);
    Chart {
        width: ROWS_WIDTH,
        height: (n * ROW_HEIGHT).max(ROW_HEIGHT),
        bars,
        labels,
        axis: 0,
    }
}

fn max_value(groups: &[Group]) -> i64 {
    groups
        .iter()
        .flat_map(|g| g.values.iter().map(|(v, _)| *v))
        .max()
        .unwrap_or(0)
        .max(1)
}

/// `value` of `max` in `room` units (rounded; within 0..=room).
fn scaled(value: i64, max: i64, room: i64) -> i64 {
    let value = i128::from(value.clamp(0, max));
    let scaled = (value * i128::from(room) + i128::from(max) / 2) / i128::from(max.max(1));
    i64::try_from(scaled).unwrap_or(room).clamp(0, room)
}

#[cfg(test)]
#[path = "bars_tests.rs"]
mod tests;
