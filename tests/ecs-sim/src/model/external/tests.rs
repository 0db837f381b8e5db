//! The model with a data plane attached, driven directly: tasks wait for the data
//! plane's word, fail to start with its reason, and follow its container reports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

use super::super::ops::NewService;
use super::super::task::{Health, LastStatus};
use super::super::{Model, PlaneMode};
use crate::config::Timings;
use crate::plane::{Order, Report};

fn model(runs_containers: bool) -> Model {
    let mut model = Model::new(3, Timings::default());
    model.plane = Some(PlaneMode { runs_containers });
    model.create_cluster("us-east-1", "c", json!([]));
    let Value::Object(def) = json!({
        "family": "f", "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "reg.example/app:1",
            "logConfiguration": {"logDriver": "awslogs",
                "options": {"awslogs-group": "/g", "awslogs-stream-prefix": "ecs"}}}]
    }) else {
        unreachable!()
    };
    model.task_defs.register("us-east-1", def, 0.0).unwrap();
    let req = NewService {
        name: "s".into(),
        task_definition: "f:1".into(),
        desired_count: 1,
        ..NewService::default()
    };
    model
        .create_service("us-east-1", Some("c"), req, 0.0)
        .unwrap();
    model.advance(0.0);
    model
}

fn only_task(model: &Model) -> (String, LastStatus, Option<String>) {
    let cluster = model.cluster(Some("c")).unwrap();
    let task = cluster.tasks.values().next().unwrap();
    (
        task.spec.id.clone(),
        task.last_status,
        task.stop_code.clone(),
    )
}

fn launch_order(orders: &[Order]) -> &crate::plane::LaunchOrder {
    orders
        .iter()
        .find_map(|o| match o {
            Order::Launch(l) => Some(l),
            Order::Stop { .. } => None,
        })
        .expect("a launch order")
}

#[test]
fn a_task_waits_for_ready_and_takes_the_registry_digest() {
    let mut model = model(false);
    let orders = model.take_orders(1.0);
    let order = launch_order(&orders);
    assert_eq!(order.log_streams[0].2, format!("ecs/app/{}", order.task));
    assert_eq!(
        order.definition["containerDefinitions"][0]["image"],
        "reg.example/app:1"
    );
    assert!(
        model.take_orders(1.0).is_empty(),
        "each order is handed out once"
    );
    model.advance(600.0);
    let (id, status, _) = only_task(&model);
    assert_eq!(status, LastStatus::Pending, "no RUNNING before Ready");
    let digest = format!("sha256:{}", "a".repeat(64));
    assert!(model.report(
        601.0,
        "c",
        &id,
        Report::Ready {
            digests: vec![("app".into(), digest.clone())]
        }
    ));
    let cluster = model.cluster(Some("c")).unwrap();
    let task = cluster.task(&id).unwrap();
    assert_eq!(task.last_status, LastStatus::Running);
    assert_eq!(task.containers[0].image_digest.as_deref(), Some(&*digest));
}

#[test]
fn start_failed_stops_the_task_with_the_reason_and_counts_for_the_breaker() {
    let mut model = model(false);
    let orders = model.take_orders(1.0);
    let id = launch_order(&orders).task.clone();
    let reason = "CannotPullContainerError: pull image manifest has been retried 7 time(s): \
                  failed to resolve ref reg.example/app:1: not found";
    model.report(
        1.0,
        "c",
        &id,
        Report::StartFailed {
            container: Some("app".into()),
            reason: reason.into(),
        },
    );
    let cluster = model.cluster(Some("c")).unwrap();
    let task = cluster.task(&id).unwrap();
    assert_eq!(task.stop_code.as_deref(), Some("TaskFailedToStart"));
    assert_eq!(task.containers[0].reason.as_deref(), Some(reason));
    assert_eq!(task.stopped_reason.as_deref(), Some(reason));
    let svc = cluster.service("s").unwrap();
    assert_eq!(svc.primary().unwrap().failed_tasks, 1);
    let stops: Vec<Order> = model.take_orders(1.0);
    assert!(
        stops
            .iter()
            .any(|o| matches!(o, Order::Stop { task, .. } if *task == id)),
        "the data plane is told to stop the task: {stops:?}"
    );
}

#[test]
fn a_data_plane_that_runs_containers_decides_running_health_and_exit() {
    let mut model = model(true);
    let orders = model.take_orders(1.0);
    let id = launch_order(&orders).task.clone();
    model.report(1.0, "c", &id, Report::Ready { digests: vec![] });
    model.advance(600.0);
    assert_eq!(
        only_task(&model).1,
        LastStatus::Pending,
        "not RUNNING before Running"
    );
    model.report(601.0, "c", &id, Report::Running);
    assert_eq!(only_task(&model).1, LastStatus::Running);
    model.advance(1200.0);
    assert_eq!(
        only_task(&model).1,
        LastStatus::Running,
        "no label-driven step once the data plane runs the containers"
    );
    model.report(
        1201.0,
        "c",
        &id,
        Report::Health {
            container: "app".into(),
            health: Health::Healthy,
        },
    );
    let cluster = model.cluster(Some("c")).unwrap();
    assert_eq!(cluster.task(&id).unwrap().health, Health::Healthy);
    model.report(
        1202.0,
        "c",
        &id,
        Report::Exited {
            container: "app".into(),
            code: 3,
            reason: None,
        },
    );
    let cluster = model.cluster(Some("c")).unwrap();
    let task = cluster.task(&id).unwrap();
    assert_eq!(task.stop_code.as_deref(), Some("EssentialContainerExited"));
    assert_eq!(task.containers[0].exit_code, Some(3));
}
