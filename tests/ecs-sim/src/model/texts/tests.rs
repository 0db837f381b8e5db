//! Every text as a whole, as ECS writes it.

use super::*;

const ID: &str = "ecs-svc/1234567890123456789";
const OLD: &str = "ecs-svc/9876543210987654321";

#[test]
fn service_events_read_as_ecs_writes_them() {
    let ids = ["a1".to_owned(), "b2".to_owned()];
    assert_eq!(
        started_tasks(&ids),
        "has started 2 tasks: (task a1) (task b2)."
    );
    assert_eq!(
        stopped_running_tasks(&ids[..1]),
        "has stopped 1 running tasks: (task a1)."
    );
    assert_eq!(STEADY_STATE, "has reached a steady state.");
    assert_eq!(
        deployment_completed(ID),
        "(deployment ecs-svc/1234567890123456789) deployment completed."
    );
    assert_eq!(
        deployment_failed(ID),
        "(deployment ecs-svc/1234567890123456789) deployment failed: tasks failed to start."
    );
    assert_eq!(
        rolling_back(OLD),
        "rolling back to deployment ecs-svc/9876543210987654321."
    );
    assert_eq!(
        UNABLE_TO_START,
        "is unable to consistently start tasks successfully."
    );
    assert_eq!(
        failed_health_checks("a1"),
        "(task a1) failed container health checks."
    );
}

#[test]
fn rollout_reasons_and_stop_reasons_read_as_ecs_writes_them() {
    assert_eq!(
        rollout_in_progress(ID),
        "ECS deployment ecs-svc/1234567890123456789 in progress."
    );
    assert_eq!(
        rollout_completed(ID),
        "ECS deployment ecs-svc/1234567890123456789 completed."
    );
    assert_eq!(
        ROLLOUT_BREAKER_FAILED,
        "ECS deployment circuit breaker: tasks failed to start."
    );
    assert_eq!(
        rollout_breaker_rollback(OLD),
        "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/9876543210987654321."
    );
    assert_eq!(
        scaling_activity(ID),
        "Scaling activity initiated by (deployment ecs-svc/1234567890123456789)"
    );
    assert_eq!(STOPPED_BY_USER, "Task stopped by user");
}
