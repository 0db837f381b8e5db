//! The texts ECS writes, word for word, in one place: service events, rollout state
//! reasons, service-deployment status reasons and task stop reasons.
//!
//! Service events and rollout reasons are those of real `describe-services` output
//! (`../shared/specs/ecs-deployments.md`); a service event gets its "(service NAME) "
//! prefix from [`Service::event`](super::service::Service::event). Texts ECS does not
//! publish (service-deployment status reasons, the reasons of a stop request) are
//! written in the same style and say so.

/// Event: tasks launched, "(task ID) (task ID)" listed.
#[must_use]
pub fn started_tasks(ids: &[String]) -> String {
    format!("has started {} tasks: {}.", ids.len(), task_list(ids))
}

/// Event: running tasks stopped by the scheduler.
#[must_use]
pub fn stopped_running_tasks(ids: &[String]) -> String {
    format!(
        "has stopped {} running tasks: {}.",
        ids.len(),
        task_list(ids)
    )
}

/// Event: one deployment left, all desired tasks running.
pub const STEADY_STATE: &str = "has reached a steady state.";

/// Event: deployment `id` reached COMPLETED.
#[must_use]
pub fn deployment_completed(id: &str) -> String {
    format!("(deployment {id}) deployment completed.")
}

/// Event: the circuit breaker marked deployment `id` FAILED.
#[must_use]
pub fn deployment_failed(id: &str) -> String {
    format!("(deployment {id}) deployment failed: tasks failed to start.")
}

/// Event: a rollback to the COMPLETED deployment `to` started.
#[must_use]
pub fn rolling_back(to: &str) -> String {
    format!("rolling back to deployment {to}.")
}

/// Event: consecutive tasks of the PRIMARY deployment failed.
pub const UNABLE_TO_START: &str = "is unable to consistently start tasks successfully.";

/// Event: a task failed its container health checks.
#[must_use]
pub fn failed_health_checks(task: &str) -> String {
    format!("(task {task}) failed container health checks.")
}

/// rolloutStateReason of a deployment that started.
#[must_use]
pub fn rollout_in_progress(id: &str) -> String {
    format!("ECS deployment {id} in progress.")
}

/// rolloutStateReason of a COMPLETED deployment.
#[must_use]
pub fn rollout_completed(id: &str) -> String {
    format!("ECS deployment {id} completed.")
}

/// rolloutStateReason of a deployment the circuit breaker failed, in both stages
/// (tasks that never reached RUNNING, and tasks that failed health checks).
pub const ROLLOUT_BREAKER_FAILED: &str = "ECS deployment circuit breaker: tasks failed to start.";

/// rolloutStateReason of the rollback deployment the circuit breaker started.
#[must_use]
pub fn rollout_breaker_rollback(to: &str) -> String {
    format!("ECS deployment circuit breaker: rolling back to deploymentId {to}.")
}

/// rolloutStateReason of the rollback deployment StopServiceDeployment(ROLLBACK)
/// started (not published by ECS; written like the circuit breaker's).
#[must_use]
pub fn rollout_requested_rollback(to: &str) -> String {
    format!("ECS deployment rollback requested: rolling back to deploymentId {to}.")
}

/// rolloutStateReason of a deployment StopServiceDeployment stopped (not published).
pub const ROLLOUT_STOPPED: &str = "ECS deployment stopped by StopServiceDeployment.";

/// Service-deployment statusReason: completed.
pub const RECORD_SUCCESSFUL: &str = "Service deployment completed successfully.";
/// Service-deployment statusReason: a newer deployment replaced it.
pub const RECORD_SUPERSEDED: &str = "Service deployment stopped: a newer deployment started.";
/// Service-deployment statusReason: StopServiceDeployment(ABORT) was asked for.
pub const RECORD_STOP_REQUESTED: &str = "Service deployment stop requested.";
/// Service-deployment statusReason: stopped by StopServiceDeployment(ABORT).
pub const RECORD_STOPPED: &str = "Service deployment stopped by request.";
/// Service-deployment statusReason: the circuit breaker failed it, with no rollback.
pub const RECORD_BREAKER_STOPPED: &str = ROLLOUT_BREAKER_FAILED;
/// Service-deployment statusReason: rolled back.
pub const RECORD_ROLLED_BACK: &str = "Service deployment rolled back successfully.";
/// Service-deployment statusReason: nothing COMPLETED to roll back to.
pub const RECORD_ROLLBACK_FAILED: &str =
    "Rollback failed: no completed deployment to roll back to.";

/// stoppedReason of a task the scheduler stopped for deployment `id`.
#[must_use]
pub fn scaling_activity(id: &str) -> String {
    format!("Scaling activity initiated by (deployment {id})")
}

/// stoppedReason of a task stopped with StopTask and no reason.
pub const STOPPED_BY_USER: &str = "Task stopped by user";

fn task_list(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("(task {id})"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
