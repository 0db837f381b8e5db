//! The smoke check after COMPLETED, against a local HTTP server (wiremock).

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{SCALE, World};

/// Deploys a healthy `backend` (from a file, or as `extra` says) with a smoke
/// check of a server answering `status`.
async fn deploy_with_health(status: u16, extra: &[&str]) -> (World, portfolio_testkit::Run) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/health"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let url = format!("{}/api/v1/health", server.uri());
    let mut args = vec![
        "--service",
        "backend",
        "--json",
        "--health-timeout",
        "3s",
        "--health-url",
        url.as_str(),
    ];
    if !extra.contains(&"--force-new-deployment") {
        args.extend(["--task-definition", file.to_str().unwrap()]);
    }
    args.extend_from_slice(extra);
    let run = world.run(&args).await;
    (world, run)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passing_smoke_check_completes() {
    let (_world, run) = deploy_with_health(200, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let check = run.json()["services"][0]["health_check"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(check.contains("answered 200"), "{check}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_smoke_check_exits_7_and_rolls_back_on_request() {
    let (world, run) = deploy_with_health(503, &["--rollback-on-failure"]).await;
    assert_eq!(run.code, 7, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "unhealthy");
    assert_eq!(service["rolled_back"], true);
    assert!(
        service["health_check"].as_str().unwrap().contains("503"),
        "{service}"
    );
    // ECS refuses StopServiceDeployment for a COMPLETED deployment: the run
    // went back to the previous definition and followed that deployment.
    assert!(run.stderr.contains("rolling back to"), "{}", run.stderr);
    let previous = service["previous_task_definition_arn"].as_str().unwrap();
    let restore = service["rollback_deployment_id"].as_str().unwrap();
    let now = world.wait("backend", "describe", |_| true).await;
    let primary = &now.deployments()[0];
    assert_eq!(primary.id(), Some(restore));
    assert_eq!(primary.task_definition(), Some(previous));
    assert_eq!(primary.rollout_state().unwrap().as_str(), "COMPLETED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_smoke_check_with_nothing_to_roll_back_to_is_not_rolled_back() {
    // --force-new-deployment redeploys the definition that ran before.
    let (world, run) =
        deploy_with_health(503, &["--force-new-deployment", "--rollback-on-failure"]).await;
    assert_eq!(run.code, 7, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["rolled_back"], false);
    assert_eq!(service["rollback_deployment_id"], serde_json::Value::Null);
    assert!(
        run.stderr.contains("nothing to roll back to"),
        "{}",
        run.stderr
    );
    let now = world.wait("backend", "describe", |_| true).await;
    assert_eq!(now.deployments().len(), 1);
    assert_eq!(now.deployments()[0].id(), service["deployment_id"].as_str());
}
