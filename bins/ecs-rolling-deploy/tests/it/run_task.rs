//! `--run-task`: a one-off task (a migration) on the new revision before the
//! service update: it succeeds and the deploy follows; it fails and the service
//! is not touched (exit 8, its exit code and log lines reported); without
//! --wait-for-task-stopped the run goes on once it started; a signal while
//! waiting stops it (exit 130).

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::harness::{CLUSTER, SCALE, World, finish};

/// The container override that makes the one-off task behave as `behavior`
/// (the service's tasks of the same revision stay healthy).
fn behaving(behavior: &str) -> String {
    format!(
        r#"[{{"name":"backend","command":["alembic","upgrade","head"],"environment":[{{"name":"ECS_SIM_BEHAVIOR","value":"{behavior}"}}]}}]"#
    )
}

/// `--service backend --json --task-definition FILE --run-task` in subnet-1
/// with the container overrides `overrides`, plus `extra`.
fn args<'a>(file: &'a str, overrides: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--service",
        "backend",
        "--json",
        "--task-definition",
        file,
        "--run-task",
        "--run-task-subnets",
        "subnet-1",
        "--run-task-container-overrides",
        overrides,
    ];
    args.extend_from_slice(extra);
    args
}

/// The backend service as ECS describes it now.
async fn service(world: &World) -> aws_sdk_ecs::types::Service {
    world.wait("backend", "describe", |_| true).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_migration_that_succeeds_then_the_deploy() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let overrides = behaving("healthy");
    let run = world
        .run(&args(
            file.to_str().unwrap(),
            &overrides,
            &["--wait-for-task-stopped"],
        ))
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    let task = &json["run_task"];
    assert_eq!(task["outcome"], "succeeded");
    assert_eq!(task["exit_code"], 0);
    let arn = task["task_arns"][0].as_str().unwrap();
    assert!(arn.contains(":task/portfolio-dev/"), "{arn}");
    assert_eq!(
        task["task_definition_arn"],
        json["services"][0]["task_definition_arn"]
    );
    let logs = task["tasks"][0]["containers"][0]["logs"].to_string();
    assert!(logs.contains("Running alembic upgrade head"), "{logs}");
    assert_eq!(json["services"][0]["outcome"], "completed");
    assert!(
        run.stderr.contains("run-task: task ") && run.stderr.contains(": exited 0 (exit code 0)"),
        "{}",
        run.stderr
    );
    // The update came after the task stopped.
    let stopped = task["tasks"][0]["stopped_at"].as_f64().unwrap();
    let now = service(&world).await;
    let created = now.deployments()[0].created_at().unwrap().as_secs_f64();
    assert!(
        stopped <= created,
        "task stopped at {stopped}, deployment at {created}"
    );
    // The task was started as the peer starts it.
    let described = world
        .ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .tasks(arn)
        .send()
        .await
        .unwrap();
    let t = &described.tasks()[0];
    assert_eq!(t.started_by(), Some("GitHub-Actions"));
    assert_eq!(
        t.launch_type().map(aws_sdk_ecs::types::LaunchType::as_str),
        Some("FARGATE")
    );
    assert_eq!(t.group(), Some("family:portfolio-dev-backend"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_migration_that_fails_leaves_the_service_untouched() {
    let world = World::new(SCALE).await;
    let first = world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let overrides = behaving("crash");
    let output = world.path().join("output");
    let summary = world.path().join("summary.md");
    let mut command = world.command(&args(
        file.to_str().unwrap(),
        &overrides,
        &["--wait-for-task-stopped"],
    ));
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary);
    let run = finish(command.spawn().unwrap()).await;
    assert_eq!(run.code, 8, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["outcome"], "task-failed");
    let task = &json["run_task"];
    assert_eq!(task["outcome"], "failed");
    assert_eq!(task["exit_code"], 1);
    let reason = task["reason"].as_str().unwrap();
    assert!(reason.contains("backend exited 1"), "{reason}");
    assert!(
        reason.contains("Essential container in task exited"),
        "{reason}"
    );
    let line = "ConnectionRefusedError: [Errno 111] Connection refused";
    let logs: Vec<&str> = task["tasks"][0]["containers"][0]["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(logs.last(), Some(&line), "{logs:?}");
    assert!(run.stderr.contains(line), "{}", run.stderr);
    assert!(run.stderr.contains("(exit code 1)"), "{}", run.stderr);
    let deployed = &json["services"][0];
    assert_eq!(deployed["outcome"], "not-started");
    assert_eq!(deployed["deployment_id"], Value::Null);
    // Read back: still one deployment, on the first revision.
    let now = service(&world).await;
    assert_eq!(now.task_definition(), Some(first.as_str()));
    assert_eq!(now.deployments().len(), 1);
    // Outputs and the summary tell the same.
    let outputs = std::fs::read_to_string(&output).unwrap();
    let arn = task["task_arns"][0].as_str().unwrap();
    assert!(
        outputs.contains(&format!("run-task-arn=[\"{arn}\"]\n")),
        "{outputs}"
    );
    assert!(outputs.contains("outcome=task-failed\n"), "{outputs}");
    let md = std::fs::read_to_string(&summary).unwrap();
    for expected in ["### run-task", "❌", "**Exit code:** 1", line] {
        assert!(md.contains(expected), "{expected:?} not in\n{md}");
    }
    assert!(run.stderr.contains("::error::run-task: "), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_waiting_the_deploy_goes_on_once_the_task_started() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    // It would fail, but it is not waited for (the peer's default).
    let overrides = behaving("crash");
    let run = world
        .run(&args(file.to_str().unwrap(), &overrides, &[]))
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    let task = &json["run_task"];
    assert_eq!(task["outcome"], "started");
    assert_eq!(task["exit_code"], Value::Null);
    assert_eq!(task["task_arns"].as_array().unwrap().len(), 1);
    assert_eq!(json["services"][0]["outcome"], "completed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_that_cannot_start_stops_the_deploy() {
    let world = World::new(SCALE).await;
    let first = world.service("backend", true).await;
    let file = world.backend_file("healthy");
    // No container instances for EC2 in the cluster: ECS refuses.
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--task-definition",
            file.to_str().unwrap(),
            "--run-task",
            "--run-task-launch-type",
            "EC2",
        ])
        .await;
    assert_eq!(run.code, 8, "{}", run.stderr);
    let task = &run.json()["run_task"];
    assert_eq!(task["outcome"], "failed-to-start");
    assert_eq!(
        task["reason"],
        "No Container Instances were found in your cluster."
    );
    assert_eq!(
        service(&world).await.task_definition(),
        Some(first.as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signal_while_waiting_stops_the_task_with_130() {
    let world = World::new(SCALE).await;
    let first = world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let overrides = behaving("slow:100000");
    let child = world
        .command(&args(
            file.to_str().unwrap(),
            &overrides,
            &["--wait-for-task-stopped"],
        ))
        .spawn()
        .unwrap();
    // Wait until the one-off task is RUNNING.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let listed = world
            .ecs
            .list_tasks()
            .cluster(CLUSTER)
            .started_by("GitHub-Actions")
            .send()
            .await
            .unwrap();
        if let Some(arn) = listed.task_arns().first() {
            let out = world
                .ecs
                .describe_tasks()
                .cluster(CLUSTER)
                .tasks(arn)
                .send()
                .await
                .unwrap();
            if out.tasks()[0].last_status() == Some("RUNNING") {
                break;
            }
        }
        assert!(std::time::Instant::now() < deadline, "the task never ran");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let pid = i32::try_from(child.id().unwrap()).unwrap();
    kill(Pid::from_raw(pid), Signal::SIGINT).unwrap();
    let run = finish(child).await;
    assert_eq!(run.code, 130, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["run_task"]["outcome"], "cancelled");
    assert_eq!(json["services"][0]["outcome"], "cancelled");
    let arn = json["run_task"]["task_arns"][0].as_str().unwrap();
    let out = world
        .ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .tasks(arn)
        .send()
        .await
        .unwrap();
    let task = &out.tasks()[0];
    assert_eq!(task.desired_status(), Some("STOPPED"));
    assert_eq!(
        task.stop_code()
            .map(aws_sdk_ecs::types::TaskStopCode::as_str),
        Some("UserInitiated")
    );
    assert_eq!(
        service(&world).await.task_definition(),
        Some(first.as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_service_the_task_runs_on_the_registered_definition_only() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let before = service(&world).await;
    let file = world.backend_file("healthy");
    let overrides = behaving("exit:3");
    let run = world
        .run(&[
            "--json",
            "--cluster",
            CLUSTER,
            "--task-definition",
            file.to_str().unwrap(),
            "--run-task",
            "--run-task-subnets",
            "subnet-1",
            "--run-task-container-overrides",
            &overrides,
            "--wait-for-task-stopped",
        ])
        .await;
    assert_eq!(run.code, 8, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["outcome"], "task-failed");
    assert_eq!(json["run_task"]["exit_code"], 3);
    let registered = json["task_definition_arn"].as_str().unwrap();
    assert_eq!(json["run_task"]["task_definition_arn"], registered);
    // No service was touched.
    let after = service(&world).await;
    assert_eq!(after.task_definition(), before.task_definition());
    assert_eq!(after.deployments().len(), 1);
}
