//! SIGINT mid-deploy (a cancelled workflow): stop following, exit 130, and
//! roll back with --rollback-on-cancel.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::harness::{SCALE, World, finish, taskdef};

async fn cancel(extra: &[&str]) -> (World, crate::harness::Run) {
    let world = World::new(SCALE).await;
    let first = world.service("backend", true).await;
    let file = world.file(
        "td.json",
        &taskdef("portfolio-dev-backend", "backend", "slow:100000"),
    );
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
    kill(Pid::from_raw(pid), Signal::SIGINT).unwrap();
    let run = finish(child).await;
    (world, run)
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_stops_following_with_130() {
    let (world, run) = cancel(&[]).await;
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

#[tokio::test(flavor = "multi_thread")]
async fn sigint_with_rollback_on_cancel_rolls_back() {
    let (world, run) = cancel(&["--rollback-on-cancel"]).await;
    assert_eq!(run.code, 130, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["rolled_back"], true);
    let id = service["deployment_id"].as_str().unwrap().to_owned();
    world
        .wait("backend", "our deployment is rolled back", |s| {
            s.deployments().iter().any(|d| {
                d.id() == Some(id.as_str())
                    && d.rollout_state().map(|r| r.as_str()) == Some("FAILED")
            })
        })
        .await;
}
