//! Sensitive values never reach stdout, stderr, step outputs, the job
//! summary, the PR comment or the checksum file.

use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::comment::plan_with_comment;
use crate::harness::{SECRET, Stack};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_values_never_leak() {
    let stack = Stack::new();
    let github = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .mount(&github)
        .await;
    let outputs = stack.path("github_output");
    let summary = stack.path("step_summary");
    let actions = vec![
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_OUTPUT", outputs.display().to_string()),
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
    ];
    let mut logs = Vec::new();

    let plan = plan_with_comment(&stack, &github.uri(), "dev", &actions)
        .await
        .exits(0);
    logs.push(plan.stdout.clone() + &plan.stderr);
    let mut apply = stack.command(&[
        "apply",
        "--env",
        "dev",
        "--plan-file",
        "terraform/dev.tfplan",
        "--json",
    ]);
    apply.envs(actions.iter().map(|(k, v)| (*k, v.clone())));
    let apply = apply.output().unwrap();
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    logs.push(
        String::from_utf8_lossy(&apply.stdout).into_owned()
            + &String::from_utf8_lossy(&apply.stderr),
    );

    // A new password: an update whose old and new values are both secret.
    let mut change = stack.command(&["apply", "--env", "dev", "--auto-approve", "--json"]);
    change
        .envs(actions.iter().map(|(k, v)| (*k, v.clone())))
        .env("TF_VAR_db_password", format!("{SECRET}-rotated"));
    let change = change.output().unwrap();
    assert_eq!(
        change.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&change.stderr)
    );
    let change_log = String::from_utf8_lossy(&change.stdout).into_owned()
        + &String::from_utf8_lossy(&change.stderr);
    assert!(
        change_log.contains("\"password\":\"(sensitive value)\""),
        "{change_log}"
    );
    logs.push(change_log);

    let comments: Vec<String> = github
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(
        comments
            .iter()
            .filter(|c| c.contains("Terraform plan"))
            .count(),
        1
    );
    let step_outputs = std::fs::read_to_string(&outputs).unwrap();
    let step_summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        step_outputs.contains("cluster_name=portfolio-dev"),
        "{step_outputs}"
    );
    assert!(step_outputs.contains("has-changes=true"), "{step_outputs}");
    assert!(
        !step_outputs.contains("database_password"),
        "{step_outputs}"
    );
    assert!(step_summary.contains("(sensitive value)"), "{step_summary}");
    let checksum = std::fs::read_to_string(stack.path("terraform/dev.tfplan.sha256")).unwrap();

    // The runner tells GitHub to mask the secret; that line is the only
    // place it may appear (the runner never shows it).
    let mask = format!("::add-mask::{SECRET}");
    assert!(
        logs[0].lines().any(|l| l == mask),
        "no ::add-mask:: for the secret"
    );
    let logs: Vec<String> = logs
        .iter()
        .map(|log| {
            log.lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    let everything = [logs, comments, vec![step_outputs, step_summary, checksum]].concat();
    for (i, text) in everything.iter().enumerate() {
        assert!(!text.contains(SECRET), "secret in item {i}:\n{text}");
    }

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(stack.path("terraform/dev.tfplan"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the plan file holds secrets: owner only");
}
