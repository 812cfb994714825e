//! The rules' checks, awards and precedence.

use super::*;

fn terms(reward: RewardKind) -> Terms {
    Terms {
        stage: Stage::Sale,
        side: Side::Referrer,
        reward,
        basis_points: None,
        amount_minor: None,
        days: None,
        intro_count: None,
        intro_basis_points: None,
        intro_amount_minor: None,
        max_sales: None,
        cap_minor: None,
    }
}

fn percent(points: i32) -> Terms {
    Terms {
        basis_points: Some(points),
        ..terms(RewardKind::Percent)
    }
}

#[test]
fn a_share_above_the_whole_payment_is_refused() {
    assert!(percent(10_000).validate().is_ok());
    let error = percent(15_000).validate();
    assert!(matches!(
        error,
        Err(Error::Invalid {
            code: "more-than-the-payment",
            ..
        })
    ));
}

#[test]
fn rules_missing_or_mixing_their_numbers_are_refused() {
    assert!(terms(RewardKind::Percent).validate().is_err());
    assert!(terms(RewardKind::Flat).validate().is_err());
    let negative = Terms {
        amount_minor: Some(-5),
        ..terms(RewardKind::Flat)
    };
    assert!(matches!(
        negative.validate(),
        Err(Error::Invalid {
            field: "amount_minor",
            ..
        })
    ));
    let mixed = Terms {
        amount_minor: Some(5),
        ..percent(100)
    };
    assert!(mixed.validate().is_err());
    let lead_share = Terms {
        stage: Stage::Lead,
        ..percent(100)
    };
    assert!(lead_share.validate().is_err());
    let cash_to_referred = Terms {
        side: Side::Referred,
        amount_minor: Some(500),
        ..terms(RewardKind::Flat)
    };
    assert!(cash_to_referred.validate().is_err());
}

#[test]
fn a_share_rounds_down_and_an_intro_rate_comes_first() {
    let rule = Terms {
        intro_count: Some(3),
        intro_basis_points: Some(4000),
        ..percent(2000)
    };
    assert!(rule.validate().is_ok());
    assert_eq!(rule.award(1, 999, 0).map(|a| a.amount_minor), Some(399));
    assert_eq!(rule.award(3, 1000, 0).map(|a| a.amount_minor), Some(400));
    assert_eq!(rule.award(4, 1000, 0).map(|a| a.amount_minor), Some(200));
}

#[test]
fn caps_and_sale_limits_stop_the_reward() {
    let rule = Terms {
        max_sales: Some(2),
        cap_minor: Some(300),
        ..percent(5000)
    };
    assert_eq!(rule.award(1, 400, 0).map(|a| a.amount_minor), Some(200));
    assert_eq!(rule.award(2, 400, 200).map(|a| a.amount_minor), Some(100));
    assert_eq!(rule.award(2, 400, 300), None);
    assert_eq!(rule.award(3, 400, 0), None);
}

#[test]
fn a_flat_sale_reward_never_exceeds_the_payment() {
    let rule = Terms {
        amount_minor: Some(5000),
        ..terms(RewardKind::Flat)
    };
    assert_eq!(rule.award(1, 1200, 0).map(|a| a.amount_minor), Some(1200));
    let days = Terms {
        days: Some(30),
        ..terms(RewardKind::FreeDays)
    };
    assert_eq!(
        days.award(1, 1200, 0),
        Some(Award {
            reward: LineReward::FreeDays,
            amount_minor: 0,
            days: 30
        })
    );
}

#[test]
fn the_most_specific_rule_wins() {
    let rule = |id, group_id, affiliate_id| Rule {
        id,
        group_id,
        affiliate_id,
        terms: percent(1000),
    };
    let rules = vec![
        rule(1, None, None),
        rule(2, Some(7), None),
        rule(3, None, Some(9)),
    ];
    let id = |found: Option<&Rule>| found.map(|rule| rule.id);
    assert_eq!(
        id(pick(&rules, Stage::Sale, Side::Referrer, 9, Some(7))),
        Some(3)
    );
    assert_eq!(
        id(pick(&rules, Stage::Sale, Side::Referrer, 8, Some(7))),
        Some(2)
    );
    assert_eq!(
        id(pick(&rules, Stage::Sale, Side::Referrer, 8, None)),
        Some(1)
    );
    assert_eq!(id(pick(&rules, Stage::Lead, Side::Referrer, 8, None)), None);
}
