//! Deployments followed to their end: completed, rolled back, failed,
//! timed out, superseded, and several services at once.

use serde_json::json;

use crate::harness::{CLUSTER, SCALE, World, breaker, taskdef};

/// Deploys `behavior` to a fresh stable `backend` and returns the run.
async fn deploy(behavior: &str, rollback: bool, extra: &[&str]) -> (World, portfolio_testkit::Run) {
    let world = World::new(SCALE).await;
    world.service("backend", rollback).await;
    let file = world.backend_file(behavior);
    let mut args = vec!["--service", "backend", "--json", "--task-definition"];
    args.push(file.to_str().unwrap());
    args.extend_from_slice(extra);
    let run = world.run(&args).await;
    (world, run)
}

#[tokio::test(flavor = "multi_thread")]
async fn good_deploy_completes_with_exit_0() {
    let (world, run) = deploy("healthy", true, &[]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    let service = &json["services"][0];
    assert_eq!(service["outcome"], "completed");
    assert!(
        service["task_definition_arn"]
            .as_str()
            .unwrap()
            .ends_with("portfolio-dev-backend:2")
    );
    let id = service["deployment_id"].as_str().unwrap();
    assert!(
        run.stderr.contains(&format!("deployment {id} started")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("has reached a steady state"),
        "{}",
        run.stderr
    );
    // The service runs our revision, registered with the tags --help promises.
    let tags = tags_of(&world, service["task_definition_arn"].as_str().unwrap()).await;
    for (key, value) in [
        ("portfolio-ci:project", "portfolio"),
        ("portfolio-ci:env", "dev"),
        ("portfolio-ci:service", "backend"),
        ("portfolio-ci:deployed-by", "ecs-rolling-deploy"),
    ] {
        assert_eq!(tags.get(key).map(String::as_str), Some(value), "{tags:?}");
    }
    // DescribeServices, RegisterTaskDefinition and UpdateService, then at
    // most one poll per second (the fastest pace) and a last one.
    let api_calls = json["api_calls"].as_f64().unwrap();
    let seconds = json["duration_seconds"].as_f64().unwrap();
    assert!(
        (4.0..=5.0 + seconds.ceil()).contains(&api_calls),
        "{api_calls} calls in {seconds} s"
    );
}

/// The tags of a resource, by key.
async fn tags_of(world: &World, arn: &str) -> std::collections::HashMap<String, String> {
    world
        .ecs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn crash_is_rolled_back_and_explained() {
    let (_world, run) = deploy("crash", true, &[]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "rolled-back");
    let report = &service["report"];
    assert_eq!(report["groups"][0]["stop_code"], "EssentialContainerExited");
    assert!(
        report["rollout_reason"]
            .as_str()
            .unwrap()
            .contains("circuit breaker"),
        "{report}"
    );
    assert!(
        run.stderr.contains("Essential container in task exited"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("exit code 1"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("ConnectionRefusedError: [Errno 111] Connection refused"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_error_is_rolled_back_and_explained() {
    let (_world, run) = deploy("pull-error", true, &[]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("TaskFailedToStart"), "{}", run.stderr);
    assert!(
        run.stderr.contains("CannotPullContainerError"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unhealthy_is_rolled_back_and_explained() {
    let (_world, run) = deploy("unhealthy", true, &[]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("health check: UNHEALTHY"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Health check failed"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_rollback_waits_until_the_old_version_is_back() {
    let (world, run) = deploy("crash", true, &["--wait-for-rollback"]).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let service = &run.json()["services"][0];
    let rollback = service["rollback_deployment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = world.wait("backend", "describe", |_| true).await;
    let d = now
        .deployments()
        .iter()
        .find(|d| d.id() == Some(rollback.as_str()))
        .unwrap();
    assert_eq!(d.rollout_state().unwrap().as_str(), "COMPLETED");
    assert!(d.task_definition().unwrap().ends_with(":1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn failure_without_rollback_exits_4() {
    let (_world, run) = deploy("crash", false, &["--rollback", "false"]).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(run.json()["services"][0]["outcome"], "failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_exits_5_and_leaves_the_deployment_running() {
    let (world, run) = deploy("slow:100000", true, &["--timeout", "3s"]).await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let id = run.json()["services"][0]["deployment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let service = world.wait("backend", "describe", |_| true).await;
    let ours = service
        .deployments()
        .iter()
        .find(|d| d.id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(ours.rollout_state().unwrap().as_str(), "IN_PROGRESS");
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_with_rollback_stops_our_deployment() {
    let (world, run) = deploy(
        "slow:100000",
        true,
        &["--timeout", "3s", "--rollback-on-timeout"],
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["rolled_back"], true);
    let id = service["deployment_id"].as_str().unwrap().to_owned();
    world.wait_rolled_back("backend", &id).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn superseded_by_another_deployment_exits_6_naming_it() {
    let world = World::new(SCALE).await;
    let first = world.service("backend", true).await;
    let file = world.backend_file("slow:200");
    let child = world
        .command(&[
            "--service",
            "backend",
            "--json",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    world.wait_for_new_deployment("backend", &first).await;
    let theirs = world
        .ecs
        .update_service()
        .cluster(CLUSTER)
        .service("backend")
        .task_definition(&first)
        .force_new_deployment(true)
        .send()
        .await
        .unwrap();
    let theirs = theirs
        .service()
        .unwrap()
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    let run = crate::harness::finish(child).await;
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert_eq!(run.json()["services"][0]["by"], json!(theirs));
    assert!(
        run.stderr
            .contains(&format!("superseded by deployment {theirs}")),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_services_from_templates_one_failing() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    world.service("worker", true).await;
    world.file(
        "backend.json",
        &taskdef("portfolio-${ENV}-backend", "backend", "healthy"),
    );
    world.file(
        "worker.json",
        &taskdef("portfolio-${ENV}-worker", "worker", "crash"),
    );
    std::fs::write(
        world.path().join("portfolio-ci.yaml"),
        "project: portfolio\nservices:\n  backend:\n    task_definition: backend.json\n  \
         worker:\n    port: 9000\n    task_definition: worker.json\n",
    )
    .unwrap();
    let run = world
        .run(&["--service", "backend", "--service", "worker", "--json"])
        .await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["services"][0]["outcome"], "completed");
    assert_eq!(json["services"][1]["outcome"], "rolled-back");
    assert!(
        json["services"][1]["task_definition_arn"]
            .as_str()
            .unwrap()
            .contains("portfolio-dev-worker:2")
    );
    assert!(
        run.stderr.contains("worker: why deployment"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn services_with_the_same_definition_share_one_revision() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    world.service("worker", true).await;
    let file = world.file(
        "td.json",
        &taskdef("portfolio-dev-shared", "app", "healthy"),
    );
    let run = world
        .run(&[
            "--cluster",
            CLUSTER,
            "--service",
            "backend",
            "--service",
            "worker",
            "--json",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(
        json["services"][0]["task_definition_arn"],
        json["services"][1]["task_definition_arn"]
    );
    assert_eq!(
        run.stderr.matches("registered ").count(),
        1,
        "{}",
        run.stderr
    );
    let tags = tags_of(
        &world,
        json["services"][0]["task_definition_arn"].as_str().unwrap(),
    )
    .await;
    assert_eq!(tags["portfolio-ci:service"], "backend worker");
}

#[tokio::test(flavor = "multi_thread")]
async fn step_summary_outputs_and_annotations_under_actions() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("crash");
    let output = world.path().join("output");
    let summary = world.path().join("summary.md");
    let mut command = world.command(&[
        "--service",
        "backend",
        "--task-definition",
        file.to_str().unwrap(),
    ]);
    command
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary);
    let run = crate::harness::finish(command.spawn().unwrap()).await;
    assert_eq!(run.code, 3, "{}", run.stderr);
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.contains("outcome=rolled-back\n"), "{outputs}");
    assert!(outputs.contains("deployment-id=ecs-svc/"), "{outputs}");
    assert!(
        outputs.contains("task-definition-arn=arn:aws:ecs:"),
        "{outputs}"
    );
    assert!(outputs.contains("duration="), "{outputs}");
    let md = std::fs::read_to_string(&summary).unwrap();
    for expected in [
        "| backend | ❌ failed: the circuit breaker",
        "`EssentialContainerExited`",
        "exit code 1",
        "ConnectionRefusedError: [Errno 111] Connection refused",
        "```mermaid\ngantt",
        "section tasks",
        "FAILED :crit",
    ] {
        assert!(md.contains(expected), "{expected:?} not in\n{md}");
    }
    assert!(run.stderr.contains("::error::backend: "), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_with_nothing_to_roll_back_to_exits_4_without_waiting() {
    let world = World::new(SCALE).await;
    // Rollback on, but the service never had a COMPLETED deployment.
    world
        .create_service("backend", "crash", breaker(true, true))
        .await;
    world
        .wait("backend", "the first deployment fails", |s| {
            s.deployments()[0]
                .rollout_state()
                .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str)
                == Some("FAILED")
        })
        .await;
    let file = world.backend_file("crash");
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--wait-for-rollback",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "failed");
    assert_eq!(service["rollback_deployment_id"], json!(null));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_update_after_another_service_started_is_reported_and_the_other_followed() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let worker = world.service("worker", true).await;
    // ECS refuses to deploy an INACTIVE task definition.
    world
        .ecs
        .deregister_task_definition()
        .task_definition(&worker)
        .send()
        .await
        .unwrap();
    let run = world
        .run(&[
            "--cluster",
            CLUSTER,
            "--service",
            "backend",
            "--service",
            "worker",
            "--force-new-deployment",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["outcome"], "not-started");
    assert_eq!(json["services"][0]["outcome"], "completed");
    let worker = &json["services"][1];
    assert_eq!(worker["outcome"], "not-started");
    assert_eq!(worker["deployment_id"], json!(null));
    assert!(
        worker["reason"]
            .as_str()
            .unwrap()
            .contains("TaskDefinition is inactive"),
        "{worker}"
    );
    assert!(
        !run.stderr.contains("nothing was deployed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("nothing changed"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn desired_count_is_set_only_when_given() {
    let world = World::new(SCALE).await;
    world.service("backend", true).await;
    let file = world.backend_file("healthy");
    let path = file.to_str().unwrap();
    let run = world
        .run(&[
            "--service",
            "backend",
            "--desired-count",
            "3",
            "--task-definition",
            path,
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let now = world.wait("backend", "describe", |_| true).await;
    assert_eq!(now.desired_count(), 3);
    assert_eq!(now.running_count(), 3);
    // Scaled elsewhere (auto-scaling): a deploy without the flag leaves it.
    world
        .ecs
        .update_service()
        .cluster(CLUSTER)
        .service("backend")
        .desired_count(1)
        .send()
        .await
        .unwrap();
    let run = world
        .run(&["--service", "backend", "--force-new-deployment"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let now = world.wait("backend", "describe", |_| true).await;
    assert_eq!(now.desired_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn force_new_deployment_restarts_the_live_definition() {
    let world = World::new(SCALE).await;
    let live = world.service("backend", true).await;
    let first = world
        .wait("backend", "describe", |_| true)
        .await
        .deployments()[0]
        .id()
        .unwrap()
        .to_owned();
    let run = world
        .run(&["--service", "backend", "--force-new-deployment", "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "completed");
    assert_eq!(service["task_definition_arn"], json!(live));
    assert_ne!(service["deployment_id"], json!(first));
    assert!(!run.stderr.contains("registered "), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_wait_reports_the_deployment_and_exits_0_without_following() {
    let (world, run) = deploy("slow:100000", true, &["--no-wait"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let service = &run.json()["services"][0];
    assert_eq!(service["outcome"], "started");
    let id = service["deployment_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ecs-svc/"), "{service}");
    // Nothing followed it: it is still rolling out.
    let now = world.wait("backend", "describe", |_| true).await;
    let ours = now
        .deployments()
        .iter()
        .find(|d| d.id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(ours.rollout_state().unwrap().as_str(), "IN_PROGRESS");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_lists_more_than_one_page_of_failed_tasks() {
    let world = World::new(SCALE).await;
    world.service("backend", false).await;
    let file = world.backend_file("crash");
    // 250 tasks: the breaker trips after 125 failures, more than the 100
    // tasks ECS lists per page.
    let run = world
        .run(&[
            "--service",
            "backend",
            "--json",
            "--desired-count",
            "250",
            "--rollback",
            "false",
            "--task-definition",
            file.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    let json = run.json();
    let groups = json["services"][0]["report"]["groups"].as_array().unwrap();
    let failed: usize = groups
        .iter()
        .map(|g| g["tasks"].as_array().unwrap().len())
        .sum();
    assert!(failed >= 125, "{failed} failed tasks in {groups:?}");
}
