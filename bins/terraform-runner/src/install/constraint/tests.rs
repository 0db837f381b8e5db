use super::*;

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

fn allows(constraint: &str, version: &str) -> bool {
    Constraint::parse(constraint).unwrap().matches(&v(version))
}

#[test]
fn pessimistic_lets_only_the_last_written_segment_grow() {
    assert!(allows("~> 1.2", "1.2.0"));
    assert!(allows("~> 1.2", "1.9.3"));
    assert!(!allows("~> 1.2", "2.0.0"));
    assert!(!allows("~> 1.2", "1.1.9"));
    assert!(allows("~> 1.2.3", "1.2.9"));
    assert!(!allows("~> 1.2.3", "1.3.0"));
    assert!(allows("~> 1", "3.0.0"));
    assert!(!allows("~> 1", "0.15.5"));
}

#[test]
fn comparisons_and_conjunctions() {
    assert!(allows(">= 1.10", "1.10.0"));
    assert!(!allows(">= 1.10", "1.9.8"));
    assert!(allows(">= 1.10, < 1.12", "1.11.4"));
    assert!(!allows(">= 1.10, < 1.12", "1.12.0"));
    assert!(allows("!= 1.11.0", "1.11.1"));
    assert!(!allows("!=1.11.0", "1.11.0"));
    assert!(allows("> 1.0", "1.0.1"));
    assert!(allows("<= 1.0", "1.0.0"));
}

#[test]
fn a_bare_version_is_exact() {
    let exact = Constraint::parse("1.9.8").unwrap();
    assert_eq!(exact.exact(), Some(&v("1.9.8")));
    assert_eq!(
        Constraint::parse("= v1.9.8").unwrap().exact(),
        Some(&v("1.9.8"))
    );
    assert_eq!(Constraint::parse("1.9").unwrap().exact(), None);
    assert_eq!(Constraint::parse(">= 1.9.8").unwrap().exact(), None);
    assert!(allows("1.9", "1.9.0"));
    assert!(!allows("1.9", "1.9.1"));
}

#[test]
fn pre_releases_match_only_terms_that_name_one() {
    assert!(!allows(">= 1.10", "1.11.0-rc1"));
    assert!(allows("1.11.0-rc1", "1.11.0-rc1"));
    assert!(!allows("~> 1.11.0-rc1", "1.11.0"));
}

#[test]
fn garbage_is_refused_with_the_term() {
    for text in ["latest", ">= one", "1.2.3.4", "", "~>"] {
        let err = Constraint::parse(text).unwrap_err();
        assert!(err.contains("is not a version constraint"), "{text}: {err}");
    }
}

#[test]
fn displays_as_written() {
    let c = Constraint::parse(">=1.10,<2").unwrap();
    assert_eq!(c.to_string(), ">= 1.10, < 2");
    let both = c.and(Constraint::parse("~> 1.11.0").unwrap());
    assert_eq!(both.to_string(), ">= 1.10, < 2, ~> 1.11.0");
}
