//! What users read, as whole-output snapshots: `--help` of the tool and of
//! each subcommand, and the job summary and pull request comment of a plan
//! with changes (a fixed `terraform show -json` of the example stack
//! through the same summary and rendering code as a run).

use portfolio_core::Report;
use terraform_runner::comment;
use terraform_runner::install::{Installed, Source};
use terraform_runner::result::RunResult;
use terraform_runner::summary;

use crate::harness::{Run, runner};

/// `terraform show -json` of a plan against the applied example stack
/// (`dev`): services changed (one resized, one removed, one added), log
/// retention raised, the database class and password changed, a new
/// release revision. The password (sensitive) is in it in clear, as in
/// terraform's own output.
const PLAN: &[u8] = include_bytes!("fixtures/plan-with-changes.json");

/// The help text as a user sees it on a 100-column terminal, with no
/// `PORTFOLIO_CI_*` variable set (clap shows their values).
fn help(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = runner(dir.path(), args);
    command.env("COLUMNS", "100");
    for (name, _) in std::env::vars() {
        if name.starts_with("PORTFOLIO_CI_") {
            command.env_remove(name);
        }
    }
    Run::from(command.output().unwrap()).exits(0).stdout
}

#[test]
fn help_of_the_tool_and_each_subcommand() {
    insta::assert_snapshot!("help", help(&["--help"]));
    for sub in ["plan", "apply", "destroy", "install"] {
        insta::assert_snapshot!(format!("help-{sub}"), help(&[sub, "--help"]));
    }
}

/// The result of `plan --env dev` on the fixture, as a workflow run makes it.
fn planned() -> RunResult {
    let analysis = summary::analyze(PLAN).unwrap();
    RunResult {
        operation: "plan",
        env: "dev".into(),
        dir: "terraform".into(),
        plan_file: Some("terraform/dev.tfplan".into()),
        plan_sha256: Some(
            "9f2c1e7a4b8d3f605e1a2c4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a5c7e9b2d4f".into(),
        ),
        summary: analysis.summary,
        terraform_outputs: Default::default(),
        comment: None,
        pull_request: None,
        log_url: Some("https://github.com/owner/repo/actions/runs/42".into()),
    }
}

#[test]
fn job_summary_of_a_plan_with_changes() {
    let summary = planned().summary().unwrap();
    assert!(!summary.contains("fixture-password"), "{summary}");
    insta::assert_snapshot!("job-summary-plan", summary);
}

#[test]
fn pr_comment_of_a_plan_with_changes() {
    let body = comment::body(&planned());
    assert!(!body.contains("fixture-password"), "{body}");
    insta::assert_snapshot!("pr-comment-plan", body);
}

/// What `install` reports after a download and after a cache hit: the job
/// summary and the closing lines.
#[test]
fn install_summary_and_lines() {
    let sha256 = "3f1e5a7c9b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a";
    let mut installed = Installed {
        operation: "install",
        program: "terraform",
        version: "1.9.7".into(),
        wanted: "~> 1.9.0 (required_version in main.tf)".into(),
        path: "/opt/hostedtoolcache/terraform/1.9.7/linux_amd64/terraform".into(),
        source: Source::Download,
        url: Some(
            "https://releases.hashicorp.com/terraform/1.9.7/terraform_1.9.7_linux_amd64.zip".into(),
        ),
        sha256: Some(sha256.into()),
    };
    insta::assert_snapshot!("install-summary-download", installed.summary().unwrap());
    insta::assert_snapshot!("install-lines-download", installed.lines().join("\n"));
    installed.source = Source::Cache;
    insta::assert_snapshot!("install-summary-cache", installed.summary().unwrap());
    insta::assert_snapshot!("install-lines-cache", installed.lines().join("\n"));
}
