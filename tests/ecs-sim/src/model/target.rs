//! ELB target health of a service's task, as an Application Load Balancer decides it.
//!
//! ECS registers a task in the target group of each `loadBalancers` entry of its
//! service once it runs. The load balancer checks it every interval: a registered
//! target is `initial` until its first check, which makes it `healthy` on a pass (the
//! ELB guide: "After your target is registered, it must pass one health check to be
//! considered healthy") or counts a failure; `UnhealthyThresholdCount` consecutive
//! failures make it `unhealthy`, and an unhealthy target is `healthy` again after
//! `HealthyThresholdCount` consecutive passes. Settings: [`TargetHealthCheck`].

use serde_json::Value;

use crate::config::TargetHealthCheck;

/// One `loadBalancers` entry of a service: where its tasks are registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `targetGroupArn`.
    pub target_group_arn: String,
    /// `containerName`.
    pub container_name: String,
    /// `containerPort`.
    pub container_port: i64,
}

impl Target {
    /// The target groups of a service's `loadBalancers` value (entries without a
    /// target group, i.e. Classic Load Balancers, are left out).
    #[must_use]
    pub fn of_service(load_balancers: Option<&Value>) -> Vec<Self> {
        load_balancers
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|lb| {
                Some(Self {
                    target_group_arn: lb.get("targetGroupArn")?.as_str()?.to_owned(),
                    container_name: lb
                        .get("containerName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    container_port: lb
                        .get("containerPort")
                        .and_then(Value::as_i64)
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// `TargetHealth.State` of a registered target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    /// Registered, not yet checked.
    Initial,
    /// Passing its health checks.
    Healthy,
    /// Failed `UnhealthyThresholdCount` checks in a row.
    Unhealthy,
}

impl TargetState {
    /// The name ELB uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
        }
    }
}

/// What one health check request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetProbe {
    /// An HTTP response with this status code (200 passes).
    Status(u16),
    /// No response within the timeout.
    Timeout,
    /// The connection failed (nothing listens yet).
    Refused,
}

impl TargetProbe {
    /// ELB's description of a failed check (`TargetHealth.Description`); none for a pass.
    #[must_use]
    pub fn failure(self) -> Option<String> {
        match self {
            Self::Status(200) => None,
            Self::Status(code) => Some(format!("Health checks failed with these codes: [{code}]")),
            Self::Timeout => Some("Request timed out".into()),
            Self::Refused => Some("Health checks failed".into()),
        }
    }
}

/// The health of a task as a target of one target group.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetHealth {
    /// Where the task is registered.
    pub target: Target,
    /// The state so far.
    pub state: TargetState,
    /// The description of the last failed check.
    pub reason: Option<String>,
    /// Consecutive passes.
    pub passes: u32,
    /// Consecutive failures.
    pub failures: u32,
    /// When the next check runs, once registered.
    pub next_at: Option<f64>,
}

impl TargetHealth {
    /// A target not yet registered.
    #[must_use]
    pub fn new(target: Target) -> Self {
        Self {
            target,
            state: TargetState::Initial,
            reason: None,
            passes: 0,
            failures: 0,
            next_at: None,
        }
    }

    /// Registered at `t`: checked first one interval later.
    pub fn register(&mut self, t: f64, cfg: &TargetHealthCheck) {
        self.next_at = Some(t + cfg.interval.max(1.0));
    }

    /// Deregistered: no more checks.
    pub fn deregister(&mut self) {
        self.next_at = None;
    }

    /// Record the check made at `at`; returns the state after it.
    pub fn observe(&mut self, at: f64, probe: TargetProbe, cfg: &TargetHealthCheck) -> TargetState {
        if self.next_at.is_some() {
            self.next_at = Some(at + cfg.interval.max(1.0));
        }
        match probe.failure() {
            None => {
                self.failures = 0;
                self.passes += 1;
                let threshold = match self.state {
                    TargetState::Initial => 1,
                    _ => cfg.healthy_threshold.max(1),
                };
                if self.passes >= threshold {
                    self.state = TargetState::Healthy;
                    self.reason = None;
                }
            }
            Some(reason) => {
                self.passes = 0;
                self.failures += 1;
                self.reason = Some(reason);
                if self.failures >= cfg.unhealthy_threshold.max(1) {
                    self.state = TargetState::Unhealthy;
                }
            }
        }
        self.state
    }
}

#[cfg(test)]
mod tests;
