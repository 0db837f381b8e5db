//! What a snapshot of the service says about OUR deployment: still going,
//! completed, failed by the circuit breaker (rolled back or not), or
//! replaced by a deployment this run did not start.
//!
//! Only the deployment id that our UpdateService returned counts; "the
//! service is stable" never does, since a rolled-back service is stable on
//! the old version. Decisions come from states only: the deployments'
//! `status` and `rolloutState`, and, once ours is FAILED or gone from the
//! list, the status of its service deployment (DescribeServiceDeployments).
//! Service events and reasons only explain; their wording drifts.
//!
//! ECS's reads are eventually consistent: right after UpdateService,
//! DescribeServices may still show the service as it was, without ours and
//! with the previous deployment PRIMARY (and COMPLETED). A PRIMARY that is
//! not newer than ours is never taken as the one that replaced ours.

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

/// The deployment being judged, as our UpdateService answered it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tracked {
    /// Its id (`ecs-svc/...`).
    pub id: String,
    /// When ECS created it (epoch seconds), if the answer said.
    pub created_at: Option<f64>,
    /// The deployments the service listed before our update: none of them
    /// can have replaced ours.
    pub earlier: Vec<String>,
    /// The task definition the service ran before our update.
    pub previous_task_definition: String,
}

impl Tracked {
    /// A deployment seen in `view` (e.g. a rollback deployment): its
    /// creation time as listed, nothing known before it.
    pub fn listed(view: &ServiceView, id: &str) -> Self {
        Tracked {
            id: id.to_owned(),
            created_at: view.deployment(id).and_then(|d| d.created_at),
            ..Tracked::default()
        }
    }

    /// True when deployment `d` was there before ours (so it cannot have
    /// replaced ours): listed before our update, or created before ours.
    fn predates(&self, d: &DeploymentView) -> bool {
        self.earlier.contains(&d.id)
            || matches!((d.created_at, self.created_at), (Some(theirs), Some(ours)) if theirs < ours)
    }
}

/// The PRIMARY deployment when it is newer than ours: only such a one can
/// have replaced ours (a rollback of ours, or someone else's deployment).
fn newer_primary<'a>(view: &'a ServiceView, ours: &Tracked) -> Option<&'a DeploymentView> {
    view.primary()
        .filter(|p| p.id != ours.id && !ours.predates(p))
}

/// True when the snapshot alone cannot tell what became of ours and the
/// status of its service deployment decides: ours is FAILED (is ECS
/// rolling it back?) or gone from the list while a newer deployment is
/// PRIMARY (rolled back, completed or stopped?).
pub fn needs_record(view: &ServiceView, ours: &Tracked) -> bool {
    match view.deployment(&ours.id) {
        Some(d) => d.rollout_state == "FAILED",
        None => newer_primary(view, ours).is_some(),
    }
}

/// Judges our deployment `ours` in `view`; `record` is the status of its
/// service deployment (`SUCCESSFUL`, `ROLLBACK_IN_PROGRESS`, ...) when
/// [`needs_record`] asked for it and ECS told.
pub fn judge(view: &ServiceView, ours: &Tracked, record: Option<&str>) -> Verdict {
    let newer = newer_primary(view, ours).map(|p| p.id.clone());
    let Some(deployment) = view.deployment(&ours.id) else {
        return match newer {
            // Not listed yet (the service as it was before our update), or
            // nothing is PRIMARY: keep waiting.
            None => Verdict::InProgress,
            Some(by) => gone(view, ours, record, by),
        };
    };
    match deployment.rollout_state.as_str() {
        "COMPLETED" => Verdict::Completed,
        // ECS starts the rollback deployment (the new PRIMARY) when it marks
        // ours FAILED; ours still PRIMARY means nothing rolls it back, even
        // with rollback on when there is no COMPLETED deployment to go back to.
        "FAILED" => match (newer, record.map(RecordStatus::of)) {
            (_, Some(RecordStatus::Stopped)) => Verdict::Failed,
            (Some(rollback), _) => Verdict::RolledBack { rollback },
            // Rolling back, but the rollback deployment is not listed yet.
            (None, Some(RecordStatus::RollingBack)) => Verdict::InProgress,
            (None, _) => Verdict::Failed,
        },
        _ => match newer {
            Some(by) if deployment.status != "PRIMARY" => Verdict::Superseded { by },
            _ => Verdict::InProgress,
        },
    }
}

/// Ours left the list and `by`, newer, is PRIMARY: its service deployment
/// says why.
fn gone(view: &ServiceView, ours: &Tracked, record: Option<&str>, by: String) -> Verdict {
    match record.map(RecordStatus::of) {
        Some(RecordStatus::RollingBack) => Verdict::RolledBack { rollback: by },
        Some(RecordStatus::Successful) => Verdict::Completed,
        Some(RecordStatus::Stopped) => Verdict::Superseded { by },
        Some(RecordStatus::RollbackFailed) => Verdict::Failed,
        // The record has not caught up with the service yet.
        Some(RecordStatus::Running) => Verdict::InProgress,
        // No record to read (not found yet, not allowed): the newer
        // deployment tells, by what it runs: the definition that ran before
        // ours means ours was rolled back.
        None => match view.deployment(&by) {
            Some(d) if is_previous(ours, d) => Verdict::RolledBack { rollback: by },
            _ => Verdict::Superseded { by },
        },
    }
}

/// Deployment `d` runs what the service ran before our update.
fn is_previous(ours: &Tracked, d: &DeploymentView) -> bool {
    !ours.previous_task_definition.is_empty() && d.task_definition == ours.previous_task_definition
}

/// The statuses of a service deployment, as far as judging goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordStatus {
    /// PENDING, IN_PROGRESS.
    Running,
    /// SUCCESSFUL.
    Successful,
    /// ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL.
    RollingBack,
    /// ROLLBACK_FAILED.
    RollbackFailed,
    /// STOP_REQUESTED, STOPPED (replaced, or failed without rollback).
    Stopped,
}

impl RecordStatus {
    fn of(status: &str) -> Self {
        match status {
            "SUCCESSFUL" => Self::Successful,
            "ROLLBACK_REQUESTED" | "ROLLBACK_IN_PROGRESS" | "ROLLBACK_SUCCESSFUL" => {
                Self::RollingBack
            }
            "ROLLBACK_FAILED" => Self::RollbackFailed,
            "STOP_REQUESTED" | "STOPPED" => Self::Stopped,
            _ => Self::Running,
        }
    }
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
