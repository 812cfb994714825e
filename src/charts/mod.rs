//! Charts drawn on the server, for any page that shows figures (the
//! treasurer's season dashboard, the staff's dashboards of widgets). This
//! module only computes geometry: integer coordinates in a fixed
//! `viewBox`, and the text each mark says. Templates write the `<svg>`
//! with a `<title>` on every mark, so a chart needs no JavaScript, scales
//! to the screen, and every value is readable by screen readers (pages
//! also give each chart its table of values).
//!
//! - [`columns`]: vertical bars side by side (months, two seasons);
//! - [`rows`]: horizontal bars, one per group (plans, towns, methods);
//! - [`gauges`]: progress bars against a goal (projects).

mod bars;
mod gauge;

pub use bars::{Bar, Chart, Group, Label, columns, rows};
pub use gauge::{Gauge, gauges, percent};
