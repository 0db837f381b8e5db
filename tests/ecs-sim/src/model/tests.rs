//! Property tests of the scheduler: driven directly (no HTTP), with random desired counts,
//! percentages, behaviours and step sizes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::Model;
use super::deployment::Rollout;
use super::ops::{NewService, ServiceUpdate};
use super::scheduler::tally;
use crate::config::Timings;

const BEHAVIORS: [&str; 6] = [
    "healthy",
    "crash",
    "unhealthy",
    "pull-error",
    "slow:40",
    "flaky:50",
];

fn task_def(family: &str, behavior: &str) -> Map<String, Value> {
    let v = json!({
        "family": family,
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "app",
            "image": "app:latest",
            "dockerLabels": {"ecs-sim.behavior": behavior},
            "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 10, "retries": 3},
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/g", "awslogs-stream-prefix": "ecs"}}
        }]
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// Running + pending of every deployment of the service, and the bound.
fn live_and_bound(model: &Model) -> (i64, i64) {
    let cluster = model.cluster(Some("c")).unwrap();
    let svc = cluster.service("s").unwrap();
    let live: i64 = svc
        .visible_deployments()
        .map(|d| {
            let k = tally(&cluster.tasks, &d.id);
            k.running + k.pending
        })
        .sum();
    (live, svc.config.max_tasks(svc.desired_count))
}

pub(super) fn setup(
    desired: i64,
    max: i64,
    min: i64,
    rollback: bool,
    behavior: &str,
    t: f64,
) -> Model {
    let mut model = Model::new(42, Timings::default());
    model.create_cluster("us-east-1", "c", json!([]));
    model
        .task_defs
        .register("us-east-1", task_def("f", "healthy"), t)
        .unwrap();
    model
        .task_defs
        .register("us-east-1", task_def("f", behavior), t)
        .unwrap();
    let req = NewService {
        name: "s".into(),
        task_definition: "f:1".into(),
        desired_count: desired,
        deployment_configuration: Some(json!({
            "maximumPercent": max,
            "minimumHealthyPercent": min,
            "deploymentCircuitBreaker": {"enable": true, "rollback": rollback}
        })),
        ..NewService::default()
    };
    model
        .create_service("us-east-1", Some("c"), req, t)
        .unwrap();
    model
}

#[test]
fn healthy_deployment_of_two_tasks_completes_in_20_to_60_seconds() {
    let t0 = 1_000_000.0;
    let mut model = setup(2, 200, 100, true, "healthy", t0);
    let mut t = t0;
    while t < t0 + 200.0 {
        t += 0.5;
        model.advance(t);
    }
    let update = ServiceUpdate {
        task_definition: Some("f:2".into()),
        ..ServiceUpdate::default()
    };
    model.update_service(Some("c"), "s", update, t).unwrap();
    let start = t;
    while t < start + 200.0 {
        t += 0.5;
        model.advance(t);
    }
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    let p = svc.primary().unwrap();
    assert_eq!(p.rollout, Rollout::Completed);
    let took = p.updated_at - p.created_at;
    assert!((20.0..=60.0).contains(&took), "{took}");
}

/// Every task's id, deployment, status and timestamps.
fn snapshot(model: &Model) -> Vec<(String, String, &'static str, f64, Option<f64>)> {
    model
        .clusters
        .values()
        .flat_map(|c| c.tasks.values())
        .map(|t| {
            (
                t.spec.id.clone(),
                t.deployment().unwrap_or_default().to_owned(),
                t.last_status.as_str(),
                t.created_at,
                t.stopped_at,
            )
        })
        .collect()
}

#[test]
fn same_seed_same_history() {
    let run = || {
        let mut model = setup(3, 200, 100, true, "flaky:50", 0.0);
        model
            .update_service(
                Some("c"),
                "s",
                ServiceUpdate {
                    task_definition: Some("f:2".into()),
                    ..ServiceUpdate::default()
                },
                0.0,
            )
            .unwrap();
        for i in 0..400 {
            model.advance(f64::from(i));
        }
        snapshot(&model)
    };
    let a = run();
    assert!(!a.is_empty());
    assert_eq!(a, run());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Running + pending never exceeds maximumPercent of desired, whatever tasks do; and
    /// a deployment ends COMPLETED or FAILED.
    #[test]
    fn never_exceeds_maximum_percent(
        desired in 1i64..6,
        max in 100i64..=200,
        min in 0i64..=100,
        rollback: bool,
        behavior in 0usize..BEHAVIORS.len(),
        steps in proptest::collection::vec(0.1f64..7.0, 100..160),
    ) {
        // A deployment needs room to move (one more task, or one fewer healthy), as in ECS.
        let cfg = super::deployment::DeploymentConfig {
            maximum_percent: max,
            minimum_healthy_percent: min,
            ..super::deployment::DeploymentConfig::default()
        };
        prop_assume!(cfg.max_tasks(desired) > desired || cfg.min_healthy(desired) < desired);
        let update = ServiceUpdate { task_definition: Some("f:2".into()), ..ServiceUpdate::default() };
        let mut model2 = setup(desired, max, min, rollback, BEHAVIORS[behavior], 0.0);
        let mut t2 = 0.0;
        for _ in 0..80 {
            t2 += 3.0;
            model2.advance(t2);
        }
        model2.update_service(Some("c"), "s", update, t2).unwrap();
        for dt in steps {
            t2 += dt;
            model2.advance(t2);
            let (live, bound) = live_and_bound(&model2);
            prop_assert!(live <= bound, "{live} running+pending > {bound}");
        }
        for _ in 0..300 {
            t2 += 2.0;
            model2.advance(t2);
            let (live, bound) = live_and_bound(&model2);
            prop_assert!(live <= bound, "{live} running+pending > {bound}");
        }
        let svc = model2.cluster(Some("c")).unwrap().service("s").unwrap();
        let updated = svc.deployments.iter().find(|d| d.task_definition.ends_with(":2")).unwrap();
        prop_assert!(updated.rollout != Rollout::InProgress, "deployment still in progress");
    }
}

#[test]
fn registration_rejects_what_ecs_rejects() {
    let mut defs = crate::model::taskdef::TaskDefs::default();
    let mut fargate = task_def("f", "healthy");
    fargate.insert("requiresCompatibilities".into(), json!(["FARGATE"]));
    fargate.insert("memory".into(), json!("4096"));
    let err = defs
        .register("us-east-1", fargate.clone(), 0.0)
        .unwrap_err();
    assert_eq!(
        err,
        "No Fargate configuration exists for given values: 256 CPU, 4096 memory. \
         See the Amazon ECS documentation for the valid values."
    );
    fargate.insert("cpu".into(), json!("300"));
    assert_eq!(
        defs.register("us-east-1", fargate.clone(), 0.0)
            .unwrap_err(),
        "Invalid 'cpu' setting for task."
    );
    fargate.insert("cpu".into(), json!(1024));
    assert!(defs.register("us-east-1", fargate, 0.0).is_ok());

    let mut ec2 = task_def("g", "healthy");
    ec2.remove("memory");
    assert_eq!(
        defs.register("us-east-1", ec2, 0.0).unwrap_err(),
        "Invalid setting for container 'app'. At least one of 'memory' or \
         'memoryReservation' must be specified."
    );
}

#[test]
fn failed_tasks_reset_when_a_task_of_the_deployment_runs_healthy() {
    let t0 = 1_000_000.0;
    let mut model = setup(10, 200, 100, true, "flaky:50", t0);
    let mut t = t0;
    while t < t0 + 200.0 {
        t += 0.5;
        model.advance(t);
    }
    let update = ServiceUpdate {
        task_definition: Some("f:2".into()),
        ..ServiceUpdate::default()
    };
    let id = model
        .update_service(Some("c"), "s", update, t)
        .unwrap()
        .primary()
        .unwrap()
        .id
        .clone();
    let (mut highest, mut reset) = (0, false);
    let start = t;
    while t < start + 300.0 {
        t += 0.5;
        model.advance(t);
        let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
        let ours = svc.deployments.iter().find(|d| d.id == id).unwrap();
        if ours.failed_tasks == 0 && highest > 0 && ours.rollout == Rollout::InProgress {
            reset = true;
        }
        highest = highest.max(ours.failed_tasks);
    }
    assert!(highest > 0, "no task failed");
    assert!(reset, "failedTasks never went back to 0");
}

#[test]
fn an_update_without_configuration_keeps_the_service_s_and_tag_settings_are_kept() {
    let t = 1_000_000.0;
    let mut model = setup(2, 150, 50, false, "healthy", t);
    let update = ServiceUpdate {
        task_definition: Some("f:2".into()),
        extras: [("propagateTags".to_owned(), json!("SERVICE"))]
            .into_iter()
            .collect(),
        ..ServiceUpdate::default()
    };
    model
        .update_service(Some("c"), "s", update, t + 1.0)
        .unwrap();
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    assert_eq!(
        (
            svc.config.maximum_percent,
            svc.config.minimum_healthy_percent
        ),
        (150, 50)
    );
    assert!(svc.config.breaker_enable && !svc.config.breaker_rollback);
    assert_eq!(svc.extras["propagateTags"], json!("SERVICE"));
}

#[test]
fn with_reset_on_healthy_task_false_failures_keep_counting() {
    let t0 = 1_000_000.0;
    let mut model = setup(10, 200, 100, true, "flaky:50", t0);
    let mut t = t0;
    while t < t0 + 200.0 {
        t += 0.5;
        model.advance(t);
    }
    let update = ServiceUpdate {
        task_definition: Some("f:2".into()),
        deployment_configuration: Some(json!({"deploymentCircuitBreaker": {
            "enable": true, "rollback": true, "resetOnHealthyTask": false
        }})),
        ..ServiceUpdate::default()
    };
    let svc = model.update_service(Some("c"), "s", update, t).unwrap();
    assert_eq!(
        svc.config.to_json()["deploymentCircuitBreaker"],
        json!({"enable": true, "rollback": true, "resetOnHealthyTask": false})
    );
    let id = svc.primary().unwrap().id.clone();
    let mut highest = 0;
    let start = t;
    while t < start + 300.0 {
        t += 0.5;
        model.advance(t);
        let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
        let ours = svc.deployments.iter().find(|d| d.id == id).unwrap();
        assert!(ours.failed_tasks >= highest, "failedTasks went down");
        highest = ours.failed_tasks;
    }
    assert!(highest > 0, "no task failed");
}
