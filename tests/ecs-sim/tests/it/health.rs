//! Health as ECS decides it: container health from the definition's `healthCheck`
//! (none: UNKNOWN, which counts as healthy), target health for services with a load
//! balancer, and `healthCheckGracePeriodSeconds`.

use aws_sdk_ecs as ecs;
use ecs::types::{
    DeploymentRolloutState, DesiredStatus, HealthStatus, LaunchType, LoadBalancer, Task,
};

use crate::harness::{
    deployment_config, ecs_client, is_steady_on, messages, register_checked, sim, tasks_of,
    wait_service,
};

const TARGET_GROUP: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/backend/0123456789abcdef";

/// Creates cluster `cluster` and a 2-task service `backend` on `task_definition`
/// behind [`TARGET_GROUP`] (when `balanced`) with `grace` seconds of grace period.
async fn create(
    ecs: &ecs::Client,
    cluster: &str,
    task_definition: &str,
    balanced: bool,
    grace: Option<i32>,
) {
    ecs.create_cluster()
        .cluster_name(cluster)
        .send()
        .await
        .unwrap();
    let lb = LoadBalancer::builder()
        .target_group_arn(TARGET_GROUP)
        .container_name("backend")
        .container_port(8000)
        .build();
    ecs.create_service()
        .cluster(cluster)
        .service_name("backend")
        .task_definition(task_definition)
        .desired_count(2)
        .launch_type(LaunchType::Fargate)
        .deployment_configuration(deployment_config(true))
        .set_load_balancers(balanced.then(|| vec![lb]))
        .set_health_check_grace_period_seconds(grace)
        .send()
        .await
        .unwrap();
}

/// The first deployment's stopped tasks, once its breaker tripped.
async fn tripped(ecs: &ecs::Client, cluster: &str) -> (ecs::types::Service, Vec<Task>) {
    let s = wait_service(ecs, cluster, "backend", "the breaker trips", |s| {
        s.deployments()
            .iter()
            .any(|d| d.rollout_state() == Some(&DeploymentRolloutState::Failed))
    })
    .await;
    let failed = s
        .deployments()
        .iter()
        .find(|d| d.rollout_state() == Some(&DeploymentRolloutState::Failed))
        .unwrap();
    assert_eq!(failed.failed_tasks(), 3);
    let stopped = tasks_of(ecs, cluster, failed.id().unwrap(), DesiredStatus::Stopped).await;
    assert!(stopped.len() >= 3, "{stopped:?}");
    (s, stopped)
}

fn seconds_running(t: &Task) -> f64 {
    t.stopping_at().unwrap().as_secs_f64() - t.started_at().unwrap().as_secs_f64()
}

#[tokio::test]
async fn without_a_health_check_tasks_are_unknown_and_the_deployment_completes() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    // Even an app that would fail a check: nothing checks it.
    let td = register_checked(&ecs, "unchecked", "unhealthy", None).await;
    create(&ecs, "unchecked", &td, false, None).await;
    let s = wait_service(
        &ecs,
        "unchecked",
        "backend",
        "the deployment completes",
        |s| is_steady_on(s, &td),
    )
    .await;
    let id = s.deployments()[0].id().unwrap();
    let running = tasks_of(&ecs, "unchecked", id, DesiredStatus::Running).await;
    assert_eq!(running.len(), 2);
    for t in &running {
        assert_eq!(t.health_status().map(HealthStatus::as_str), Some("UNKNOWN"));
        assert_eq!(
            t.containers()[0].health_status().map(HealthStatus::as_str),
            Some("UNKNOWN")
        );
    }
    assert_eq!(s.deployments()[0].failed_tasks(), 0);
}

#[tokio::test]
async fn an_unhealthy_target_is_stopped_with_elbs_reason_and_trips_the_breaker() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    // No container health check: the load balancer's check alone finds it unhealthy.
    let td = register_checked(&ecs, "elb", "unhealthy", None).await;
    create(&ecs, "elb", &td, true, None).await;
    let (s, stopped) = tripped(&ecs, "elb").await;
    let events = messages(&s);
    for t in &stopped {
        assert_eq!(
            t.stopped_reason(),
            Some(
                format!("Task failed ELB health checks in (target-group {TARGET_GROUP})").as_str()
            )
        );
        assert_eq!(t.health_status().map(HealthStatus::as_str), Some("UNKNOWN"));
        let id = t.task_arn().unwrap().rsplit('/').next().unwrap();
        let event = format!(
            "(service backend) (task {id}) (port 8000) is unhealthy in (target-group {TARGET_GROUP}) due to (reason Health checks failed with these codes: [500])."
        );
        assert!(events.contains(&event), "{event} not in {events:#?}");
        // Registered, checked after 30 s and 60 s (unhealthy threshold 2): stopped then.
        assert!(seconds_running(t) < 120.0, "{t:?}");
    }
}

#[tokio::test]
async fn the_grace_period_keeps_an_unhealthy_target_until_it_ends() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let td = register_checked(&ecs, "grace", "unhealthy", None).await;
    // Unhealthy 60 s after the start, but ignored for 300 s.
    create(&ecs, "grace", &td, true, Some(300)).await;
    let (_, stopped) = tripped(&ecs, "grace").await;
    for t in &stopped {
        assert!(
            seconds_running(t) >= 300.0,
            "stopped within the grace period: {t:?}"
        );
        assert_eq!(
            t.stopped_reason(),
            Some(
                format!("Task failed ELB health checks in (target-group {TARGET_GROUP})").as_str()
            )
        );
    }
}

#[tokio::test]
async fn a_healthy_target_and_container_complete_the_deployment() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let td = register_checked(
        &ecs,
        "both",
        "healthy",
        Some(crate::harness::health_check("healthy")),
    )
    .await;
    create(&ecs, "both", &td, true, Some(10)).await;
    let s = wait_service(&ecs, "both", "backend", "the deployment completes", |s| {
        is_steady_on(s, &td)
    })
    .await;
    let id = s.deployments()[0].id().unwrap();
    for t in tasks_of(&ecs, "both", id, DesiredStatus::Running).await {
        assert_eq!(t.health_status(), Some(&HealthStatus::Healthy));
    }
    let dep = &s.deployments()[0];
    let took = dep.updated_at().unwrap().as_secs_f64() - dep.created_at().unwrap().as_secs_f64();
    // Provisioning and pull (8-13 s), then the target's first check 30 s after
    // registration (the container's passed at 10 s).
    assert!(
        took >= 38.0,
        "completed before the target was healthy: {took}"
    );
}
