//! What users read, whole: `--help`, the job summary of a completed
//! deployment, the `::error::` annotations of a bad portfolio-ci.yaml and
//! of a bad task definition file, and local inputs checked before any AWS
//! call (no credentials anywhere).

use crate::harness::{SCALE, World, finish, offline, run_offline};

/// A working directory with a portfolio-ci.yaml and `files`.
fn dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("portfolio-ci.yaml"), "project: portfolio\n").unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// A task definition with a JSON syntax error on line 3.
const NOT_JSON: &str =
    "{\n  \"family\": \"portfolio-dev-backend\",\n  containerDefinitions: []\n}\n";

#[test]
fn help() {
    let dir = dir(&[]);
    let run = run_offline(&mut offline(dir.path(), &["--help"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_missing_task_definition_file_is_named_before_any_aws_call() {
    let dir = dir(&[]);
    let run = run_offline(&mut offline(
        dir.path(),
        &[
            "--service",
            "backend",
            "--task-definition",
            "/nonexistent.json",
        ],
    ));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ecs-rolling-deploy: error: cannot read /nonexistent.json: "),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("credentials"), "{}", run.stderr);
}

#[test]
fn a_task_definition_that_does_not_parse_is_named_before_any_aws_call() {
    let dir = dir(&[("td.json", NOT_JSON)]);
    let run = run_offline(&mut offline(
        dir.path(),
        &["--service", "backend", "--task-definition", "td.json"],
    ));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ecs-rolling-deploy: error: td.json:3: cannot parse JSON: "),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("credentials"), "{}", run.stderr);
}

#[test]
fn a_bad_config_file_is_annotated_at_its_line() {
    let dir = dir(&[(
        "bad.yaml",
        "project: portfolio\nservices:\n  backend:\n    prot: 8000\n",
    )]);
    let run = run_offline(
        offline(
            dir.path(),
            &["--config", "bad.yaml", "--service", "backend"],
        )
        .env("GITHUB_ACTIONS", "true"),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    let message = "bad.yaml:4: services.backend: unknown field `prot`, expected one of `port`, \
                   `health_path`, `cpu`, `memory`, `container`, `task_definition`, `context`, \
                   `dockerfile`";
    assert!(
        run.stderr
            .contains(&format!("ecs-rolling-deploy: error: {message}\n")),
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

#[test]
fn a_bad_task_definition_file_is_annotated_at_its_line() {
    let dir = dir(&[("td.json", NOT_JSON)]);
    let run = run_offline(
        offline(
            dir.path(),
            &["--service", "backend", "--task-definition", "td.json"],
        )
        .env("GITHUB_ACTIONS", "true"),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("::error file=td.json,line=3::td.json:3: cannot parse JSON: "),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn job_summary_of_a_completed_deployment() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let output = world.path().join("output");
    let summary = world.path().join("summary.md");
    let mut command = world.command(&["--service", "backend", "--task-definition", "td.json"]);
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary);
    assert!(file.is_file());
    let run = finish(command.spawn().unwrap()).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let md = std::fs::read_to_string(&summary).unwrap();
    insta::assert_snapshot!(redact(&md));
}

/// The summary without what differs from run to run: deployment ids,
/// epoch times, task ids and the duration (the ARN is the simulator's).
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let digits = word.chars().all(|c| c.is_ascii_digit());
        let hex = word.chars().all(|c| c.is_ascii_hexdigit());
        let replaced = match word.len() {
            n if digits && n >= 10 && out.ends_with("ecs-svc/") => "[id]",
            10 if digits => "[time]",
            8 if hex && word.chars().any(|c| c.is_ascii_digit()) => "[task]",
            _ => word.as_str(),
        };
        out.push_str(replaced);
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out.lines()
        .map(
            |line| match line.trim_end_matches(" s |").rsplit_once(" | ") {
                Some((head, tail)) if line.ends_with(" s |") && tail.parse::<u64>().is_ok() => {
                    format!("{head} | [n] s |")
                }
                _ => line.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}
