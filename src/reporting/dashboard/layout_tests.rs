use super::*;

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn layouts_name_known_allowed_widgets_once() {
    let ok = parse(&ids(&["projects", "active_members"]), Role::Editor);
    assert_eq!(ok, Ok(vec![Kind::Projects, Kind::ActiveMembers]));
    assert_eq!(
        parse(&ids(&["collected"]), Role::Editor),
        Err(Refused::AboveRole("collected".into()))
    );
    assert!(parse(&ids(&["collected"]), Role::Treasurer).is_ok());
    assert_eq!(
        parse(&ids(&["nope"]), Role::Admin),
        Err(Refused::Unknown("nope".into()))
    );
    assert_eq!(
        parse(&ids(&["arrears", "arrears"]), Role::Admin),
        Err(Refused::Twice("arrears".into()))
    );
    assert_eq!(parse(&ids(&["x"; 41]), Role::Admin), Err(Refused::TooMany));
    assert_eq!(parse(&[], Role::Editor), Ok(vec![]));
}
