//! `--github-deployment` against a local fake GitHub API (wiremock).

use serde_json::{Value, json};
use tokio::process::Command;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{SCALE, World, finish};

/// A fake GitHub that creates deployment 42; its status calls fail after the
/// first `statuses_ok` (all succeed when None).
async fn fake_github(statuses_ok: Option<u64>) -> MockServer {
    let github = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/portfolio/deployments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 42})))
        .mount(&github)
        .await;
    let statuses =
        || Mock::given(method("POST")).and(path("/repos/octo/portfolio/deployments/42/statuses"));
    let ok = ResponseTemplate::new(201).set_body_json(json!({"id": 1}));
    match statuses_ok {
        None => statuses().respond_with(ok).mount(&github).await,
        Some(n) => {
            if n > 0 {
                statuses()
                    .respond_with(ok)
                    .up_to_n_times(n)
                    .with_priority(1)
                    .mount(&github)
                    .await;
            }
            statuses()
                .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "boom"})))
                .with_priority(2)
                .mount(&github)
                .await;
        }
    }
    github
}

/// The binary with `args` and --github-deployment, pointed at `github`.
fn command(world: &World, github: &MockServer, args: &[&str]) -> Command {
    let mut all = vec!["--service", "backend", "--github-deployment"];
    all.extend_from_slice(args);
    let mut command = world.command(&all);
    command
        .env("GITHUB_API_URL", github.uri())
        .env("GITHUB_TOKEN", "ghs_test_token")
        .env("GITHUB_REPOSITORY", "octo/portfolio")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
    command
}

/// The deployment created, and the states of the statuses set, in order.
async fn requests(github: &MockServer) -> (Value, Vec<String>) {
    let requests = github.received_requests().await.unwrap();
    let created: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let states = requests[1..]
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body["state"].as_str().unwrap().to_owned()
        })
        .collect();
    (created, states)
}

async fn deploy(behavior: &str) -> (portfolio_testkit::Run, Value, Vec<String>) {
    let github = fake_github(None).await;
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file(behavior);
    let mut command = command(
        &world,
        &github,
        &["--task-definition", file.to_str().unwrap()],
    );
    let run = finish(command.spawn().unwrap()).await;
    let (created, states) = requests(&github).await;
    (run, created, states)
}

#[tokio::test(flavor = "multi_thread")]
async fn good_deploy_moves_the_github_deployment_to_success() {
    let (run, created, states) = deploy("healthy").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(created["environment"], "dev");
    assert_eq!(created["ref"], "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(states, ["in_progress", "success"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rolled_back_deploy_moves_the_github_deployment_to_failure() {
    let (run, _, states) = deploy("crash").await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(states, ["in_progress", "failure"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_after_the_github_deployment_was_created_sets_it_to_error() {
    let github = fake_github(None).await;
    let world = World::new(SCALE).await;
    let live = world.service("backend", true).await;
    // UpdateService fails: ECS refuses an INACTIVE task definition.
    world
        .ecs
        .deregister_task_definition()
        .task_definition(&live)
        .send()
        .await
        .unwrap();
    let mut command = command(&world, &github, &["--force-new-deployment"]);
    let run = finish(command.spawn().unwrap()).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("TaskDefinition is inactive"),
        "{}",
        run.stderr
    );
    let (_, states) = requests(&github).await;
    assert_eq!(states, ["in_progress", "error"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_final_github_status_loses_neither_outputs_nor_the_result() {
    let github = fake_github(Some(1)).await;
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let output = world.path().join("output");
    let summary = world.path().join("summary.md");
    let mut command = command(
        &world,
        &github,
        &["--json", "--task-definition", file.to_str().unwrap()],
    );
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary);
    let run = finish(command.spawn().unwrap()).await;
    // octocrab retries the refused status call.
    let (_, states) = requests(&github).await;
    assert_eq!(states[0], "in_progress");
    assert!(
        states.len() > 1 && states[1..].iter().all(|s| s == "success"),
        "{states:?}"
    );
    // The deployment's outcome stands; GitHub's refusal is a warning.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["outcome"], "completed");
    assert!(run.stderr.contains("::warning::"), "{}", run.stderr);
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.contains("outcome=completed\n"), "{outputs}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("| backend | ✅ completed |"), "{md}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_github_deployment_that_cannot_start_is_marked_error_and_nothing_deploys() {
    let github = fake_github(Some(0)).await;
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let mut command = command(&world, &github, &["--force-new-deployment"]);
    let run = finish(command.spawn().unwrap()).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let (_, states) = requests(&github).await;
    assert_eq!(states.first().map(String::as_str), Some("in_progress"));
    assert_eq!(
        states.last().map(String::as_str),
        Some("error"),
        "{states:?}"
    );
    let now = world.wait("backend", "describe", |_| true).await;
    assert_eq!(now.deployments().len(), 1, "no deployment started");
}
