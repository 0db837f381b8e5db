//! The stale view of a service while an update propagates.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use crate::config::Timings;
use crate::model::Model;
use crate::model::deployment::{Rollout, Status};
use crate::model::ops::{NewService, ServiceUpdate};

fn task_def(family: &str) -> Map<String, Value> {
    match json!({
        "family": family,
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "app:latest"}]
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

/// A model whose service `s` completed its first deployment by the time returned,
/// with the consistency delay given.
fn stable(delay: f64) -> (Model, f64) {
    let mut model = Model::new(3, Timings::default());
    model.lag.delay = delay;
    model.create_cluster("us-east-1", "c", json!([]));
    for _ in 0..2 {
        model
            .task_defs
            .register("us-east-1", task_def("f"), 0.0)
            .unwrap();
    }
    let req = NewService {
        name: "s".into(),
        task_definition: "f:1".into(),
        desired_count: 2,
        ..NewService::default()
    };
    let t = 1000.0;
    model
        .create_service("us-east-1", Some("c"), req, t)
        .unwrap();
    // The first deployment is never delayed.
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    assert!(matches!(model.lag.seen(svc, t), Cow::Borrowed(_)));
    let end = t + 120.0;
    let mut now = t;
    while now < end {
        now += 0.5;
        model.advance(now);
    }
    (model, now)
}

fn update(model: &mut Model, t: f64) -> String {
    let req = ServiceUpdate {
        task_definition: Some("f:2".into()),
        ..ServiceUpdate::default()
    };
    let svc = model.update_service(Some("c"), "s", req, t).unwrap();
    svc.primary().unwrap().id.clone()
}

#[test]
fn a_new_deployment_shows_only_after_the_delay() {
    let (mut model, t) = stable(10.0);
    let before = {
        let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
        svc.primary().unwrap().id.clone()
    };
    let ours = update(&mut model, t);
    model.advance(t + 9.9);
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    // The write path moved on: ours is PRIMARY and the old one ACTIVE.
    assert_eq!(svc.primary().unwrap().id, ours);
    let seen = model.lag.seen(svc, t + 9.9);
    assert!(seen.deployments.iter().all(|d| d.id != ours));
    let primary = seen.primary().unwrap();
    assert_eq!(primary.id, before);
    assert_eq!(primary.status, Status::Primary);
    assert_eq!(primary.rollout, Rollout::Completed);
    assert!(
        seen.task_definition.ends_with("f:1"),
        "{}",
        seen.task_definition
    );
    // Once the delay passed, reads see the live service.
    model.advance(t + 10.0);
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    let seen = model.lag.seen(svc, t + 10.0);
    assert!(matches!(seen, Cow::Borrowed(_)));
    assert_eq!(seen.primary().unwrap().id, ours);
}

#[test]
fn without_a_delay_reads_see_the_update_at_once() {
    let (mut model, t) = stable(0.0);
    let ours = update(&mut model, t);
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    let seen = model.lag.seen(svc, t);
    assert!(matches!(seen, Cow::Borrowed(_)));
    assert_eq!(seen.primary().unwrap().id, ours);
}
