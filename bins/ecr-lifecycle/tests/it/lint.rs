//! `lint`: invalid policies exit 2 naming the file, rule and field; traps
//! are warnings; --strict turns them into exit 3.

use crate::harness::{run, write};

#[test]
fn invalid_policy_exits_2_naming_rule_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "policy.yaml",
        "rules:\n  - rulePriority: 1\n    selection: {tagStatus: tagged, tagPrefixList: [v], countType: imageCountMoreThan, countNumber: 3}\n    action: {type: expire}\n  - rulePriority: 2\n    selection: {tagStatus: untagged, countType: sinceImagePushed, countNumber: 7}\n    action: {type: expire}\n",
    );
    let out = run(
        dir.path(),
        &[],
        &["lint", "--policy", policy.to_str().unwrap()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("policy.yaml"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("rules[1] (rulePriority 2).selection.countUnit"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("\"days\""), "{}", out.stderr);
}

#[test]
fn unknown_field_and_bad_enum_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":3},"action":{"type":"delete"}}]}"#,
    );
    let out = run(
        dir.path(),
        &[],
        &["lint", "--policy", policy.to_str().unwrap()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("rules[0].action.type"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("expire"), "{}", out.stderr);
}

#[test]
fn traps_are_warnings_and_strict_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        dir.path(),
        "p.json",
        r#"{"rules":[
          {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["main","latest"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},
          {"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"sinceImagePushed","countUnit":"days","countNumber":90},"action":{"type":"expire"}},
          {"rulePriority":3,"selection":{"tagStatus":"tagged","tagPrefixList":["v1"],"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}},
          {"rulePriority":4,"selection":{"tagStatus":"tagged","tagPatternList":["*"],"countType":"sinceImagePushed","countUnit":"days","countNumber":30},"action":{"type":"expire"}}
        ]}"#,
    );
    let path = policy.to_str().unwrap();
    let out = run(dir.path(), &[], &["lint", "--policy", path, "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = out.json();
    let warnings = json["warnings"].as_array().unwrap();
    let about = |priority: u64, word: &str| {
        warnings
            .iter()
            .any(|w| w["rulePriority"] == priority && w["message"].as_str().unwrap().contains(word))
    };
    assert!(about(1, "AND"), "{json}");
    assert!(about(3, "kept slots"), "{json}");
    assert!(about(4, "cache"), "{json}");
    assert!(!about(2, "AND"), "{json}");

    let strict = run(dir.path(), &[], &["lint", "--policy", path, "--strict"]);
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    assert!(
        strict.stderr.contains("warning: rule 1"),
        "{}",
        strict.stderr
    );
}

#[test]
fn the_default_policy_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[], &["lint", "--strict", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["rules"], 2);
}
