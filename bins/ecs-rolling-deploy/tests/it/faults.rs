//! Throttling and an unreachable endpoint mid-deploy: the run rides them
//! out and still reports the right outcome.

use std::time::Duration;

use crate::harness::{World, finish};

#[tokio::test(flavor = "multi_thread")]
async fn thirty_percent_throttling_still_completes() {
    let world = World::new(20.0).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    world.sim.set_throttle_rate(0.3);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    world.sim.set_throttle_rate(0.0);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["services"][0]["outcome"], "completed");
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_percent_throttling_still_detects_a_rollback() {
    let world = World::new(20.0).await;
    world.service("backend", true).await;
    let file = world.backend_file("crash");
    world.sim.set_throttle_rate(0.3);
    let run = world
        .run(&[
            "--service",
            "backend",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    world.sim.set_throttle_rate(0.0);
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_five_second_outage_mid_deploy_does_not_end_the_run() {
    // One attempt per call: the SDK's own retries cannot hide the outage,
    // so the poll loop must ride it out.
    let world = World::new(5.0).await;
    let first = world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let child = world
        .command(&[
            "--service",
            "backend",
            "--json",
            "--max-attempts",
            "1",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    world.wait_for_new_deployment("backend", &first).await;
    world.sim.pause(Duration::from_secs(5)).unwrap();
    let run = finish(child).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("ECS did not answer"), "{}", run.stderr);
    assert!(run.stderr.contains("ECS answers again"), "{}", run.stderr);
    assert_eq!(run.json()["services"][0]["outcome"], "completed");
}
