//! Validation as ECR does it: every invalid shape is rejected with the rule
//! and the field named; valid documents round-trip to canonical JSON.

use std::path::Path;

use super::*;

fn rule(selection: &str, action: &str) -> String {
    format!(r#"{{"rulePriority":1,"selection":{selection},"action":{action}}}"#)
}

fn policy(rules: &[String]) -> String {
    format!(r#"{{"rules":[{}]}}"#, rules.join(","))
}

fn check(text: &str) -> Result<Policy, InvalidInput> {
    Policy::parse(text, Path::new("policy.json"))
}

const EXPIRE: &str = r#"{"type":"expire"}"#;

#[test]
fn default_policy_is_the_spec_policy() {
    let policy = Policy::default_policy().unwrap();
    assert_eq!(policy.rules.len(), 2);
    assert_eq!(
        policy.rules[0].filter,
        TagFilter::Tagged(vec![Matcher::Prefix("v".into())])
    );
    assert_eq!(policy.rules[0].count, Count::MoreThan(10));
    assert_eq!(policy.rules[1].filter, TagFilter::Untagged);
    assert_eq!(policy.rules[1].count, Count::SincePushed(7));
    assert_eq!(policy.canonical_text(), DEFAULT_POLICY);
}

#[test]
fn aws_documented_policies_are_valid() {
    for text in [
        // Filtering on image age.
        r#"{"rules":[{"rulePriority":1,"description":"Expire images older than 14 days","selection":{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#,
        // Filtering on image count.
        r#"{"rules":[{"rulePriority":1,"description":"Keep only one untagged image, expire all others","selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#,
        // Multiple rules.
        r#"{"rules":[{"rulePriority":1,"description":"Rule 1","selection":{"tagStatus":"tagged","tagPatternList":["prod*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"description":"Rule 2","selection":{"tagStatus":"tagged","tagPatternList":["beta*"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}"#,
        // Archive: transition after 30 days without a pull, expire 365 days after archiving.
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}},{"rulePriority":2,"selection":{"tagStatus":"any","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":365},"action":{"type":"expire"}}]}"#,
        // Gaps in priorities are fine; any last.
        r#"{"rules":[{"rulePriority":10,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}},{"rulePriority":50,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}]}"#,
    ] {
        check(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    }
}

#[test]
fn yaml_policies_parse() {
    let yaml = "rules:\n  - rulePriority: 1\n    selection:\n      tagStatus: untagged\n      countType: sinceImagePushed\n      countUnit: days\n      countNumber: 7\n    action:\n      type: expire\n";
    let policy = Policy::parse(yaml, Path::new("policy.yaml")).unwrap();
    assert_eq!(policy.rules[0].count, Count::SincePushed(7));
    // Layout and key order do not matter to the canonical text.
    let json = r#"{"rules":[{"action":{"type":"expire"},"selection":{"countNumber":7,"countUnit":"days","countType":"sinceImagePushed","tagStatus":"untagged"},"rulePriority":1}]}"#;
    assert_eq!(
        check(json).unwrap().canonical_text(),
        policy.canonical_text()
    );
}

/// Each invalid document, the field the error must name, and a word of the reason.
#[test]
fn invalid_policies_name_rule_and_field() {
    let tagged = |list: &str| {
        rule(
            &format!(
                r#"{{"tagStatus":"tagged",{list}"countType":"imageCountMoreThan","countNumber":1}}"#
            ),
            EXPIRE,
        )
    };
    let since = |extra: &str| {
        rule(
            &format!(
                r#"{{"tagStatus":"untagged","countType":"sinceImagePushed",{extra}"countNumber":1}}"#
            ),
            EXPIRE,
        )
    };
    let second = |priority: i64, status: &str| {
        format!(
            r#"{{"rulePriority":{priority},"selection":{{"tagStatus":"{status}","countType":"imageCountMoreThan","countNumber":1}},"action":{{"type":"expire"}}}}"#
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (r#"{"rules":[]}"#.into(), "rules", "at least one"),
        (
            policy(&[tagged(r#""tagPrefixList":["v"],"tagPatternList":["v*"],"#)]),
            "rules[0] (rulePriority 1).selection.tagPrefixList",
            "not both",
        ),
        (
            policy(&[tagged("")]),
            "rules[0] (rulePriority 1).selection.tagPatternList",
            "needs",
        ),
        (
            policy(&[tagged(r#""tagPatternList":[],"#)]),
            "selection.tagPatternList",
            "empty",
        ),
        (
            policy(&[tagged(r#""tagPatternList":["a*b*c*d*e*f"],"#)]),
            "selection.tagPatternList",
            "wildcards",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":1}"#,
                EXPIRE,
            )]),
            "selection.tagPrefixList",
            "only allowed with tagStatus tagged",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"any","tagPatternList":["v*"],"countType":"imageCountMoreThan","countNumber":1}"#,
                EXPIRE,
            )]),
            "selection.tagPatternList",
            "only allowed",
        ),
        (
            policy(&[since("")]),
            "rules[0] (rulePriority 1).selection.countUnit",
            "required",
        ),
        (
            policy(&[since(r#""countUnit":"weeks","#)]),
            "selection.countUnit",
            "days",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"imageCountMoreThan","countUnit":"days","countNumber":1}"#,
                EXPIRE,
            )]),
            "selection.countUnit",
            "not allowed",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":0}"#,
                EXPIRE,
            )]),
            "selection.countNumber",
            ">= 1",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1.5}"#,
                EXPIRE,
            )]),
            "rules[0].selection.countNumber",
            "invalid type",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"some","countType":"imageCountMoreThan","countNumber":1}"#,
                EXPIRE,
            )]),
            "rules[0].selection.tagStatus",
            "unknown variant",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1}"#,
                r#"{"type":"delete"}"#,
            )]),
            "rules[0].action.type",
            "unknown variant",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1,"extra":1}"#,
                EXPIRE,
            )]),
            "rules[0].selection.extra",
            "unknown field",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1}"#,
                r#"{"type":"transition"}"#,
            )]),
            "action.targetStorageClass",
            "required",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1}"#,
                r#"{"type":"expire","targetStorageClass":"archive"}"#,
            )]),
            "action.targetStorageClass",
            "only allowed",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"sinceImagePulled","countUnit":"days","countNumber":1}"#,
                EXPIRE,
            )]),
            "action.type",
            "transition",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":1}"#,
                r#"{"type":"transition","targetStorageClass":"archive"}"#,
            )]),
            "action.type",
            "expire",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","countType":"sinceImageTransitioned","countUnit":"days","countNumber":1}"#,
                EXPIRE,
            )]),
            "selection.storageClass",
            "must be \"archive\"",
        ),
        (
            policy(&[rule(
                r#"{"tagStatus":"untagged","storageClass":"archive","countType":"sinceImagePushed","countUnit":"days","countNumber":1}"#,
                EXPIRE,
            )]),
            "selection.storageClass",
            "only allowed",
        ),
        (
            policy(&[second(1, "untagged"), second(1, "any")]),
            "rules[1] (rulePriority 1).rulePriority",
            "unique",
        ),
        (policy(&[second(0, "untagged")]), "rulePriority", "positive"),
        (
            policy(&[second(1, "any"), second(2, "untagged")]),
            "rules[0] (rulePriority 1).selection.tagStatus",
            "highest rulePriority",
        ),
        (
            policy(&[second(1, "untagged"), second(2, "untagged")]),
            "rules[1] (rulePriority 2).selection.tagStatus",
            "only one rule",
        ),
        (
            format!(
                r#"{{"rules":[{}]}}"#,
                tagged(&format!(r#""tagPrefixList":["{}"],"#, "x".repeat(31_000)))
            ),
            ".",
            "at most 30720",
        ),
        ("{not json".into(), ".", "not valid JSON"),
    ];
    for (text, field, reason) in cases {
        let err = check(&text).expect_err(&text);
        assert!(
            err.field.contains(field),
            "field {:?} should contain {field:?} ({err})",
            err.field
        );
        assert!(
            err.reason.contains(reason),
            "reason {:?} should contain {reason:?}",
            err.reason
        );
        assert_eq!(err.source.as_deref(), Some(Path::new("policy.json")));
    }
}

#[test]
fn any_last_within_its_storage_class_is_valid() {
    // `any` for standard images, then an archive rule: valid per storage class.
    let text = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":30},"action":{"type":"transition","targetStorageClass":"archive"}},{"rulePriority":2,"selection":{"tagStatus":"untagged","storageClass":"archive","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90},"action":{"type":"expire"}}]}"#;
    assert!(check(text).is_ok());
}
