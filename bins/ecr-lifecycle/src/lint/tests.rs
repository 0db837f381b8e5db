//! Each trap the linter knows, and a clean policy.

use std::path::Path;

use super::*;

fn lint_text(json: &str) -> Vec<Warning> {
    lint(&Policy::parse(json, Path::new("p.json")).unwrap())
}

fn rule(priority: u32, selection: &str) -> String {
    format!(
        r#"{{"rulePriority":{priority},"selection":{{{selection}}},"action":{{"type":"expire"}}}}"#
    )
}

fn policy(rules: &[String]) -> String {
    format!(r#"{{"rules":[{}]}}"#, rules.join(","))
}

#[test]
fn traps() {
    let keep = r#""countType":"imageCountMoreThan","countNumber":5"#;
    let cases: Vec<(String, u32, &str, &str)> = vec![
        (
            policy(&[rule(
                1,
                &format!(r#""tagStatus":"tagged","tagPrefixList":["main","latest"],{keep}"#),
            )]),
            1,
            "selection.tagPrefixList",
            "AND",
        ),
        (
            policy(&[rule(
                1,
                &format!(r#""tagStatus":"tagged","tagPatternList":["prod"],{keep}"#),
            )]),
            1,
            "selection.tagPatternList",
            "no '*'",
        ),
        (
            policy(&[
                rule(
                    1,
                    &format!(r#""tagStatus":"tagged","tagPrefixList":["v"],{keep}"#),
                ),
                rule(
                    2,
                    &format!(r#""tagStatus":"tagged","tagPatternList":["v1*"],{keep}"#),
                ),
            ]),
            2,
            "selection.countNumber",
            "kept slots",
        ),
        (
            policy(&[
                rule(1, &format!(r#""tagStatus":"untagged",{keep}"#)),
                rule(2, &format!(r#""tagStatus":"any",{keep}"#)),
            ]),
            2,
            "selection.countNumber",
            "kept slots",
        ),
        (
            policy(&[rule(
                1,
                &format!(r#""tagStatus":"tagged","tagPatternList":["*cache*"],{keep}"#),
            )]),
            1,
            "selection",
            "cache",
        ),
        (
            policy(&[rule(
                1,
                &format!(r#""tagStatus":"tagged","tagPatternList":["sha256-*"],{keep}"#),
            )]),
            1,
            "selection",
            "signature",
        ),
        (
            policy(&[rule(1, &format!(r#""tagStatus":"any",{keep}"#))]),
            1,
            "selection",
            "cache",
        ),
        (
            format!(
                r#"{{"rules":[{{"rulePriority":1,"selection":{{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":30}},"action":{{"type":"transition","targetStorageClass":"archive"}}}},{}]}}"#,
                rule(
                    2,
                    r#""tagStatus":"untagged","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":9"#
                )
            ),
            1,
            "selection.tagStatus",
            "not the last rule",
        ),
    ];
    for (text, priority, field, word) in cases {
        let warnings = lint_text(&text);
        assert!(
            warnings.iter().any(|w| w.rule_priority == priority
                && w.field == field
                && w.message.contains(word)),
            "expected {field} / {word} for rule {priority} in {warnings:#?}\n{text}"
        );
    }
}

#[test]
fn disjoint_rules_and_the_default_policy_are_clean() {
    let keep = r#""countType":"imageCountMoreThan","countNumber":5"#;
    let text = policy(&[
        rule(
            1,
            &format!(r#""tagStatus":"tagged","tagPrefixList":["prod"],{keep}"#),
        ),
        rule(
            2,
            &format!(r#""tagStatus":"tagged","tagPrefixList":["v"],{keep}"#),
        ),
        rule(3, &format!(r#""tagStatus":"untagged",{keep}"#)),
    ]);
    assert_eq!(lint_text(&text), []);
    assert_eq!(lint(&Policy::default_policy().unwrap()), []);
}
