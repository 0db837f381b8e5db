//! Deployments of a service: configuration, rollout state, the circuit breaker threshold
//! and the service-deployment record (`ListServiceDeployments`).

use serde_json::{Value, json};

/// `deploymentConfiguration` of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentConfig {
    /// Upper bound of running+pending tasks, percent of desired.
    pub maximum_percent: i64,
    /// Lower bound of healthy tasks, percent of desired.
    pub minimum_healthy_percent: i64,
    /// Circuit breaker enabled.
    pub breaker_enable: bool,
    /// Circuit breaker rolls back.
    pub breaker_rollback: bool,
    /// `resetOnHealthyTask` as given: whether a task turning healthy resets the failure
    /// count (ECS's default, when absent, is true).
    pub breaker_reset_on_healthy: Option<bool>,
}

impl Default for DeploymentConfig {
    fn default() -> Self {
        Self {
            maximum_percent: 200,
            minimum_healthy_percent: 100,
            breaker_enable: false,
            breaker_rollback: false,
            breaker_reset_on_healthy: None,
        }
    }
}

impl DeploymentConfig {
    /// Apply the fields present in a `deploymentConfiguration` JSON object.
    ///
    /// # Errors
    /// A message when a percentage is out of range.
    pub fn merged(self, v: Option<&Value>) -> Result<Self, String> {
        let mut out = self;
        let Some(v) = v else { return Ok(out) };
        if let Some(n) = v.get("maximumPercent").and_then(Value::as_i64) {
            out.maximum_percent = n;
        }
        if let Some(n) = v.get("minimumHealthyPercent").and_then(Value::as_i64) {
            out.minimum_healthy_percent = n;
        }
        if let Some(cb) = v.get("deploymentCircuitBreaker") {
            out.breaker_enable = cb.get("enable").and_then(Value::as_bool).unwrap_or(false);
            out.breaker_rollback = cb.get("rollback").and_then(Value::as_bool).unwrap_or(false);
            out.breaker_reset_on_healthy = cb.get("resetOnHealthyTask").and_then(Value::as_bool);
        }
        if out.maximum_percent < 100 || out.maximum_percent > 2000 {
            return Err("maximumPercent must be between 100 and 2000.".into());
        }
        if !(0..=100).contains(&out.minimum_healthy_percent) {
            return Err("minimumHealthyPercent must be between 0 and 100.".into());
        }
        Ok(out)
    }

    /// Most tasks (running + pending) allowed for `desired`.
    #[must_use]
    pub fn max_tasks(&self, desired: i64) -> i64 {
        (desired * self.maximum_percent / 100).max(desired.min(1))
    }

    /// Fewest healthy tasks to keep for `desired` (rounded up, as ECS does).
    #[must_use]
    pub fn min_healthy(&self, desired: i64) -> i64 {
        (desired * self.minimum_healthy_percent + 99) / 100
    }

    /// Whether a task of the deployment turning healthy resets its failure count.
    #[must_use]
    pub fn resets_on_healthy(&self) -> bool {
        self.breaker_reset_on_healthy.unwrap_or(true)
    }

    /// As ECS renders it.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut breaker = json!({"enable": self.breaker_enable, "rollback": self.breaker_rollback});
        if let Some(reset) = self.breaker_reset_on_healthy {
            breaker["resetOnHealthyTask"] = json!(reset);
        }
        json!({
            "deploymentCircuitBreaker": breaker,
            "maximumPercent": self.maximum_percent,
            "minimumHealthyPercent": self.minimum_healthy_percent,
        })
    }
}

/// Circuit-breaker failure threshold: 0.5 x desired (rounded up), at least 3, at most 200.
#[must_use]
pub fn failure_threshold(desired: i64) -> i64 {
    ((desired.max(0) + 1) / 2).clamp(3, 200)
}

/// `status` of a deployment within a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The newest deployment.
    Primary,
    /// An older deployment still being replaced.
    Active,
    /// Fully replaced.
    Inactive,
}

impl Status {
    /// Name ECS uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "PRIMARY",
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
        }
    }
}

/// `rolloutState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollout {
    /// Being rolled out.
    InProgress,
    /// Reached steady state.
    Completed,
    /// The circuit breaker tripped (or it was stopped).
    Failed,
}

impl Rollout {
    /// Name ECS uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }
}

/// `status` of a service deployment record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    /// Created, not started.
    Pending,
    /// Rolling out.
    InProgress,
    /// Stop requested.
    StopRequested,
    /// Rollback requested.
    RollbackRequested,
    /// Rolling back.
    RollbackInProgress,
    /// Completed.
    Successful,
    /// Stopped (superseded, or failed without rollback).
    Stopped,
    /// Rolled back.
    RollbackSuccessful,
    /// Rollback failed.
    RollbackFailed,
}

impl RecordStatus {
    /// Name ECS uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::InProgress => "IN_PROGRESS",
            Self::StopRequested => "STOP_REQUESTED",
            Self::RollbackRequested => "ROLLBACK_REQUESTED",
            Self::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            Self::Successful => "SUCCESSFUL",
            Self::Stopped => "STOPPED",
            Self::RollbackSuccessful => "ROLLBACK_SUCCESSFUL",
            Self::RollbackFailed => "ROLLBACK_FAILED",
        }
    }

    /// Whether the record is finished.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Successful | Self::Stopped | Self::RollbackSuccessful | Self::RollbackFailed
        )
    }
}

/// The rollback part of a service deployment record.
#[derive(Debug, Clone)]
pub struct RollbackInfo {
    /// Why it rolls back.
    pub reason: String,
    /// When the rollback started.
    pub started_at: f64,
    /// Deployment id of the rollback deployment.
    pub deployment_id: String,
}

/// A service deployment record, as `DescribeServiceDeployments` shows it.
#[derive(Debug, Clone)]
pub struct Record {
    /// The last part of the service deployment's ARN: random, like ECS's
    /// (`ejGvqq2ilnbKT9qj0vLJe`), not derived from the deployment id.
    pub arn_id: String,
    /// Status.
    pub status: RecordStatus,
    /// Status reason.
    pub status_reason: Option<String>,
    /// When it started.
    pub started_at: Option<f64>,
    /// When it finished.
    pub finished_at: Option<f64>,
    /// When it was stopped.
    pub stopped_at: Option<f64>,
    /// When a stop or rollback was requested (STOP_REQUESTED, ROLLBACK_REQUESTED).
    pub requested_at: Option<f64>,
    /// Last change.
    pub updated_at: f64,
    /// Deployment ids whose tasks it replaces.
    pub sources: Vec<String>,
    /// Rollback, once one started.
    pub rollback: Option<RollbackInfo>,
    /// Circuit breaker tripped.
    pub breaker_triggered: bool,
}

/// A deployment of a service.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// `ecs-svc/<19 digits>`.
    pub id: String,
    /// PRIMARY / ACTIVE / INACTIVE.
    pub status: Status,
    /// Task definition ARN.
    pub task_definition: String,
    /// Desired tasks.
    pub desired_count: i64,
    /// Consecutive failed tasks.
    pub failed_tasks: i64,
    /// Rollout state.
    pub rollout: Rollout,
    /// Rollout state reason.
    pub rollout_reason: String,
    /// Created.
    pub created_at: f64,
    /// Last change.
    pub updated_at: f64,
    /// Launch type.
    pub launch_type: Option<String>,
    /// Network configuration as given.
    pub network_configuration: Option<Value>,
    /// Deployment configuration in effect.
    pub config: DeploymentConfig,
    /// When this deployment rolls another back: that deployment's id.
    pub rollback_of: Option<String>,
    /// The service deployment record (none for rollback deployments, which belong to
    /// the record of the deployment they roll back).
    pub record: Option<Record>,
    /// "unable to consistently start tasks" was reported.
    pub unable_reported: bool,
}

impl Deployment {
    /// The digits of the id.
    #[must_use]
    pub fn digits(&self) -> &str {
        self.id.trim_start_matches("ecs-svc/")
    }

    /// Whether this deployment has the service deployment record `arn_id`.
    #[must_use]
    pub fn has_record(&self, arn_id: &str) -> bool {
        self.record.as_ref().is_some_and(|r| r.arn_id == arn_id)
    }

    /// Whether the circuit breaker watches this deployment.
    #[must_use]
    pub fn breaker_threshold(&self) -> i64 {
        failure_threshold(self.desired_count)
    }
}

#[cfg(test)]
mod tests;
