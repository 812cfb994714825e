use super::*;

#[test]
fn ids_are_unique_and_parse_back() {
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.id()), Some(*kind));
        assert_eq!(Kind::ALL.iter().filter(|k| k.id() == kind.id()).count(), 1);
    }
    assert_eq!(Kind::parse("nope"), None);
    assert_eq!(
        Kind::MembersByTown.title_key(),
        "dashboard-widget-members-by-town"
    );
}

#[test]
fn editors_never_get_money() {
    let editor = catalogue(Role::Editor);
    assert!(!editor.is_empty());
    assert!(editor.iter().all(|k| k.min_role() == Role::Editor));
    assert!(!editor.contains(&Kind::Collected));
    assert!(catalogue(Role::Member).is_empty());
    assert_eq!(catalogue(Role::Admin).len(), Kind::ALL.len());
}

#[test]
fn defaults_stay_within_the_role() {
    for role in Role::ALL {
        let layout = default_layout(role);
        assert!(layout.iter().all(|k| k.allowed(role)), "{role}");
    }
    assert!(default_layout(Role::Treasurer).contains(&Kind::Collected));
}
