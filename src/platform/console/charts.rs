//! Small bar charts drawn as inline SVG on the server: no script, readable
//! at 360 px (the drawing scales to its container), with a text
//! alternative for screen readers.

use std::fmt::Write;

const WIDTH: i64 = 600;
const HEIGHT: i64 = 160;
const BASELINE: i64 = 130;
const TOP: i64 = 12;

/// Bars for `points` (label, value), labelled `title`. Values below zero
/// are drawn as zero.
pub fn bars(title: &str, points: &[(String, i64)]) -> String {
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let count = i64::try_from(points.len()).unwrap_or(1).max(1);
    let slot = WIDTH / count;
    let bar = (slot * 7 / 10).max(2);
    let summary = points
        .iter()
        .map(|(label, value)| format!("{label}: {value}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\" \
         preserveAspectRatio=\"none\"><title>{}</title>",
        escape(&format!("{title} — {summary}")),
        escape(title)
    );
    for (i, (label, value)) in points.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let height = (value.max(&0) * (BASELINE - TOP)) / max;
        let x = i * slot + (slot - bar) / 2;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{height}\" rx=\"3\">\
             <title>{}: {value}</title></rect>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            BASELINE - height,
            escape(label),
            x + bar / 2,
            HEIGHT - 12,
            escape(short(label)),
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"0\" y1=\"{BASELINE}\" x2=\"{WIDTH}\" y2=\"{BASELINE}\"/>\
         <text x=\"{WIDTH}\" y=\"10\" text-anchor=\"end\" class=\"chart__max\">{max}</text></svg>"
    );
    svg
}

/// `2026-11` → `11`: months fit under their bars on a phone.
fn short(label: &str) -> &str {
    label.rsplit('-').next().unwrap_or(label)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_say_what_they_show() {
        let points = vec![("2026-10".to_owned(), 2), ("2026-11".to_owned(), 4)];
        let svg = bars("Tenants <created>", &points);
        assert!(svg.contains("height=\"59\""), "{svg}");
        assert!(svg.contains("height=\"118\""), "{svg}");
        assert!(svg.contains("aria-label=\"Tenants &lt;created&gt; — 2026-10: 2, 2026-11: 4\""));
        assert!(!svg.contains("<created>"));
        assert_eq!(bars("empty", &[]).matches("<rect").count(), 0);
    }
}
