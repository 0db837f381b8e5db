//! Failing deployments: the circuit breaker trips at its threshold and rolls back (crash,
//! pull-error, unhealthy), leaves a FAILED deployment alone without rollback, and
//! StopServiceDeployment rolls back on request.

use aws_sdk_ecs as ecs;
use ecs::types::{
    DeploymentRolloutState, DesiredStatus, ServiceDeploymentRollbackMonitorsStatus,
    ServiceDeploymentStatus, StopServiceDeploymentStopType, Task, TaskStopCode,
};
use ecs_sim::RunningSim;

use crate::harness::{
    LOG_GROUP, describe, ecs_client, is_steady_on, logs_client, messages, register, sim,
    stable_service, tasks_of, update_to, wait_service,
};

/// What a failed-and-rolled-back deployment left behind.
struct RolledBack {
    sim: RunningSim,
    ecs: ecs::Client,
    cluster: String,
    failed_id: String,
    stopped: Vec<Task>,
}

/// Deploy a revision that behaves as `behavior` over a stable service; wait for the
/// breaker to trip and the rollback to complete; check what every failure mode shares.
async fn breaker_rolls_back(behavior: &str) -> RolledBack {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let cluster = format!("cb-{behavior}");
    let rev1 = register(&ecs, "backend", "healthy").await;
    let first = stable_service(&ecs, &cluster, "backend", &rev1, true).await;
    let first_id = first.deployments()[0].id().unwrap().to_owned();
    let rev2 = register(&ecs, "backend", behavior).await;
    let updated = update_to(&ecs, &cluster, "backend", &rev2).await;
    let failed_id = updated.deployments()[0].id().unwrap().to_owned();
    // UpdateService names the service deployment it started, as ECS does.
    let current = updated.current_service_deployment().unwrap().to_owned();

    let during = wait_service(&ecs, &cluster, "backend", "the breaker trips", |s| {
        s.deployments().iter().any(|d| {
            d.id() == Some(failed_id.as_str())
                && d.rollout_state() == Some(&DeploymentRolloutState::Failed)
        })
    })
    .await;
    let failed = during
        .deployments()
        .iter()
        .find(|d| d.id() == Some(failed_id.as_str()))
        .unwrap();
    assert_eq!(failed.status(), Some("ACTIVE"));
    assert_eq!(
        failed.rollout_state_reason(),
        Some("ECS deployment circuit breaker: tasks failed to start.")
    );
    // Tripped exactly at the threshold (0.5 x 2, at least 3); a FAILED deployment stops
    // counting, so tasks failing after the trip do not raise it.
    assert_eq!(failed.failed_tasks(), 3, "{failed:?}");
    let primary = &during.deployments()[0];
    assert_eq!(primary.status(), Some("PRIMARY"));
    assert_eq!(primary.task_definition(), Some(rev1.as_str()));
    assert_eq!(
        primary.rollout_state_reason(),
        Some(
            format!("ECS deployment circuit breaker: rolling back to deploymentId {first_id}.")
                .as_str()
        )
    );

    let done = wait_service(&ecs, &cluster, "backend", "the rollback completes", |s| {
        is_steady_on(s, &rev1)
    })
    .await;
    assert_ne!(done.deployments()[0].id(), Some(first_id.as_str()));
    assert_eq!(done.task_definition(), Some(rev1.as_str()));
    let events = messages(&done);
    assert_eq!(events[0], "(service backend) has reached a steady state.");
    for wanted in [
        format!(
            "(service backend) (deployment {failed_id}) deployment failed: tasks failed to start."
        ),
        format!("(service backend) rolling back to deployment {first_id}."),
        "(service backend) is unable to consistently start tasks successfully.".to_owned(),
    ] {
        assert!(
            events.contains(&wanted),
            "missing {wanted:?} in {events:#?}"
        );
    }

    let arn = ecs
        .list_service_deployments()
        .cluster(&cluster)
        .service("backend")
        .send()
        .await
        .unwrap()
        .service_deployments()[0]
        .service_deployment_arn()
        .unwrap()
        .to_owned();
    assert_eq!(arn, current);
    // Like ECS's, the ARN's id is not the deployment id.
    assert!(
        !arn.contains(failed_id.trim_start_matches("ecs-svc/")),
        "{arn}"
    );
    let record = ecs
        .describe_service_deployments()
        .service_deployment_arns(&arn)
        .send()
        .await
        .unwrap()
        .service_deployments()[0]
        .clone();
    assert_eq!(
        record.status(),
        Some(&ServiceDeploymentStatus::RollbackSuccessful)
    );
    let cb = record.deployment_circuit_breaker().unwrap();
    assert_eq!(
        cb.status(),
        Some(&ServiceDeploymentRollbackMonitorsStatus::Triggered)
    );
    assert_eq!(cb.threshold(), 3);
    assert_eq!(cb.failure_count(), 3);
    assert_eq!(
        record.alarms().unwrap().status(),
        Some(&ServiceDeploymentRollbackMonitorsStatus::Disabled)
    );
    assert_eq!(
        record.status_reason(),
        Some("Service deployment rolled back successfully.")
    );
    assert!(
        record
            .rollback()
            .unwrap()
            .reason()
            .unwrap()
            .contains("rolling back")
    );
    assert_eq!(record.source_service_revisions().len(), 1);
    assert!(record.target_service_revision().unwrap().arn().is_some());

    // Tasks that failed (not the in-flight ones the scheduler stopped at rollback).
    let stopped: Vec<Task> = tasks_of(&ecs, &cluster, &failed_id, DesiredStatus::Stopped)
        .await
        .into_iter()
        .filter(|t| {
            !t.stopped_reason()
                .unwrap()
                .starts_with("Scaling activity initiated by")
        })
        .collect();
    assert!(stopped.len() >= 3, "{} failed tasks", stopped.len());
    RolledBack {
        sim,
        ecs,
        cluster,
        failed_id,
        stopped,
    }
}

#[tokio::test]
async fn crashing_tasks_trip_the_breaker_and_roll_back() {
    let r = breaker_rolls_back("crash").await;
    for t in &r.stopped {
        assert_eq!(t.stop_code(), Some(&TaskStopCode::EssentialContainerExited));
        assert_eq!(
            t.stopped_reason(),
            Some("Essential container in task exited")
        );
        assert_eq!(t.containers()[0].exit_code(), Some(1));
        assert!(t.started_at().is_some());
        assert_eq!(t.started_by(), Some(r.failed_id.as_str()));
    }
    let logs = logs_client(&r.sim.endpoint());
    let task_id = r.stopped[0].task_arn().unwrap().rsplit('/').next().unwrap();
    let out = logs
        .get_log_events()
        .log_group_name(LOG_GROUP)
        .log_stream_name(format!("ecs/backend/{task_id}"))
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let lines: Vec<&str> = out.events().iter().filter_map(|e| e.message()).collect();
    assert!(
        lines.contains(&"Error: connection to database failed"),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("Traceback")),
        "{lines:#?}"
    );
    let filtered = logs
        .filter_log_events()
        .log_group_name(LOG_GROUP)
        .filter_pattern("\"connection to database failed\"")
        .send()
        .await
        .unwrap();
    assert!(filtered.events().len() >= 3);
}

#[tokio::test]
async fn pull_errors_trip_the_breaker_and_roll_back() {
    let r = breaker_rolls_back("pull-error").await;
    for t in &r.stopped {
        assert_eq!(t.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
        assert!(t.started_at().is_none(), "never reached RUNNING");
        let reason = t.containers()[0].reason().unwrap();
        assert!(
            reason.starts_with("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ")
                && reason.ends_with(":pull-error: not found"),
            "{reason}"
        );
        assert_eq!(t.stopped_reason(), Some(reason));
    }
}

#[tokio::test]
async fn unhealthy_tasks_trip_the_breaker_and_roll_back() {
    let r = breaker_rolls_back("unhealthy").await;
    for t in &r.stopped {
        assert_eq!(
            t.stopped_reason(),
            Some("Task failed container health checks")
        );
        assert_eq!(
            t.health_status(),
            Some(&ecs::types::HealthStatus::Unhealthy)
        );
    }
    let s = describe(&r.ecs, &r.cluster, "backend").await;
    let id = r.stopped[0].task_arn().unwrap().rsplit('/').next().unwrap();
    assert!(messages(&s).contains(&format!(
        "(service backend) (task {id}) failed container health checks."
    )));
}

#[tokio::test]
async fn without_rollback_the_failed_deployment_stays_and_launches_nothing() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let rev1 = register(&ecs, "norb", "healthy").await;
    stable_service(&ecs, "norb", "api", &rev1, false).await;
    let rev2 = register(&ecs, "norb", "crash").await;
    let updated = update_to(&ecs, "norb", "api", &rev2).await;
    let id = updated.deployments()[0].id().unwrap().to_owned();
    let failed = wait_service(&ecs, "norb", "api", "the breaker trips", |s| {
        s.deployments()[0].rollout_state() == Some(&DeploymentRolloutState::Failed)
    })
    .await;
    assert_eq!(failed.deployments()[0].id(), Some(id.as_str()));
    assert_eq!(failed.deployments()[0].status(), Some("PRIMARY"));
    let count = |ecs: ecs::Client, id: String| async move {
        let mut arns = std::collections::BTreeSet::new();
        for status in [DesiredStatus::Running, DesiredStatus::Stopped] {
            for t in tasks_of(&ecs, "norb", &id, status).await {
                arns.insert(t.task_arn().unwrap().to_owned());
            }
        }
        arns.len()
    };
    let before = count(ecs.clone(), id.clone()).await;
    // 1.5 real seconds = 75 simulated seconds: several launch cycles.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let after = count(ecs.clone(), id.clone()).await;
    assert_eq!(before, after, "a FAILED deployment launched tasks");
    let s = describe(&ecs, "norb", "api").await;
    assert_eq!(s.deployments().len(), 2);
    assert_eq!(
        s.deployments()[0].rollout_state(),
        Some(&DeploymentRolloutState::Failed)
    );
    assert_eq!(s.deployments()[1].task_definition(), Some(rev1.as_str()));
    assert_eq!(s.deployments()[1].running_count(), 2);
    assert_eq!(s.running_count(), 2);
    let briefs = ecs
        .list_service_deployments()
        .cluster("norb")
        .service("api")
        .send()
        .await
        .unwrap();
    assert_eq!(
        briefs.service_deployments()[0].status(),
        Some(&ServiceDeploymentStatus::Stopped)
    );
}

#[tokio::test]
async fn stop_service_deployment_rolls_back_without_rollback_configured() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let rev1 = register(&ecs, "stop", "healthy").await;
    stable_service(&ecs, "stop", "api", &rev1, false).await;
    let rev2 = register(&ecs, "stop", "slow:6000").await;
    ecs.update_service()
        .cluster("stop")
        .service("api")
        .task_definition(&rev2)
        .send()
        .await
        .unwrap();
    let listed = ecs
        .list_service_deployments()
        .cluster("stop")
        .service("api")
        .status(ServiceDeploymentStatus::InProgress)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.service_deployments().len(), 1);
    let arn = listed.service_deployments()[0]
        .service_deployment_arn()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    ecs.stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .unwrap();
    let done = wait_service(&ecs, "stop", "api", "the rollback completes", |s| {
        is_steady_on(s, &rev1)
    })
    .await;
    assert_eq!(done.deployments().len(), 1);
    let record = ecs
        .describe_service_deployments()
        .service_deployment_arns(&arn)
        .send()
        .await
        .unwrap()
        .service_deployments()[0]
        .clone();
    assert_eq!(
        record.status(),
        Some(&ServiceDeploymentStatus::RollbackSuccessful)
    );
    let rollback = record.rollback().unwrap();
    assert!(
        rollback
            .reason()
            .unwrap()
            .contains("rolling back to deploymentId ecs-svc/")
    );
    assert_eq!(
        record.deployment_circuit_breaker().unwrap().status(),
        Some(&ServiceDeploymentRollbackMonitorsStatus::MonitoringComplete)
    );
    let again = ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .send()
        .await;
    assert!(again.is_err(), "a finished deployment cannot be stopped");
}

#[tokio::test]
async fn stop_service_deployment_abort_stops_where_it_is_without_rollback() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 1);
    let rev1 = register(&ecs, "abort", "healthy").await;
    stable_service(&ecs, "abort", "api", &rev1, true).await;
    let rev2 = register(&ecs, "abort", "slow:6000").await;
    let updated = update_to(&ecs, "abort", "api", &rev2).await;
    let id = updated.deployments()[0].id().unwrap().to_owned();
    let arn = updated.current_service_deployment().unwrap().to_owned();
    ecs.stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Abort)
        .send()
        .await
        .unwrap();
    let record = |ecs: ecs::Client, arn: String| async move {
        ecs.describe_service_deployments()
            .service_deployment_arns(arn)
            .send()
            .await
            .unwrap()
            .service_deployments()[0]
            .clone()
    };
    let first = record(ecs.clone(), arn.clone()).await;
    assert!(
        matches!(
            first.status(),
            Some(ServiceDeploymentStatus::StopRequested | ServiceDeploymentStatus::Stopped)
        ),
        "{first:?}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let stopped = loop {
        let r = record(ecs.clone(), arn.clone()).await;
        if r.status() == Some(&ServiceDeploymentStatus::Stopped) {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "never STOPPED: {r:?}");
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    assert_eq!(
        stopped.status_reason(),
        Some("Service deployment stopped by request.")
    );
    assert!(stopped.stopped_at().is_some() && stopped.rollback().is_none());
    let s = describe(&ecs, "abort", "api").await;
    assert_eq!(s.deployments()[0].id(), Some(id.as_str()));
    assert_eq!(
        s.deployments()[0].rollout_state(),
        Some(&DeploymentRolloutState::Failed)
    );
    assert_eq!(
        s.deployments()[0].rollout_state_reason(),
        Some("ECS deployment stopped by StopServiceDeployment.")
    );
    assert!(
        !messages(&s).iter().any(|m| m.contains("rolling back")),
        "ABORT does not roll back"
    );
    let again = ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .expect_err("a STOPPED deployment cannot be stopped");
    let err = again.into_service_error();
    assert!(err.is_conflict_exception(), "{err:?}");
    assert_eq!(
        ecs::error::ProvideErrorMetadata::message(&err),
        Some(
            format!("The service deployment {arn} has status STOPPED and cannot be stopped.")
                .as_str()
        )
    );
}
