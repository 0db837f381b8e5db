//! The built multi-call binary: a link named after a tool is that tool, so
//! is `portfolio-ci <tool>`; anything else gets the binary's own help.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

const BINARY: &str = env!("CARGO_BIN_EXE_portfolio-ci");
const TOOLS: [&str; 5] = [
    "build-push-image",
    "render-taskdef",
    "ecs-rolling-deploy",
    "ecr-lifecycle",
    "terraform-runner",
];

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_link_named_after_a_tool_runs_that_tool() {
    let dir = tempfile::tempdir().unwrap();
    for tool in TOOLS {
        let link = dir.path().join(tool);
        std::os::unix::fs::symlink(BINARY, &link).unwrap();
        let output = Command::new(&link).arg("--version").output().unwrap();
        assert!(output.status.success(), "{tool}: {output:?}");
        assert_eq!(
            stdout(&output),
            format!("{tool} {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn the_first_argument_names_the_tool() {
    for tool in TOOLS {
        let output = Command::new(BINARY)
            .args([tool, "--version"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{tool}: {output:?}");
        assert_eq!(
            stdout(&output),
            format!("{tool} {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn a_tool_keeps_its_own_exit_codes_and_usage_line() {
    // A usage error of the tool is the tool's (exit 2), named as the tool.
    let output = Command::new(BINARY)
        .args(["ecr-lifecycle", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Usage: ecr-lifecycle"), "{stderr}");
}

#[test]
fn help() {
    let output = Command::new(BINARY).arg("--help").output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn an_unknown_tool_is_a_usage_error() {
    let output = Command::new(BINARY).arg("ecr").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr));
}
