use super::*;

fn group(label: &str, values: &[i64]) -> Group {
    Group {
        label: label.into(),
        values: values.iter().map(|v| (*v, v.to_string())).collect(),
    }
}

#[test]
fn columns_fit_and_scale() {
    let chart = columns(&[group("sept.", &[100, 50]), group("oct.", &[0, -20])]);
    assert_eq!(chart.bars.len(), 4);
    let tallest = chart.bars.iter().map(|b| b.height).max();
    assert_eq!(
        tallest,
        Some(chart.axis - TOP_ROOM),
        "the largest fills the room"
    );
    assert_eq!(chart.bars[1].height * 2, chart.bars[0].height);
    assert_eq!(chart.bars[3].height, 0, "negative months draw nothing");
    for bar in &chart.bars {
        assert!(bar.x >= 0 && bar.x + bar.width <= chart.width);
        assert!(bar.y >= 0 && bar.y + bar.height <= chart.axis);
    }
}

#[test]
fn extreme_values_do_not_overflow() {
    let chart = rows(&[group("a", &[i64::MAX]), group("b", &[1]), group("c", &[0])]);
    assert_eq!(chart.bars[0].width, ROWS_WIDTH);
    assert_eq!(chart.bars[2].width, 1, "an empty row still shows a line");
    assert!(columns(&[]).bars.is_empty());
}
