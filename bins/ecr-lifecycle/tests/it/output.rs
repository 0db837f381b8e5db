//! What users read, as whole outputs: every `--help`, the job summary and
//! the human lines of an offline preview (insta snapshots, reviewed as
//! diffs); and errors in input files that reach the `::error file=..,line=..::`
//! annotation: portfolio-ci.yaml, a policy file, a truncated snapshot.

use std::path::{Path, PathBuf};

use crate::harness::{run, write};

/// The fixed describe-images output the snapshots are taken on.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/images.json")
}

/// Copies the fixture into `dir` as `images.json` (so that outputs name a
/// relative file, not a temporary path).
fn snapshot_in(dir: &Path) {
    std::fs::copy(fixture(), dir.join("images.json")).unwrap();
}

#[test]
fn every_help_is_as_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("help", vec!["--help"]),
        ("lint_help", vec!["lint", "--help"]),
        ("apply_help", vec!["apply", "--help"]),
        ("preview_help", vec!["preview", "--help"]),
        ("enforce_help", vec!["enforce", "--help"]),
    ] {
        let out = run(dir.path(), &[], &args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        insta::assert_snapshot!(name, out.stdout);
    }
}

#[test]
fn offline_preview_summary_and_lines_are_as_reviewed() {
    let dir = tempfile::tempdir().unwrap();
    snapshot_in(dir.path());
    let output = dir.path().join("output");
    let summary = dir.path().join("summary");
    let env = [
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_OUTPUT", output.display().to_string()),
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
    ];
    let args = [
        "preview",
        "--images-json",
        "images.json",
        "--now",
        "2025-06-01T00:00:00Z",
    ];
    let out = run(dir.path(), &env, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(
        "preview_summary",
        std::fs::read_to_string(&summary).unwrap()
    );
    insta::assert_snapshot!("preview_lines", out.stderr);
    // --json adds the JSON on stdout and changes nothing on stderr.
    let json = run(dir.path(), &[], &[&args[..], &["--json"]].concat());
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert_eq!(json.stderr, out.stderr);
    assert_eq!(json.json()["expire"].as_array().unwrap().len(), 5);
}

#[test]
fn a_bad_portfolio_ci_yaml_is_annotated_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "bad.yaml",
        "project: portfolio\nservices:\n  backend:\n    prot: 8000\n",
    );
    let env = [("GITHUB_ACTIONS", "true".to_owned())];
    let config_arg = config.to_str().unwrap();
    let out = run(dir.path(), &env, &["lint", "--config", config_arg]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let shown = config.display();
    assert!(
        out.stderr
            .contains(&format!("::error file={shown},line=4::")),
        "{}",
        out.stderr
    );
    let plain = out
        .stderr
        .lines()
        .find(|l| l.starts_with("ecr-lifecycle: error: "))
        .unwrap_or_else(|| panic!("no error line in {}", out.stderr));
    assert!(
        plain.starts_with(&format!(
            "ecr-lifecycle: error: {shown}:4: services.backend: unknown field `prot`"
        )),
        "{plain}"
    );
    assert_eq!(plain.matches("services.backend").count(), 1, "{plain}");
}

#[test]
fn a_bad_policy_file_is_annotated_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("GITHUB_ACTIONS", "true".to_owned())];
    // Valid YAML that ECR refuses: rule 2 lacks countUnit (line 7 is its
    // selection); a JSON file with a bad action type on line 5; a second
    // rule with the first one's priority on line 4.
    let cases = [
        (
            "policy.yaml",
            "rules:\n  - rulePriority: 1\n    selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 3}\n    action: {type: expire}\n  - rulePriority: 2\n    description: old builds\n    selection:\n      tagStatus: untagged\n      countType: sinceImagePushed\n      countNumber: 7\n    action: {type: expire}\n",
            7,
            "rules[1] (rulePriority 2).selection.countUnit",
        ),
        (
            "policy.json",
            "{\"rules\": [\n  {\"rulePriority\": 1,\n   \"selection\": {\"tagStatus\": \"untagged\", \"countType\": \"imageCountMoreThan\", \"countNumber\": 3},\n   \"description\": \"untagged\",\n   \"action\": {\"type\": \"delete\"}}\n]}\n",
            5,
            "rules[0].action.type",
        ),
        (
            "twice.json",
            "{\"rules\": [\n  {\"rulePriority\": 1, \"selection\": {\"tagStatus\": \"untagged\", \"countType\": \"imageCountMoreThan\", \"countNumber\": 3}, \"action\": {\"type\": \"expire\"}},\n  {\"selection\": {\"tagStatus\": \"untagged\", \"countType\": \"imageCountMoreThan\", \"countNumber\": 5}, \"action\": {\"type\": \"expire\"},\n   \"rulePriority\": 1}\n]}\n",
            4,
            "rules[1] (rulePriority 1).rulePriority",
        ),
    ];
    for (name, text, line, field) in cases {
        let policy = write(dir.path(), name, text);
        let out = run(
            dir.path(),
            &env,
            &["lint", "--policy", policy.to_str().unwrap()],
        );
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        let shown = policy.display();
        assert!(
            out.stderr
                .contains(&format!("::error file={shown},line={line}::")),
            "{name}: {}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains(&format!("ecr-lifecycle: error: {shown}:{line}: {field}: ")),
            "{name}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_truncated_snapshot_is_reported_as_truncated_at_its_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(fixture()).unwrap();
    let half = &full[..full.len() / 2];
    let path = write(dir.path(), "half.json", half);
    let last_line = half.lines().count();
    let out = run(
        dir.path(),
        &[("GITHUB_ACTIONS", "true".to_owned())],
        &["preview", "--images-json", path.to_str().unwrap()],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let shown = path.display();
    assert!(
        out.stderr.contains(&format!(
            "ecr-lifecycle: error: {shown}:{last_line}: imageDetails"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the file is truncated"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("invalid type"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("::error file={shown},line={last_line}::")),
        "{}",
        out.stderr
    );
}
