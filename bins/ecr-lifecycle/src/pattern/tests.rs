//! Matchers and glob overlap (the glob itself is tested in portfolio-core).

use proptest::prelude::*;

use super::*;

#[test]
fn prefix_is_starts_with() {
    let v = Matcher::Prefix("v".into());
    assert!(v.matches("v1.0.0"));
    assert!(v.matches("v"));
    assert!(!v.matches("latest"));
    assert_eq!(v.as_glob(), "v*");
}

#[test]
fn overlap_cases() {
    for (a, b, expected) in [
        ("v*", "v1*", true),
        ("v*", "prod*", false),
        ("*-cache", "build*", true),
        ("latest", "latest", true),
        ("latest", "lat*", true),
        ("latest", "main", false),
        ("*a", "*b", false),
        ("a*", "*b", true),
    ] {
        assert_eq!(overlap(a, b), expected, "{a} vs {b}");
        assert_eq!(overlap(b, a), expected, "{b} vs {a}");
    }
}

proptest! {
    /// A glob whose literal parts come from the text always matches it.
    #[test]
    fn glob_built_from_text_matches(text in "[a-z0-9.-]{0,12}", cuts in proptest::collection::vec(0usize..12, 0..4)) {
        let mut cuts: Vec<usize> = cuts.into_iter().filter(|c| *c <= text.len()).collect();
        cuts.sort_unstable();
        cuts.dedup();
        // Replace the characters between consecutive cuts with '*'.
        let mut pattern = String::new();
        let mut last = 0;
        for pair in cuts.chunks(2) {
            if let [start, end] = pair {
                pattern.push_str(&text[last..*start]);
                pattern.push('*');
                last = *end;
            }
        }
        pattern.push_str(&text[last..]);
        prop_assert!(tag_glob::matches(&pattern, &text), "{} vs {}", pattern, text);
    }

    /// When a tag matches both globs, they overlap.
    #[test]
    fn common_match_implies_overlap(tag in "[ab]{0,6}", a in "[ab*]{0,4}", b in "[ab*]{0,4}") {
        if tag_glob::matches(&a, &tag) && tag_glob::matches(&b, &tag) {
            prop_assert!(overlap(&a, &b));
        }
    }
}
