//! SIGINT or SIGTERM (a cancelled workflow) mid-deploy: stop following,
//! exit 130, and roll back with --rollback-on-cancel; before any deployment
//! started: stop, exit 130, nothing changed.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::harness::{SCALE, World, finish};

async fn cancel(signal: Signal, extra: &[&str]) -> (World, portfolio_testkit::Run) {
    let world = World::new(SCALE).await;
    let first = world.service("backend", true).await;
    let file = world.backend_file("slow:100000");
    let mut args = vec![
        "--service",
        "backend",
        "--json",
        "--task-definition",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let child = world.command(&args).spawn().unwrap();
    world.wait_for_new_deployment("backend", &first).await;
    let pid = i32::try_from(child.id().unwrap()).unwrap();
    kill(Pid::from_raw(pid), signal).unwrap();
    let run = finish(child).await;
    (world, run)
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_stops_following_with_130() {
    let (world, run) = cancel(Signal::SIGINT, &[]).await;
    assert_eq!(run.code, 130, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "cancelled");
    assert_eq!(service["rolled_back"], false);
    let id = service["deployment_id"].as_str().unwrap().to_owned();
    let now = world.wait("backend", "describe", |_| true).await;
    let ours = now
        .deployments()
        .iter()
        .find(|d| d.id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(ours.rollout_state().unwrap().as_str(), "IN_PROGRESS");
}

/// Sends `signal` mid-deploy with --rollback-on-cancel: our deployment is
/// rolled back.
async fn rolls_back_on(signal: Signal) {
    let (world, run) = cancel(signal, &["--rollback-on-cancel"]).await;
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{signal:?}: stopped following")),
        "{}",
        run.stderr
    );
    let service = &run.json()["services"][0];
    assert_eq!(service["rolled_back"], true);
    let id = service["deployment_id"].as_str().unwrap().to_owned();
    world.wait_rolled_back("backend", &id).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_with_rollback_on_cancel_rolls_back() {
    rolls_back_on(Signal::SIGINT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_with_rollback_on_cancel_rolls_back() {
    rolls_back_on(Signal::SIGTERM).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_before_any_deployment_exits_130_and_changes_nothing() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    // Every call throttled: the run is stuck retrying its first DescribeServices.
    world.sim.set_throttle_rate(1.0);
    let before = world.sim.requests();
    let child = world
        .command(&[
            "--service",
            "backend",
            "--json",
            "--max-attempts",
            "50",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while world.sim.requests() == before {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never called ECS"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pid = i32::try_from(child.id().unwrap()).unwrap();
    kill(Pid::from_raw(pid), Signal::SIGTERM).unwrap();
    let run = finish(child).await;
    world.sim.set_throttle_rate(0.0);
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("SIGTERM: stopped before any deployment started; nothing was deployed"),
        "{}",
        run.stderr
    );
    let json = run.json();
    assert_eq!(json["outcome"], "cancelled");
    assert_eq!(json["exit_code"], 130);
    assert_eq!(world.revisions("portfolio-dev-backend").await, 1);
}
