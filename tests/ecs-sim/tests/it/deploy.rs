//! A good rolling deployment through the Rust SDK: it completes, the old deployment goes
//! away, the events tell the story, and it takes 20-60 simulated seconds.

use aws_sdk_ecs::types::{DeploymentRolloutState, DesiredStatus, ServiceDeploymentStatus};

use crate::harness::{
    describe, ecs_client, is_steady_on, messages, register, sim, stable_service, tasks_of,
    update_to, wait_service,
};

#[tokio::test]
async fn good_deployment_completes_with_events() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let rev1 = register(&ecs, "backend", "healthy").await;
    let first = stable_service(&ecs, "good", "backend", &rev1, true).await;
    assert_eq!(
        messages(&first)[0],
        "(service backend) has reached a steady state."
    );

    let rev2 = register(&ecs, "backend", "healthy").await;
    assert!(rev2.ends_with("task-definition/backend:2"), "{rev2}");
    let updated = update_to(&ecs, "good", "backend", "backend:2").await;
    let primary = &updated.deployments()[0];
    assert_eq!(primary.status(), Some("PRIMARY"));
    assert_eq!(primary.task_definition(), Some(rev2.as_str()));
    assert_eq!(
        primary.rollout_state(),
        Some(&DeploymentRolloutState::InProgress)
    );
    let id = primary.id().unwrap().to_owned();
    assert!(
        id.starts_with("ecs-svc/") && id.len() == "ecs-svc/".len() + 19,
        "{id}"
    );
    assert_eq!(updated.deployments()[1].status(), Some("ACTIVE"));

    let done = wait_service(&ecs, "good", "backend", "the update completes", |s| {
        is_steady_on(s, &rev2)
    })
    .await;
    let dep = &done.deployments()[0];
    assert_eq!(dep.id(), Some(id.as_str()));
    assert_eq!(dep.running_count(), 2);
    assert_eq!(dep.failed_tasks(), 0);
    assert_eq!(done.running_count(), 2);
    assert_eq!(done.pending_count(), 0);
    assert_eq!(done.task_definition(), Some(rev2.as_str()));

    let events = messages(&done);
    assert_eq!(events[0], "(service backend) has reached a steady state.");
    assert_eq!(
        events[1],
        format!("(service backend) (deployment {id}) deployment completed.")
    );
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("(service backend) has started 2 tasks: (task "))
    );
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("(service backend) has stopped 1 running tasks: (task "))
    );
    for e in done.events() {
        assert!(e.id().is_some() && e.created_at().is_some());
    }
    let times: Vec<f64> = done
        .events()
        .iter()
        .map(|e| e.created_at().unwrap().as_secs_f64())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "events newest first: {times:?}"
    );

    let running = tasks_of(&ecs, "good", &id, DesiredStatus::Running).await;
    assert_eq!(running.len(), 2);
    for t in &running {
        assert_eq!(t.last_status(), Some("RUNNING"));
        assert_eq!(
            t.health_status(),
            Some(&aws_sdk_ecs::types::HealthStatus::Healthy)
        );
        assert_eq!(t.cpu(), Some("256"));
        assert_eq!(t.memory(), Some("512"));
        assert_eq!(t.group(), Some("service:backend"));
        let arn = t.task_arn().unwrap();
        let tail = arn
            .strip_prefix("arn:aws:ecs:us-east-1:123456789012:task/good/")
            .unwrap();
        assert!(
            tail.len() == 32 && tail.chars().all(|c| c.is_ascii_hexdigit()),
            "{arn}"
        );
    }
    let old_id = first.deployments()[0].id().unwrap();
    let stopped = tasks_of(&ecs, "good", old_id, DesiredStatus::Stopped).await;
    assert_eq!(stopped.len(), 2);
    for t in &stopped {
        assert_eq!(
            t.stop_code(),
            Some(&aws_sdk_ecs::types::TaskStopCode::ServiceSchedulerInitiated)
        );
        assert_eq!(t.last_status(), Some("STOPPED"));
        assert!(t.stopped_reason().unwrap().contains(&id));
    }

    let records = ecs
        .list_service_deployments()
        .cluster("good")
        .service("backend")
        .send()
        .await
        .unwrap();
    let briefs = records.service_deployments();
    assert_eq!(briefs.len(), 2);
    assert_eq!(
        briefs[0].status(),
        Some(&ServiceDeploymentStatus::Successful)
    );
    // The record UpdateService named; its ARN ends with its own id, not ours.
    assert_eq!(
        briefs[0].service_deployment_arn(),
        updated.current_service_deployment()
    );
    assert!(
        !briefs[0]
            .service_deployment_arn()
            .unwrap()
            .contains(id.trim_start_matches("ecs-svc/"))
    );
    assert!(
        briefs[0]
            .service_deployment_arn()
            .unwrap()
            .starts_with("arn:aws:ecs:us-east-1:123456789012:service-deployment/good/backend/")
    );
}

#[tokio::test]
async fn two_task_deployment_takes_20_to_60_simulated_seconds() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let rev1 = register(&ecs, "timing", "healthy").await;
    stable_service(&ecs, "timing", "api", &rev1, true).await;
    let rev2 = register(&ecs, "timing", "healthy").await;
    ecs.update_service()
        .cluster("timing")
        .service("api")
        .task_definition(&rev2)
        .send()
        .await
        .unwrap();
    let done = wait_service(&ecs, "timing", "api", "the update completes", |s| {
        is_steady_on(s, &rev2)
    })
    .await;
    let dep = &done.deployments()[0];
    let took = dep.updated_at().unwrap().as_secs_f64() - dep.created_at().unwrap().as_secs_f64();
    assert!(
        (20.0..=60.0).contains(&took),
        "deployment took {took} simulated seconds"
    );
    // Timestamps start at the real wall clock and advance at simulated speed.
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let created = done.created_at().unwrap().as_secs_f64();
    assert!(
        (created - wall).abs() < 3600.0,
        "created {created}, wall {wall}"
    );
    let again = describe(&ecs, "timing", "api").await;
    assert_eq!(again.deployments().len(), 1);
}

#[tokio::test]
async fn desired_count_change_scales_without_new_deployment() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let rev1 = register(&ecs, "scale", "healthy").await;
    let first = stable_service(&ecs, "scale", "web", &rev1, true).await;
    let id = first.deployments()[0].id().unwrap().to_owned();
    let out = ecs
        .update_service()
        .cluster("scale")
        .service("web")
        .desired_count(4)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    assert_eq!(out.deployments().len(), 1);
    assert_eq!(out.deployments()[0].id(), Some(id.as_str()));
    let done = wait_service(&ecs, "scale", "web", "4 tasks run", |s| {
        s.running_count() == 4
    })
    .await;
    assert_eq!(done.desired_count(), 4);
    ecs.update_service()
        .cluster("scale")
        .service("web")
        .desired_count(0)
        .send()
        .await
        .unwrap();
    wait_service(&ecs, "scale", "web", "scaled to 0", |s| {
        s.running_count() == 0 && s.pending_count() == 0
    })
    .await;
    ecs.delete_service()
        .cluster("scale")
        .service("web")
        .send()
        .await
        .unwrap();
    wait_service(&ecs, "scale", "web", "service deleted", |s| {
        s.status() == Some("INACTIVE")
    })
    .await;
}

#[tokio::test]
async fn stopped_task_is_replaced_and_arns_use_the_signing_region() {
    let sim = sim();
    let conf = aws_sdk_ecs::Config::builder()
        .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
        .region(aws_sdk_ecs::config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(sim.endpoint())
        .build();
    let ecs = aws_sdk_ecs::Client::from_conf(conf);
    let rev1 = register(&ecs, "eu", "healthy").await;
    assert!(rev1.starts_with("arn:aws:ecs:eu-west-1:123456789012:task-definition/eu:1"));
    let first = stable_service(&ecs, "eu", "api", &rev1, true).await;
    assert!(
        first
            .service_arn()
            .unwrap()
            .starts_with("arn:aws:ecs:eu-west-1:")
    );
    let id = first.deployments()[0].id().unwrap().to_owned();
    let running = tasks_of(&ecs, "eu", &id, DesiredStatus::Running).await;
    let victim = running[0].task_arn().unwrap().to_owned();
    assert!(victim.starts_with("arn:aws:ecs:eu-west-1:123456789012:task/eu/"));
    let stopped = ecs
        .stop_task()
        .cluster("eu")
        .task(&victim)
        .reason("testing")
        .send()
        .await
        .unwrap()
        .task
        .unwrap();
    assert_eq!(stopped.desired_status(), Some("STOPPED"));
    assert_eq!(
        stopped.stop_code(),
        Some(&aws_sdk_ecs::types::TaskStopCode::UserInitiated)
    );
    assert_eq!(stopped.stopped_reason(), Some("testing"));
    let back = wait_service(&ecs, "eu", "api", "the task is replaced", |s| {
        s.running_count() == 2
            && messages(s)[0].ends_with("has reached a steady state.")
            && messages(s)
                .iter()
                .filter(|m| m.contains("has reached a steady state."))
                .count()
                == 2
    })
    .await;
    assert_eq!(back.deployments().len(), 1);
    let now_running = tasks_of(&ecs, "eu", &id, DesiredStatus::Running).await;
    assert!(
        now_running
            .iter()
            .all(|t| t.task_arn() != Some(victim.as_str()))
    );
}

#[tokio::test]
async fn slow_tasks_take_longer_and_force_new_deployment_redeploys() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let rev1 = register(&ecs, "slow", "healthy").await;
    let first = stable_service(&ecs, "slow", "api", &rev1, true).await;
    let first_id = first.deployments()[0].id().unwrap().to_owned();
    let forced = ecs
        .update_service()
        .cluster("slow")
        .service("api")
        .force_new_deployment(true)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    let forced_id = forced.deployments()[0].id().unwrap().to_owned();
    assert_ne!(forced_id, first_id);
    assert_eq!(
        forced.deployments()[0].task_definition(),
        Some(rev1.as_str())
    );
    wait_service(
        &ecs,
        "slow",
        "api",
        "the forced deployment completes",
        |s| is_steady_on(s, &rev1) && s.deployments()[0].id() == Some(forced_id.as_str()),
    )
    .await;

    let rev2 = register(&ecs, "slow", "slow:45").await;
    ecs.update_service()
        .cluster("slow")
        .service("api")
        .task_definition(&rev2)
        .send()
        .await
        .unwrap();
    let done = wait_service(&ecs, "slow", "api", "the slow deployment completes", |s| {
        is_steady_on(s, &rev2)
    })
    .await;
    let dep = &done.deployments()[0];
    let took = dep.updated_at().unwrap().as_secs_f64() - dep.created_at().unwrap().as_secs_f64();
    // provisioning (3-5) + pending (5-8) + the first passing health check (every 10 s,
    // failures in the start period not counted) at 50 + draining (4-6)
    assert!(
        (62.0..=69.0).contains(&took),
        "slow deployment took {took} simulated seconds"
    );
    assert_eq!(dep.failed_tasks(), 0);
}

#[tokio::test]
async fn old_tasks_drain_only_once_new_ones_are_healthy() {
    let sim = sim();
    let ecs = ecs_client(&sim.endpoint(), 3);
    let rev1 = register(&ecs, "floor", "healthy").await;
    let first = stable_service(&ecs, "floor", "api", &rev1, true).await;
    let old_id = first.deployments()[0].id().unwrap().to_owned();
    // New tasks run for 150 simulated seconds before they pass health checks.
    let rev2 = register(&ecs, "floor", "slow:150").await;
    let updated = update_to(&ecs, "floor", "api", &rev2).await;
    let new_id = updated.deployments()[0].id().unwrap().to_owned();
    let healthy = |tasks: &[aws_sdk_ecs::types::Task]| {
        tasks
            .iter()
            .filter(|t| {
                t.last_status() == Some("RUNNING")
                    && t.health_status() == Some(&aws_sdk_ecs::types::HealthStatus::Healthy)
            })
            .count()
    };
    let mut waited_for_new = false;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        assert!(std::time::Instant::now() < deadline, "never completed");
        // Old first: an old task stopped between the two calls was replaced by a new
        // one that is healthy by the time the second call counts it.
        let old = tasks_of(&ecs, "floor", &old_id, DesiredStatus::Running).await;
        let new = tasks_of(&ecs, "floor", &new_id, DesiredStatus::Running).await;
        let new_running = new
            .iter()
            .filter(|t| t.last_status() == Some("RUNNING"))
            .count();
        // minimumHealthyPercent 100 of 2: never fewer than 2 healthy tasks.
        assert!(
            healthy(&old) + healthy(&new) >= 2,
            "below the floor: {} old and {} new healthy",
            healthy(&old),
            healthy(&new)
        );
        if new_running == 2 && healthy(&new) == 0 {
            assert_eq!(
                healthy(&old),
                2,
                "old tasks drained before new were healthy"
            );
            waited_for_new = true;
        }
        if is_steady_on(&describe(&ecs, "floor", "api").await, &rev2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        waited_for_new,
        "never saw new tasks running but not yet healthy"
    );
}
