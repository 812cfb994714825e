use super::*;

#[test]
fn changes_move_within_bounds() {
    let mut kinds = vec![Kind::ActiveMembers, Kind::Projects];
    assert!(matches!(
        apply(&mut kinds, Kind::Projects, "up"),
        Ok((true, _))
    ));
    assert_eq!(kinds, vec![Kind::Projects, Kind::ActiveMembers]);
    assert!(matches!(
        apply(&mut kinds, Kind::Projects, "up"),
        Ok((false, _))
    ));
    assert!(matches!(
        apply(&mut kinds, Kind::ActiveMembers, "down"),
        Ok((false, _))
    ));
    assert!(matches!(
        apply(&mut kinds, Kind::RecentActivity, "add"),
        Ok((true, _))
    ));
    assert!(matches!(
        apply(&mut kinds, Kind::RecentActivity, "add"),
        Ok((false, _))
    ));
    assert!(matches!(
        apply(&mut kinds, Kind::Projects, "remove"),
        Ok((true, _))
    ));
    assert_eq!(kinds, vec![Kind::ActiveMembers, Kind::RecentActivity]);
    assert!(apply(&mut kinds, Kind::Projects, "explode").is_err());
}
