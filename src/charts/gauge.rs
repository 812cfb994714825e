//! Progress bars: how far a value is towards its goal, one row each, a
//! light track for the goal and a filled bar for the value (capped at the
//! track: a project past its goal shows a full bar, its title says more).

use super::bars::{Bar, Chart, Label};

/// One gauge's input: `value` of `goal` (same unit), and what the two
/// marks say.
#[derive(Debug, Clone)]
pub struct Gauge {
    pub label: String,
    pub value: i64,
    pub goal: i64,
    /// Said by the filled bar: "Roof: 1 200 € of 3 000 € (40 %)".
    pub title: String,
    /// Said by the track: "Goal: 3 000 €".
    pub goal_title: String,
}

const WIDTH: i64 = 480;
const ROW: i64 = 44;
const BAR: i64 = 16;
/// The series (CSS class `chart__bar--2`) of the tracks.
pub const TRACK: usize = 2;

/// One row per gauge: its label, its track, and its filled part.
pub fn gauges(items: &[Gauge]) -> Chart {
    let mut bars = Vec::with_capacity(items.len() * 2);
    let mut labels = Vec::with_capacity(items.len());
    for (i, item) in (0_i64..).zip(items) {
        let top = i * ROW;
        labels.push(Label {
            x: 0,
            y: top + 16,
            text: item.label.clone(),
        });
        bars.push(Bar {
            x: 0,
            y: top + 22,
            width: WIDTH,
            height: BAR,
            series: TRACK,
            title: item.goal_title.clone(),
        });
        bars.push(Bar {
            x: 0,
            y: top + 22,
            width: filled(item.value, item.goal),
            height: BAR,
            series: 0,
            title: item.title.clone(),
        });
    }
    let n = i64::try_from(items.len()).unwrap_or(0);
    Chart {
        width: WIDTH,
        height: (n * ROW).max(ROW),
        bars,
        labels,
        axis: 0,
    }
}

/// The filled width: `value / goal` of the track, within `0..=WIDTH`.
fn filled(value: i64, goal: i64) -> i64 {
    if goal <= 0 {
        return 0;
    }
    let value = i128::from(value.clamp(0, goal));
    let width = (value * i128::from(WIDTH) + i128::from(goal) / 2) / i128::from(goal);
    i64::try_from(width).unwrap_or(WIDTH).clamp(0, WIDTH)
}

/// Whole percent of `goal` reached (rounded, may pass 100), `None`
/// without a goal.
pub fn percent(value: i64, goal: i64) -> Option<i64> {
    (goal > 0).then(|| {
        let p = (i128::from(value.max(0)) * 100 + i128::from(goal) / 2) / i128::from(goal);
        i64::try_from(p).unwrap_or(i64::MAX)
    })
}

#[cfg(test)]
#[path = "gauge_tests.rs"]
mod tests;
