//! Container health as ECS (through Docker) decides it, and a task's health from its
//! containers'.
//!
//! A container definition without `healthCheck` has health UNKNOWN for ever, which
//! counts as healthy for a rollout. With one, Docker runs the command `interval` seconds
//! after the container started and `interval` seconds after each check ended; a check
//! that runs longer than `timeout` fails. The first passing check makes the container
//! HEALTHY; `retries` consecutive failures make it UNHEALTHY, where failures within
//! `startPeriod` of the start do not count (unless a check passed already). Defaults as
//! the ECS API documents them: interval 30, timeout 5, retries 3, startPeriod 0.
//!
//! A task is UNHEALTHY when an essential container is, HEALTHY when every essential
//! container is, else UNKNOWN; non-essential containers do not count.
//!
//! [`Checker`] is the Docker side (probe results in, a status out); the simulated
//! runtime feeds it probes chosen by the behaviour label, a runtime that runs real
//! containers reports Docker's status straight to `Task::container_health`.

use serde_json::Value;

use super::task::Health;

/// A container definition's `healthCheck` timings, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthCheck {
    /// Seconds between the end of a check and the next (default 30).
    pub interval: f64,
    /// Seconds a check may run before it counts as failed (default 5).
    pub timeout: f64,
    /// Consecutive failures that make the container UNHEALTHY (default 3).
    pub retries: u32,
    /// Seconds after the start in which failures do not count (default 0).
    pub start_period: f64,
}

impl Default for HealthCheck {
    fn default() -> Self {
        Self {
            interval: 30.0,
            timeout: 5.0,
            retries: 3,
            start_period: 0.0,
        }
    }
}

impl HealthCheck {
    /// The `healthCheck` of container definition `container`, with ECS's defaults for
    /// absent fields; none when it has no `healthCheck` (or one without a command).
    #[must_use]
    pub fn of_container(container: &Value) -> Option<Self> {
        let hc = container.get("healthCheck")?;
        let has_command = hc
            .get("command")
            .and_then(Value::as_array)
            .is_some_and(|c| !c.is_empty());
        if !has_command {
            return None;
        }
        let d = Self::default();
        let seconds = |key: &str, default: f64| {
            hc.get(key)
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite() && *v >= 0.0)
                .unwrap_or(default)
        };
        Some(Self {
            interval: seconds("interval", d.interval).max(1.0),
            timeout: seconds("timeout", d.timeout),
            retries: hc
                .get("retries")
                .and_then(Value::as_u64)
                .and_then(|r| u32::try_from(r).ok())
                .unwrap_or(d.retries)
                .max(1),
            start_period: seconds("startPeriod", d.start_period),
        })
    }
}

/// The result of one run of a health check command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Probe {
    /// Exit code 0 within the timeout, after this many seconds.
    Pass(f64),
    /// A non-zero exit code within the timeout, after this many seconds.
    Fail(f64),
    /// Still running at the timeout (a failure).
    Hang,
}

/// Docker's health state of one container: when it checks next and what it concluded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checker {
    /// The definition's timings.
    pub check: HealthCheck,
    /// Status so far: UNKNOWN until the first pass or `retries` counted failures.
    pub status: Health,
    /// Consecutive counted failures.
    pub failures: u32,
    /// When the container started (the start period runs from here).
    pub started_at: Option<f64>,
    /// When the next check runs, once started.
    pub next_at: Option<f64>,
}

impl Checker {
    /// A checker of `check`, not yet started.
    #[must_use]
    pub fn new(check: HealthCheck) -> Self {
        Self {
            check,
            status: Health::Unknown,
            failures: 0,
            started_at: None,
            next_at: None,
        }
    }

    /// The container started at `t`: the first check runs one interval later.
    pub fn start(&mut self, t: f64) {
        self.started_at = Some(t);
        self.next_at = Some(t + self.check.interval);
    }

    /// No more checks (the container stops).
    pub fn stop(&mut self) {
        self.next_at = None;
    }

    /// Record the probe that started at `at`; returns the status after it. The next
    /// check runs one interval after this one ended.
    pub fn observe(&mut self, at: f64, probe: Probe) -> Health {
        let c = self.check;
        let (passed, took) = match probe {
            Probe::Pass(d) if d <= c.timeout => (true, d),
            Probe::Pass(_) | Probe::Hang => (false, c.timeout),
            Probe::Fail(d) => (false, d.min(c.timeout)),
        };
        self.next_at = self.started_at.map(|_| at + took + c.interval);
        if passed {
            self.failures = 0;
            self.status = Health::Healthy;
            return self.status;
        }
        let in_start_period = self
            .started_at
            .is_some_and(|s| at < s + c.start_period && self.status != Health::Healthy);
        if !in_start_period {
            self.failures += 1;
            if self.failures >= c.retries {
                self.status = Health::Unhealthy;
            }
        }
        self.status
    }
}

/// The health check a service's task failed, which made ECS stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthFailure {
    /// An essential container turned UNHEALTHY.
    Container,
    /// The task's target turned unhealthy in a target group.
    Target {
        /// The target group's ARN.
        target_group_arn: String,
        /// The container port registered.
        port: i64,
        /// ELB's description of the failed checks.
        reason: String,
    },
}

impl HealthFailure {
    /// The service event ECS writes about task `task_id` (after "(service NAME) ").
    #[must_use]
    pub fn event(&self, task_id: &str) -> String {
        match self {
            Self::Container => format!("(task {task_id}) failed container health checks."),
            Self::Target {
                target_group_arn,
                port,
                reason,
            } => format!(
                "(task {task_id}) (port {port}) is unhealthy in (target-group {target_group_arn}) due to (reason {reason})."
            ),
        }
    }

    /// The task's `stoppedReason`.
    #[must_use]
    pub fn stopped_reason(&self) -> String {
        match self {
            Self::Container => "Task failed container health checks".into(),
            Self::Target {
                target_group_arn, ..
            } => format!("Task failed ELB health checks in (target-group {target_group_arn})"),
        }
    }
}

/// What ECS knows of one container for the task's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The container is essential.
    pub essential: bool,
    /// The container definition has a `healthCheck`.
    pub checked: bool,
    /// The container's health.
    pub health: Health,
}

/// The task's `healthStatus` from its containers', as ECS documents it.
#[must_use]
pub fn task_health(members: &[Member]) -> Health {
    let essential: Vec<&Member> = members.iter().filter(|m| m.essential).collect();
    if essential.iter().any(|m| m.health == Health::Unhealthy) {
        Health::Unhealthy
    } else if !essential.is_empty() && essential.iter().all(|m| m.health == Health::Healthy) {
        Health::Healthy
    } else {
        Health::Unknown
    }
}

/// Whether the containers let the task count as healthy for a rollout: every essential
/// container with a health check is HEALTHY (UNKNOWN without checks counts as healthy).
#[must_use]
pub fn containers_ready(members: &[Member]) -> bool {
    members
        .iter()
        .filter(|m| m.essential && m.checked)
        .all(|m| m.health == Health::Healthy)
}

#[cfg(test)]
mod tests;
