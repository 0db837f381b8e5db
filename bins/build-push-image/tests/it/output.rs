//! What users read, whole: `--help`, the job summary and the closing lines
//! of a build (snapshots), the `::error::` annotation of a bad
//! portfolio-ci.yaml, and the two rules of repository names.

use std::fs;

use aws_sdk_ecr::types::ImageTagMutability;

use crate::harness::{World, run, tool};

#[test]
fn help_lists_the_flags_the_exit_codes_and_examples() {
    let mut command = tool();
    command.arg("--help").env("COLUMNS", "100");
    let help = run(&mut command);
    help.assert_code(0);
    insta::assert_snapshot!("help", help.stdout);
}

#[test]
fn a_bad_config_file_is_annotated_at_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.yaml");
    fs::write(
        &config,
        "project: portfolio\nservices:\n  backend:\n    prot: 8000\n",
    )
    .unwrap();
    let mut command = tool();
    command
        .args(["--repository", "portfolio-dev-backend", "--config"])
        .arg(&config)
        .env("GITHUB_ACTIONS", "true")
        .current_dir(dir.path());
    let failed = run(&mut command);
    failed.assert_code(2);
    let path = config.display().to_string();
    let annotation = format!("::error file={path},line=4::");
    assert!(
        failed.stderr.lines().any(|l| l.starts_with(&annotation)),
        "{}",
        failed.stderr
    );
    let message = failed
        .stderr
        .lines()
        .find(|l| l.starts_with("build-push-image: error: "))
        .unwrap();
    // As the README shows it: the key path once, then the reason.
    let prefix =
        format!("build-push-image: error: {path}:4: services.backend: unknown field `prot`");
    assert!(message.starts_with(&prefix), "{message}");
    assert_eq!(message.matches("services.backend").count(), 1, "{message}");
}

#[test]
fn an_unknown_service_keeps_its_hint() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = tool();
    command
        .args(["--service", "nope", "--context", "."])
        .current_dir(dir.path());
    let failed = run(&mut command);
    failed.assert_code(2);
    assert!(
        failed.stderr.contains("unknown service 'nope'")
            && failed
                .stderr
                .contains("build-push-image: hint: add it to portfolio-ci.yaml"),
        "{}",
        failed.stderr
    );
}

/// `--repository NAME` against an empty context: exit 2 before anything is
/// contacted, with the message on stderr.
fn refused_repository(name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let mut command = tool();
    command
        .args(["--repository", name, "--context", "."])
        .current_dir(dir.path());
    let refused = run(&mut command);
    refused.assert_code(2);
    refused.stderr
}

#[test]
fn a_repository_name_of_the_wrong_length_is_told_the_length_rule() {
    for name in ["x".to_owned(), "x".repeat(257)] {
        let stderr = refused_repository(&name);
        assert!(
            stderr.contains("--repository") && stderr.contains("2 to 256 characters"),
            "{stderr}"
        );
        assert!(!stderr.contains("lowercase letters"), "{stderr}");
    }
}

#[test]
fn a_repository_name_with_a_bad_character_is_told_the_character_rule() {
    for (name, at) in [
        ("Portfolio", "'P' at position 1"),
        ("a--b", "'-' at position 3"),
    ] {
        let stderr = refused_repository(name);
        assert!(
            stderr.contains("--repository")
                && stderr.contains(at)
                && stderr.contains("lowercase letters"),
            "{stderr}"
        );
        assert!(!stderr.contains("2 to 256"), "{stderr}");
    }
}

#[test]
fn the_job_summary_and_closing_lines_of_a_build() {
    let world = World::start(Some(ImageTagMutability::Mutable));
    let context = world.context("ctx", &[("hello.txt", "hello")]);
    let summary = world.path("runner/summary");
    let output = world.path("runner/output");
    fs::create_dir_all(world.path("runner")).unwrap();
    let mut command = world.command();
    command
        .args(world.base_args("buildah", &context))
        .args(["--tag", "extra"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_SHA", "89abcdef0123456789abcdef0123456789abcdef")
        .env("GITHUB_REF", "refs/heads/main");
    let done = run(&mut command);
    let json = done.assert_code(0).json();
    let digest = json["digest"].as_str().unwrap();
    // The port, the digest, the image id and the context tag (file modes
    // count in it) are not the same on every machine.
    let context_tag = json["context_tag"].as_str().unwrap();
    // The image id changes with the created label.
    let imageid = json["imageid"].as_str().unwrap();
    let redact = |text: &str| {
        text.replace(&world.registry.host(), "127.0.0.1:[port]")
            .replace(digest, "sha256:[digest]")
            .replace(imageid, "sha256:[imageid]")
            .replace(context_tag, "ctx-[context]")
    };
    insta::assert_snapshot!(
        "build_summary",
        redact(&fs::read_to_string(&summary).unwrap())
    );
    // The closing lines: what follows the builder's last step.
    let lines: Vec<&str> = done.stderr.lines().collect();
    let last_step = lines.iter().rposition(|l| l.starts_with("::endgroup::"));
    let closing = lines[last_step.map_or(0, |i| i + 1)..].join("\n");
    insta::assert_snapshot!("build_closing_lines", redact(&closing));
}

#[test]
fn login_help_lists_its_flags() {
    let mut command = tool();
    command.args(["login", "--help"]).env("COLUMNS", "100");
    let help = run(&mut command);
    help.assert_code(0);
    insta::assert_snapshot!("login_help", help.stdout);
}
