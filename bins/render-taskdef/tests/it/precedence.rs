//! Where settings come from: flags > environment > portfolio-ci.yaml >
//! built-in defaults, and which file is read (--config, then
//! $PORTFOLIO_CI_CONFIG, then the first portfolio-ci.yaml upward).

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::*;

/// A template whose size, port and health path come from the config.
const TEMPLATE: &str = r#"{
  "family": "${FAMILY}",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "${CPU}",
  "memory": "${MEMORY}",
  "containerDefinitions": [{
    "name": "backend",
    "image": "${REPOSITORY}:latest",
    "essential": true,
    "environment": [{"name": "HEALTH", "value": "http://localhost:${PORT}${HEALTH_PATH}"}]
  }]
}"#;

/// A config of project `project` for the template beside it.
fn config(project: &str, region: &str) -> String {
    format!(
        "project: {project}\nregion: {region}\nservices:\n  backend:\n    task_definition: t.json\n    \
         cpu: 512\n    memory: 1024\n    port: 9000\n    health_path: /healthz\n"
    )
}

/// `root/portfolio-ci.yaml` (project `upward`), `root/flag.yaml`,
/// `root/envvar.yaml`, the template, and `root/sub/` to run in.
fn tree() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    fs::write(dir.join("t.json"), TEMPLATE).unwrap();
    fs::write(dir.join("portfolio-ci.yaml"), config("upward", "eu-west-1")).unwrap();
    fs::write(dir.join("flag.yaml"), config("flag", "eu-west-1")).unwrap();
    fs::write(dir.join("envvar.yaml"), config("envvar", "eu-west-1")).unwrap();
    fs::create_dir(dir.join("sub")).unwrap();
    root
}

fn render(root: &Path, env: &[(&str, &str)], args: &[&str]) -> Value {
    let mut command = tool(&root.join("sub"));
    command.envs(env.iter().copied());
    command.args(["--service", "backend"]).args(args);
    run(&mut command, "").success().json()
}

fn awslogs_region(rendered: &Value) -> &str {
    rendered["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-region"]
        .as_str()
        .unwrap()
}

#[test]
fn the_config_file_is_the_flag_then_the_variable_then_the_one_upward() {
    let root = tree();
    let dir = root.path();
    let envvar = dir.join("envvar.yaml");
    let envvar = envvar.to_str().unwrap();
    let flag = dir.join("flag.yaml");
    let flag = flag.to_str().unwrap();

    let upward = render(dir, &[], &["--env", "dev"]);
    assert_eq!(upward["family"], "upward-dev-backend");
    let from_env = render(dir, &[("PORTFOLIO_CI_CONFIG", envvar)], &["--env", "dev"]);
    assert_eq!(from_env["family"], "envvar-dev-backend");
    let from_flag = render(
        dir,
        &[("PORTFOLIO_CI_CONFIG", envvar)],
        &["--env", "dev", "--config", flag],
    );
    assert_eq!(from_flag["family"], "flag-dev-backend");
}

#[test]
fn the_environment_and_service_come_from_the_flag_then_the_variable() {
    let root = tree();
    let dir = root.path();
    let from_env = render(dir, &[("PORTFOLIO_CI_ENV", "prod")], &[]);
    assert_eq!(from_env["family"], "upward-prod-backend");
    let from_flag = render(dir, &[("PORTFOLIO_CI_ENV", "prod")], &["--env", "dev"]);
    assert_eq!(from_flag["family"], "upward-dev-backend");

    let mut command = tool(&dir.join("sub"));
    command.envs([
        ("PORTFOLIO_CI_SERVICE", "backend"),
        ("PORTFOLIO_CI_ENV", "dev"),
    ]);
    let by_variables = run(&mut command, "").success().json();
    assert_eq!(by_variables["family"], "upward-dev-backend");
}

#[test]
fn the_services_size_port_and_health_path_reach_the_template_and_flags_win() {
    let root = tree();
    let dir = root.path();
    let from_file = render(dir, &[], &["--env", "dev"]);
    assert_eq!(from_file["cpu"], "512");
    assert_eq!(from_file["memory"], "1024");
    assert_eq!(
        from_file["containerDefinitions"][0]["environment"][0]["value"],
        "http://localhost:9000/healthz"
    );
    let from_flags = render(
        dir,
        &[],
        &["--env", "dev", "--cpu", "256", "--memory", "512"],
    );
    assert_eq!(from_flags["cpu"], "256");
    assert_eq!(from_flags["memory"], "512");
}

#[test]
fn the_region_is_the_flag_then_the_file_then_the_aws_environment_and_profile() {
    let root = tree();
    let dir = root.path();
    let profile = dir.join("aws-config");
    fs::write(&profile, "[profile deploy]\nregion = ap-south-1\n").unwrap();
    let profile = profile.to_str().unwrap();
    let by_profile = [("AWS_CONFIG_FILE", profile), ("AWS_PROFILE", "deploy")];
    let by_env = [
        ("AWS_CONFIG_FILE", profile),
        ("AWS_PROFILE", "deploy"),
        ("AWS_REGION", "eu-central-1"),
    ];
    // The file names eu-west-1: it beats the AWS environment
    // (configure-aws-credentials always exports AWS_REGION) and the profile.
    assert_eq!(
        awslogs_region(&render(dir, &by_env, &["--env", "dev"])),
        "eu-west-1"
    );
    assert_eq!(
        awslogs_region(&render(
            dir,
            &by_env,
            &["--env", "dev", "--region", "sa-east-1"]
        )),
        "sa-east-1"
    );

    // A file without a region: the AWS environment, then the profile.
    fs::write(
        dir.join("portfolio-ci.yaml"),
        config("upward", "x").replace("region: x\n", ""),
    )
    .unwrap();
    assert_eq!(
        awslogs_region(&render(dir, &by_env, &["--env", "dev"])),
        "eu-central-1"
    );
    assert_eq!(
        awslogs_region(&render(dir, &by_profile, &["--env", "dev"])),
        "ap-south-1"
    );
}

#[test]
fn without_any_file_the_built_in_defaults_apply() {
    let empty = tempfile::tempdir().unwrap();
    let template = empty.path().join("t.json");
    let text = TEMPLATE
        .replace("${FAMILY}", "${PROJECT}-${CLUSTER}")
        .replace("${REPOSITORY}", "r")
        .replace("http://localhost:${PORT}${HEALTH_PATH}", "${REGION}");
    fs::write(&template, text).unwrap();
    let mut command = tool(empty.path());
    command.args([
        "--env",
        "dev",
        "--task-definition",
        template.to_str().unwrap(),
    ]);
    command.args(["--var", "CPU=256", "--var", "MEMORY=512"]);
    let rendered = run(&mut command, "").success().json();
    assert_eq!(rendered["family"], "portfolio-portfolio-dev");
    assert_eq!(
        rendered["containerDefinitions"][0]["environment"][0]["value"],
        "us-east-1"
    );
}
