//! ECS's reads lag UpdateService (ecs-sim's consistency delay): for a while
//! DescribeServices shows the service as it was, the previous deployment
//! PRIMARY and COMPLETED. The run follows its own deployment all along and
//! never judges by the previous one.

use crate::harness::{SCALE, World};

/// Simulated seconds before our deployment shows (1.5 real seconds).
const DELAY: f64 = 30.0;

/// Deploys `behavior` to a stable `backend` whose reads lag; returns the
/// run and the id of the deployment that was PRIMARY before.
async fn deploy_lagging(behavior: &str) -> (World, portfolio_testkit::Run, String) {
    let world = World::lagging(SCALE, DELAY).await;
    world.service("backend", true).await;
    let before = world
        .wait("backend", "the service is described", |s| {
            !s.deployments().is_empty()
        })
        .await;
    let old = before.deployments()[0].id().unwrap().to_owned();
    let file = world.backend_file(behavior);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    (world, run, old)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_good_deploy_completes_while_reads_lag() {
    let (_world, run, old) = deploy_lagging("healthy").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "completed");
    let ours = service["deployment_id"].as_str().unwrap();
    assert_ne!(ours, old);
    // Our deployment's own progress was followed to COMPLETED.
    assert!(
        run.stderr.contains(&format!("{ours} COMPLETED")),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_deploy_is_rolled_back_while_reads_lag() {
    let (world, run, old) = deploy_lagging("crash").await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "rolled-back");
    let ours = service["deployment_id"].as_str().unwrap();
    let rollback = service["rollback_deployment_id"].as_str().unwrap();
    assert_ne!(rollback, old);
    assert_ne!(rollback, ours);
    // The rollback named is the deployment ECS started to roll ours back.
    let described = world
        .wait("backend", "the rollback shows", |s| {
            s.deployments().iter().any(|d| d.id() == Some(rollback))
        })
        .await;
    let rollback = described
        .deployments()
        .iter()
        .find(|d| d.id() == Some(rollback))
        .unwrap();
    assert_eq!(
        rollback.task_definition(),
        service["previous_task_definition_arn"].as_str()
    );
}
