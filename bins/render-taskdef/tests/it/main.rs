//! Integration tests of render-taskdef: the real binary on files, stdin,
//! the example portfolio, a bad-input matrix, and the live ECS API of a
//! local moto_server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bad_input;
mod files;
mod live;
mod parity;
mod precedence;
mod text;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use portfolio_testkit::Run;

/// Variables of the host that would change what the tool does.
const HOST_VARS: [&str; 13] = [
    "GITHUB_ACTIONS",
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "RUNNER_TEMP",
    "PORTFOLIO_CI_CONFIG",
    "PORTFOLIO_CI_ENV",
    "PORTFOLIO_CI_SERVICE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ECS",
    "CI",
];

/// The binary, run in `dir`, with none of the host's variables that matter.
pub fn tool(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_render-taskdef"));
    command.current_dir(dir);
    for var in HOST_VARS {
        command.env_remove(var);
    }
    command.env("AWS_CONFIG_FILE", "/dev/null");
    command
}

/// Runs `command` with `stdin` and collects the result.
pub fn run(command: &mut Command, stdin: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Run::from(child.wait_with_output().unwrap())
}

/// The example portfolio application.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/portfolio")
}

/// An execution role for the example templates.
pub const EXECUTION_ROLE: &str =
    "EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/portfolio-ecs-task-execution";

/// A two-container Fargate definition, as a file in `dir`.
pub fn two_containers(dir: &Path) -> PathBuf {
    let path = dir.join("app.json");
    std::fs::write(
        &path,
        r#"{
  "family": "app",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "256",
  "memory": "512",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80}]},
    {"name": "worker", "image": "busybox:1", "essential": false}
  ]
}
"#,
    )
    .unwrap();
    path
}
