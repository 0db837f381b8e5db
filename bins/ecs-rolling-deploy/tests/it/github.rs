//! `--github-deployment` against a local fake GitHub API (wiremock).

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{SCALE, World, finish, taskdef};

async fn statuses(behavior: &str) -> (crate::harness::Run, Vec<Value>, Value) {
    let github = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/portfolio/deployments"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 42})))
        .mount(&github)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octo/portfolio/deployments/42/statuses"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1})))
        .mount(&github)
        .await;
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.file(
        "td.json",
        &taskdef("portfolio-dev-backend", "backend", behavior),
    );
    let mut command = world.command(&[
        "--service",
        "backend",
        "--github-deployment",
        "--task-definition",
        file.to_str().unwrap(),
    ]);
    command
        .env("GITHUB_API_URL", github.uri())
        .env("GITHUB_TOKEN", "ghs_test_token")
        .env("GITHUB_REPOSITORY", "octo/portfolio")
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
    let run = finish(command.spawn().unwrap()).await;
    let requests = github.received_requests().await.unwrap();
    let created: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let statuses = requests[1..]
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .collect();
    (run, statuses, created)
}

#[tokio::test(flavor = "multi_thread")]
async fn good_deploy_moves_the_github_deployment_to_success() {
    let (run, statuses, created) = statuses("healthy").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(created["environment"], "dev");
    assert_eq!(created["ref"], "0123456789abcdef0123456789abcdef01234567");
    let states: Vec<&str> = statuses
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["in_progress", "success"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rolled_back_deploy_moves_the_github_deployment_to_failure() {
    let (run, statuses, _) = statuses("crash").await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let states: Vec<&str> = statuses
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["in_progress", "failure"]);
}
