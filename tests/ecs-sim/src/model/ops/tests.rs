//! StopServiceDeployment as the ECS developer guide describes it, driven directly in
//! simulated time: each status in turn, and ConflictException once finished.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::super::Model;
use super::super::deployment::{RecordStatus, Rollout};
use super::super::scheduler::REQUEST_DELAY;
use super::super::tests::setup;
use super::{ServiceUpdate, StopType};
use crate::model::Rejection;

/// A stable service on `f:1`, then an update to `f:2` (which behaves as `behavior`);
/// returns the model, the time, and the update's record id.
fn updating(behavior: &str) -> (Model, f64, String) {
    let mut t = 1_000_000.0;
    let mut model = setup(2, 200, 100, false, behavior, t);
    while t < 1_000_200.0 {
        t += 0.5;
        model.advance(t);
    }
    let update = ServiceUpdate {
        task_definition: Some("f:2".into()),
        ..ServiceUpdate::default()
    };
    model.update_service(Some("c"), "s", update, t).unwrap();
    t += 0.5;
    model.advance(t);
    let arn_id = record(&model).0;
    (model, t, arn_id)
}

/// The newest record of service `s`: (arn id, status, status reason).
fn record(model: &Model) -> (String, RecordStatus, Option<String>) {
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    let rec = svc
        .deployments
        .iter()
        .rev()
        .find_map(|d| d.record.as_ref())
        .unwrap();
    (rec.arn_id.clone(), rec.status, rec.status_reason.clone())
}

fn run(model: &mut Model, from: f64, seconds: f64) -> f64 {
    let mut t = from;
    while t < from + seconds {
        t += 0.25;
        model.advance(t);
    }
    t
}

#[test]
fn abort_is_stop_requested_then_stopped_and_launches_nothing_more() {
    let (mut model, t, arn) = updating("slow:600");
    assert_eq!(record(&model).1, RecordStatus::InProgress);
    model
        .stop_service_deployment(&arn, StopType::Abort, t)
        .unwrap();
    model.advance(t);
    assert_eq!(
        record(&model),
        (
            arn.clone(),
            RecordStatus::StopRequested,
            Some("Service deployment stop requested.".into())
        )
    );
    // Asking again while it stops is no error: it carries on stopping.
    model
        .stop_service_deployment(&arn, StopType::Abort, t)
        .unwrap();
    let t = run(&mut model, t, REQUEST_DELAY + 0.5);
    assert_eq!(
        record(&model),
        (
            arn.clone(),
            RecordStatus::Stopped,
            Some("Service deployment stopped by request.".into())
        )
    );
    let svc = model.cluster(Some("c")).unwrap().service("s").unwrap();
    let primary = svc.primary().unwrap();
    assert_eq!(primary.rollout, Rollout::Failed);
    assert_eq!(
        primary.rollout_reason,
        "ECS deployment stopped by StopServiceDeployment."
    );
    assert_eq!(svc.deployments.len(), 2, "nothing rolled back");
    let err = model
        .stop_service_deployment(&arn, StopType::Rollback, t)
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::Conflict(format!(
            "The service deployment {arn} has status STOPPED and cannot be stopped."
        ))
    );
}

#[test]
fn rollback_is_requested_then_in_progress_then_successful() {
    let (mut model, t, arn) = updating("slow:600");
    model
        .stop_service_deployment(&arn, StopType::Rollback, t)
        .unwrap();
    model.advance(t);
    let (_, status, reason) = record(&model);
    assert_eq!(status, RecordStatus::RollbackRequested);
    let reason = reason.unwrap();
    assert!(
        reason.starts_with(
            "ECS deployment rollback requested: rolling back to deploymentId ecs-svc/"
        ) && reason.ends_with('.'),
        "{reason}"
    );
    let t = run(&mut model, t, REQUEST_DELAY + 0.25);
    assert_eq!(record(&model).1, RecordStatus::RollbackInProgress);
    model
        .stop_service_deployment(&arn, StopType::Rollback, t)
        .unwrap();
    let t = run(&mut model, t, 120.0);
    assert_eq!(record(&model).1, RecordStatus::RollbackSuccessful);
    assert!(matches!(
        model.stop_service_deployment(&arn, StopType::Abort, t),
        Err(Rejection::Conflict(_))
    ));
}

#[test]
fn an_unknown_service_deployment_is_not_found() {
    let (mut model, t, _) = updating("healthy");
    assert_eq!(
        model.stop_service_deployment(
            "arn:aws:ecs:us-east-1:123456789012:service-deployment/c/s/nope",
            StopType::Rollback,
            t
        ),
        Err(Rejection::ServiceDeploymentNotFound)
    );
}
