//! The data plane: what really happens to a task's containers, outside the model.
//!
//! Without a data plane every step of a task comes from the model's timers and the
//! behaviour label (see [`crate::behavior`]). With one, the model sends it an
//! [`Order::Launch`] for each task it launches and an [`Order::Stop`] for each task it
//! stops, and the data plane answers with [`Report`]s: the images resolved and the
//! secrets read ([`Report::Ready`]), or why the task cannot start
//! ([`Report::StartFailed`]); and, for a data plane that runs the containers itself
//! ([`DataPlane::runs_containers`]), when they run, their health and their exit.
//!
//! Orders are collected from the model after each tick ([`crate::model::Model::take_orders`])
//! and handed to [`DataPlane::submit`]; reports come back through a [`Reporter`], which
//! applies them to the model at the current simulated time.

pub mod checks;
pub mod docker;

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::model::task::Health;
use crate::shared::Shared;

/// What the model asks the data plane to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    /// Prepare (and, for a data plane that runs containers, start) a task.
    Launch(LaunchOrder),
    /// Stop a task the model no longer wants (drained, failed, stopped by a user).
    Stop {
        /// The task's cluster name.
        cluster: String,
        /// The task id (32 hex digits).
        task: String,
    },
}

/// Everything a data plane needs to start one task.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchOrder {
    /// The task's cluster name.
    pub cluster: String,
    /// The task id (32 hex digits).
    pub task: String,
    /// The task ARN.
    pub task_arn: String,
    /// The region of the task's ARN.
    pub region: String,
    /// The task definition as `DescribeTaskDefinition` returns it (containers, their
    /// `image`, `secrets`, `repositoryCredentials`, `healthCheck`, `portMappings`,
    /// `logConfiguration`, `environment`; `executionRoleArn`).
    pub definition: Value,
    /// RunTask's `overrides.containerOverrides` (empty for a service's task).
    pub container_overrides: Vec<Value>,
    /// The awslogs group and stream of each container, by container name, as the
    /// model computed them (`<prefix>/<container>/<task id>`).
    pub log_streams: Vec<(String, String, String)>,
    /// The service's load balancers (`loadBalancers` of CreateService), empty for a
    /// standalone task or a service without one.
    pub load_balancers: Vec<Value>,
    /// Simulated seconds per real second: a data plane running real containers may
    /// scale the definition's timings (health check interval, start period) by it.
    pub time_scale: f64,
}

/// What the data plane tells the model about a task.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// Every image resolved and every secret read: the task may reach RUNNING.
    /// `digests` holds `(container name, sha256 digest)` of the images as the
    /// registry resolved them.
    Ready {
        /// The image digest of each container, by container name.
        digests: Vec<(String, String)>,
    },
    /// The task cannot start: it stops with stopCode `TaskFailedToStart`.
    StartFailed {
        /// The container the reason belongs to (its `reason`), if one.
        container: Option<String>,
        /// ECS's text, e.g. `CannotPullContainerError: ...` or
        /// `ResourceInitializationError: unable to pull secrets or registry auth: ...`.
        reason: String,
    },
    /// The containers run (only from a data plane that runs containers).
    Running,
    /// A container's health check result changed (only from a data plane that runs
    /// containers).
    Health {
        /// The container name.
        container: String,
        /// Its health now.
        health: Health,
    },
    /// A container exited on its own (only from a data plane that runs containers).
    Exited {
        /// The container name.
        container: String,
        /// Its exit code.
        code: i32,
        /// Why it stopped when the runtime says (e.g. `OutOfMemoryError: ...`).
        reason: Option<String>,
    },
    /// The load balancer's health check of a container's port changed state (only
    /// from a data plane that runs containers).
    TargetHealth {
        /// The container registered as the target.
        container: String,
        /// The container port the target group checks.
        port: u16,
        /// The target group's ARN.
        target_group_arn: String,
        /// Whether the target is healthy now.
        healthy: bool,
        /// Why not, as ELB describes it (e.g. `Health checks failed with these codes: [500]`).
        reason: Option<String>,
    },
}

/// A boxed future a data plane returns.
pub type PlaneFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs (or prepares) tasks for the model.
pub trait DataPlane: Debug + Send + Sync {
    /// Whether this data plane runs the containers itself: then the model waits for
    /// [`Report::Running`], [`Report::Health`] and [`Report::Exited`] instead of its
    /// timers and the behaviour label, once the task is [`Report::Ready`].
    fn runs_containers(&self) -> bool;

    /// Take an order. Called on the simulator's runtime; long work must be spawned,
    /// and its results sent through `reporter`.
    fn submit(&self, order: Order, reporter: Reporter);

    /// Release everything the data plane holds (containers, networks, images) before
    /// the simulator exits.
    fn shutdown(&self) -> PlaneFuture<'_>;
}

/// Sends reports back to the model; holds the model weakly, so a report that comes
/// after the simulator stopped is dropped.
#[derive(Debug, Clone)]
pub struct Reporter {
    shared: Weak<Shared>,
}

impl Reporter {
    /// A reporter into `shared`.
    #[must_use]
    pub fn new(shared: &Arc<Shared>) -> Self {
        Self {
            shared: Arc::downgrade(shared),
        }
    }

    /// Apply `report` about task `task` of cluster `cluster` at the current simulated
    /// time. Returns false when the simulator is gone or the task is unknown.
    pub fn report(&self, cluster: &str, task: &str, report: Report) -> bool {
        let Some(shared) = self.shared.upgrade() else {
            return false;
        };
        let now = shared.clock.now();
        shared.lock().report(now, cluster, task, report)
    }

    /// Append `line`, printed by a container now, to CloudWatch Logs `group`/`stream`.
    /// Returns false when the simulator is gone.
    pub fn log(&self, group: &str, stream: &str, line: &str) -> bool {
        let Some(shared) = self.shared.upgrade() else {
            return false;
        };
        let now = shared.clock.now();
        shared.lock().logs.put(group, stream, now, line);
        true
    }
}
