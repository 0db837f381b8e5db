//! What users read, whole: `--help`, the job summary and the closing line,
//! and the `::error::` annotation of a bad portfolio-ci.yaml.

use super::*;

const DEFINITION: &str = r#"{
  "family": "app",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "essential": true}]
}"#;

#[test]
fn help() {
    let run = run(tool(&examples()).arg("--help"), "").success();
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn job_summary_and_closing_line_of_a_render_with_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("td.json"), DEFINITION).unwrap();
    let (output, summary) = (dir.path().join("output"), dir.path().join("summary"));
    let run = run(
        tool(dir.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["--task-definition", "td.json", "--image", "web=nginx:1.28"])
            .args(["--output", "out.json", "--diff"]),
        "",
    )
    .success();
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "task-definition=out.json\n"
    );
    insta::assert_snapshot!("summary", std::fs::read_to_string(&summary).unwrap());
    insta::assert_snapshot!("stderr", run.stderr);
}

#[test]
fn a_bad_config_file_is_annotated_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "project: portfolio\nservices:\n  backend:\n    prot: 8000\n",
    )
    .unwrap();
    let run = run(
        tool(dir.path()).env("GITHUB_ACTIONS", "true").args([
            "--config",
            "bad.yaml",
            "--service",
            "backend",
            "--env",
            "dev",
        ]),
        "",
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let message = "bad.yaml:4: services.backend: unknown field `prot`, expected one of `port`, \
                   `health_path`, `cpu`, `memory`, `container`, `task_definition`, `context`, \
                   `dockerfile`";
    assert!(
        run.stderr
            .contains(&format!("render-taskdef: error: {message}\n")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("::error file=bad.yaml,line=4::{message}\n")),
        "{}",
        run.stderr
    );
}
