use super::*;

fn gauge(label: &str, value: i64, goal: i64) -> Gauge {
    Gauge {
        label: label.into(),
        value,
        goal,
        title: format!("{label}: {value}/{goal}"),
        goal_title: format!("goal {goal}"),
    }
}

#[test]
fn gauges_fill_their_share_of_the_track() {
    let chart = gauges(&[gauge("roof", 250, 1000), gauge("van", 5000, 1000)]);
    assert_eq!(chart.bars.len(), 4, "a track and a bar per gauge");
    assert_eq!(chart.bars[0].series, TRACK);
    assert_eq!(chart.bars[0].width, WIDTH);
    assert_eq!(chart.bars[1].width, WIDTH / 4);
    assert_eq!(
        chart.bars[3].width, WIDTH,
        "past the goal: full, not beyond"
    );
    assert!(chart.bars.iter().all(|b| !b.title.is_empty()));
    assert_eq!(chart.labels.len(), 2);
    assert!(chart.bars.iter().all(|b| b.y + b.height <= chart.height));
}

#[test]
fn odd_goals_stay_in_bounds() {
    let chart = gauges(&[
        gauge("a", -5, 10),
        gauge("b", 1, 0),
        gauge("c", i64::MAX, 3),
    ]);
    assert_eq!(chart.bars[1].width, 0);
    assert_eq!(chart.bars[3].width, 0, "no goal, nothing filled");
    assert_eq!(chart.bars[5].width, WIDTH);
    assert_eq!(gauges(&[]).height, ROW);
}

#[test]
fn percents_round() {
    assert_eq!(percent(1, 3), Some(33));
    assert_eq!(percent(2, 3), Some(67));
    assert_eq!(percent(3000, 1000), Some(300));
    assert_eq!(percent(5, 0), None);
}
