//! The smoke check after COMPLETED, against a local HTTP server (wiremock).

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{SCALE, World, taskdef};

async fn deploy_with_health(status: u16, extra: &[&str]) -> (World, crate::harness::Run) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/health"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.file(
        "td.json",
        &taskdef("portfolio-dev-backend", "backend", "healthy"),
    );
    let url = format!("{}/api/v1/health", server.uri());
    let mut args = vec![
        "--service",
        "backend",
        "--json",
        "--health-timeout",
        "3s",
        "--health-url",
        url.as_str(),
        "--task-definition",
        file.to_str().unwrap(),
    ];
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
    let previous = service["previous_task_definition_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    world
        .wait("backend", "the previous definition is back", |s| {
            s.task_definition() == Some(previous.as_str())
        })
        .await;
}
