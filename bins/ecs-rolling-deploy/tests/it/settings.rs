//! The service's own settings: a deploy changes its deployment
//! configuration, enableECSManagedTags or propagateTags only when asked
//! (flag or portfolio-ci.yaml), merged into what the service has, and
//! reports the configuration the service runs with.

use aws_sdk_ecs::types::{DeploymentCircuitBreaker, DeploymentConfiguration, PropagateTags};
use serde_json::json;

use crate::harness::{SCALE, World};

/// 150% / 50%, the circuit breaker as given.
fn configuration(breaker: Option<(bool, bool)>) -> DeploymentConfiguration {
    let builder = DeploymentConfiguration::builder()
        .maximum_percent(150)
        .minimum_healthy_percent(50);
    match breaker {
        Some((enable, rollback)) => builder.deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(enable)
                .rollback(rollback)
                .build(),
        ),
        None => builder,
    }
    .build()
}

/// The service's deployment configuration now.
async fn configuration_of(world: &World) -> (Option<i32>, Option<i32>, bool, bool) {
    let now = world.wait("backend", "describe", |_| true).await;
    let c = now.deployment_configuration().unwrap();
    let breaker = c.deployment_circuit_breaker();
    (
        c.maximum_percent(),
        c.minimum_healthy_percent(),
        breaker.is_some_and(DeploymentCircuitBreaker::enable),
        breaker.is_some_and(DeploymentCircuitBreaker::rollback),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deploy_keeps_the_service_s_configuration_and_reports_it() {
    let world = World::new(SCALE).await;
    world
        .create_service("backend", "healthy", configuration(None))
        .await;
    let run = world
        .run(&["--service", "backend", "--force-new-deployment", "--json"])
        .await;
    // No circuit breaker: the deployment is still judged by its own state.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        configuration_of(&world).await,
        (Some(150), Some(50), false, false)
    );
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "completed");
    assert_eq!(
        service["deployment_configuration"],
        json!({"maximum_percent": 150, "minimum_healthy_percent": 50,
               "circuit_breaker": false, "rollback": false, "strategy": null})
    );
    assert!(
        run.stderr
            .contains("the service's configuration: max 150%, min 50%, no circuit breaker"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_or_the_file_changes_only_its_field() {
    let world = World::new(SCALE).await;
    world
        .create_service("backend", "healthy", configuration(Some((true, false))))
        .await;
    let run = world
        .run(&[
            "--service",
            "backend",
            "--force-new-deployment",
            "--maximum-percent",
            "200",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        configuration_of(&world).await,
        (Some(200), Some(50), true, false)
    );
    std::fs::write(
        world.path().join("portfolio-ci.yaml"),
        "project: portfolio\ndeployment: {rollback: true}\n",
    )
    .unwrap();
    let run = world
        .run(&["--service", "backend", "--force-new-deployment"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        configuration_of(&world).await,
        (Some(200), Some(50), true, true)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_without_circuit_breaker_is_not_success() {
    let world = World::new(SCALE).await;
    world
        .create_service("backend", "healthy", configuration(None))
        .await;
    world
        .wait("backend", "the first deployment completes", |s| {
            s.deployments()[0]
                .rollout_state()
                .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str)
                == Some("COMPLETED")
        })
        .await;
    let file = world.backend_file("crash");
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--timeout",
            "3s",
            "--max-poll-interval",
            "1s",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    // ECS keeps replacing the crashing tasks: nothing fails the deployment
    // and nothing rolls it back, so it times out, explained.
    assert_eq!(run.code, 5, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "timed-out");
    assert_eq!(
        service["deployment_configuration"]["circuit_breaker"],
        false
    );
    assert!(
        run.stderr.contains("Essential container in task exited"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tag_settings_are_sent_only_when_given() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let run = world
        .run(&[
            "--service",
            "backend",
            "--force-new-deployment",
            "--enable-ecs-managed-tags",
            "true",
            "--propagate-tags",
            "SERVICE",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let now = world.wait("backend", "describe", |_| true).await;
    assert!(now.enable_ecs_managed_tags());
    assert_eq!(now.propagate_tags(), Some(&PropagateTags::Service));
    // Without the flags, a deploy leaves them as they are.
    let run = world
        .run(&["--service", "backend", "--force-new-deployment"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let now = world.wait("backend", "describe", |_| true).await;
    assert!(now.enable_ecs_managed_tags());
    assert_eq!(now.propagate_tags(), Some(&PropagateTags::Service));
}
