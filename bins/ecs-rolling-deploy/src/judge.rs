//! What a snapshot of the service says about OUR deployment: still going,
//! completed, failed by the circuit breaker (rolled back or not), or
//! replaced by a deployment this run did not start.
//!
//! Only the deployment id that our UpdateService returned counts; "the
//! service is stable" never does, since a rolled-back service is stable on
//! the old version.

use crate::view::{DeploymentView, ServiceView};

/// The state of our deployment in one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Still IN_PROGRESS (or not yet listed).
    InProgress,
    /// rolloutState COMPLETED.
    Completed,
    /// rolloutState FAILED and ECS rolls back (with deployment `rollback`).
    RolledBack {
        /// The deployment that restores the previous version.
        rollback: String,
    },
    /// rolloutState FAILED and nothing rolls it back (rollback off, or no
    /// COMPLETED deployment to go back to).
    Failed,
    /// Another deployment replaced ours before it finished.
    Superseded {
        /// Its id.
        by: String,
    },
}

/// Judges our deployment `ours` in `view`.
pub fn judge(view: &ServiceView, ours: &str) -> Verdict {
    let primary = view.primary();
    let other_primary = primary.filter(|p| p.id != ours).map(|p| p.id.clone());
    let Some(deployment) = view.deployment(ours) else {
        // Ours is gone from the list: only a newer deployment removes it,
        // either the rollback of ours (polls missed its FAILED state) or
        // one that someone else started.
        return match other_primary {
            Some(by) if failed_per_events(view, ours) => Verdict::RolledBack { rollback: by },
            Some(by) => Verdict::Superseded { by },
            None => Verdict::InProgress,
        };
    };
    match deployment.rollout_state.as_str() {
        "COMPLETED" => Verdict::Completed,
        // ECS starts the rollback deployment (the new PRIMARY) when it marks
        // ours FAILED; ours still PRIMARY means nothing rolls it back, even
        // with rollback on when there is no COMPLETED deployment to go back to.
        "FAILED" => match other_primary {
            Some(rollback) => Verdict::RolledBack { rollback },
            None => Verdict::Failed,
        },
        _ => match other_primary {
            Some(by) if deployment.status != "PRIMARY" => Verdict::Superseded { by },
            _ => Verdict::InProgress,
        },
    }
}

/// True when a service event says our deployment failed ("(service S)
/// deployment ecs-svc/... deployment failed: ...") or the rollback names it.
fn failed_per_events(view: &ServiceView, ours: &str) -> bool {
    let rolled_back_from = |reason: &str| reason.contains("rolling back") && reason.contains(ours);
    view.events.iter().any(|e| {
        e.message
            .contains(&format!("deployment {ours} deployment failed"))
    }) || view
        .primary()
        .is_some_and(|p| rolled_back_from(&p.rollout_reason))
}

/// One line describing a deployment's progress; a new line is printed only
/// when this text changes.
pub fn describe(d: &DeploymentView) -> String {
    let mut line = format!(
        "{} {}: {}/{} running, {} pending",
        d.id, d.rollout_state, d.running, d.desired, d.pending
    );
    if d.failed_tasks > 0 {
        line.push_str(&format!(", {} failed tasks", d.failed_tasks));
    }
    line
}

#[cfg(test)]
mod tests;
