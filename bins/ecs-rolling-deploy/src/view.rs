//! A plain snapshot of a service as DescribeServices returns it: the few
//! fields the follower reads, free of SDK types so the decisions about them
//! are pure and tested on their own.

use std::fmt;

use aws_sdk_ecs::types::{
    Deployment, DeploymentCircuitBreaker, DeploymentConfiguration, Service, ServiceEvent,
};
use serde::Serialize;

/// One deployment of the service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentView {
    /// `ecs-svc/...`.
    pub id: String,
    /// `PRIMARY`, `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// The task definition ARN it runs.
    pub task_definition: String,
    /// Desired tasks.
    pub desired: i32,
    /// Pending tasks.
    pub pending: i32,
    /// Running tasks.
    pub running: i32,
    /// Consecutive failed tasks.
    pub failed_tasks: i32,
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED`.
    pub rollout_state: String,
    /// Why it is in that state.
    pub rollout_reason: String,
    /// Creation time, epoch seconds.
    pub created_at: Option<f64>,
    /// Last update, epoch seconds.
    pub updated_at: Option<f64>,
}

/// The service's own deployment configuration (reported, never imposed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Configuration {
    /// maximumPercent.
    pub maximum_percent: Option<i32>,
    /// minimumHealthyPercent.
    pub minimum_healthy_percent: Option<i32>,
    /// The deployment circuit breaker is on.
    pub circuit_breaker: bool,
    /// The circuit breaker rolls back.
    pub rollback: bool,
    /// `ROLLING`, `BLUE_GREEN`, `LINEAR` or `CANARY`, when ECS names it.
    pub strategy: Option<String>,
}

impl From<&DeploymentConfiguration> for Configuration {
    fn from(c: &DeploymentConfiguration) -> Self {
        let breaker = c.deployment_circuit_breaker();
        Configuration {
            maximum_percent: c.maximum_percent(),
            minimum_healthy_percent: c.minimum_healthy_percent(),
            circuit_breaker: breaker.is_some_and(DeploymentCircuitBreaker::enable),
            rollback: breaker.is_some_and(|b| b.enable() && b.rollback()),
            strategy: c.strategy().map(|s| s.as_str().to_owned()),
        }
    }
}

/// `max 200%, min 100%, circuit breaker with rollback, ROLLING`.
impl fmt::Display for Configuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let percent = |p: Option<i32>| p.map_or_else(|| "-".to_owned(), |p| format!("{p}%"));
        let breaker = match (self.circuit_breaker, self.rollback) {
            (false, _) => "no circuit breaker",
            (true, false) => "circuit breaker without rollback",
            (true, true) => "circuit breaker with rollback",
        };
        write!(
            f,
            "max {}, min {}, {breaker}",
            percent(self.maximum_percent),
            percent(self.minimum_healthy_percent)
        )?;
        if let Some(strategy) = &self.strategy {
            write!(f, ", {strategy}")?;
        }
        Ok(())
    }
}

/// One service event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventView {
    /// Event id.
    pub id: String,
    /// When, epoch seconds.
    pub created_at: Option<f64>,
    /// ECS's text.
    pub message: String,
}

/// The parts of a service the follower needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceView {
    /// The task definition the service runs.
    pub task_definition: String,
    /// Deployments, as listed.
    pub deployments: Vec<DeploymentView>,
    /// Events, newest first.
    pub events: Vec<EventView>,
    /// The service's deployment configuration, as ECS answered it (what a
    /// requested change is merged into).
    #[serde(skip)]
    pub configuration: Option<DeploymentConfiguration>,
}

impl ServiceView {
    /// The deployment with `id`.
    pub fn deployment(&self, id: &str) -> Option<&DeploymentView> {
        self.deployments.iter().find(|d| d.id == id)
    }

    /// The PRIMARY deployment.
    pub fn primary(&self) -> Option<&DeploymentView> {
        self.deployments.iter().find(|d| d.status == "PRIMARY")
    }
}

/// An SDK time as epoch seconds.
pub fn seconds(time: Option<&aws_sdk_ecs::primitives::DateTime>) -> Option<f64> {
    time.map(aws_sdk_ecs::primitives::DateTime::as_secs_f64)
}

impl From<&Deployment> for DeploymentView {
    fn from(d: &Deployment) -> Self {
        DeploymentView {
            id: d.id().unwrap_or_default().to_owned(),
            status: d.status().unwrap_or_default().to_owned(),
            task_definition: d.task_definition().unwrap_or_default().to_owned(),
            desired: d.desired_count(),
            pending: d.pending_count(),
            running: d.running_count(),
            failed_tasks: d.failed_tasks(),
            rollout_state: d
                .rollout_state()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            rollout_reason: d.rollout_state_reason().unwrap_or_default().to_owned(),
            created_at: seconds(d.created_at()),
            updated_at: seconds(d.updated_at()),
        }
    }
}

impl From<&ServiceEvent> for EventView {
    fn from(e: &ServiceEvent) -> Self {
        EventView {
            id: e.id().unwrap_or_default().to_owned(),
            created_at: seconds(e.created_at()),
            message: e.message().unwrap_or_default().to_owned(),
        }
    }
}

impl From<&Service> for ServiceView {
    fn from(s: &Service) -> Self {
        ServiceView {
            task_definition: s.task_definition().unwrap_or_default().to_owned(),
            deployments: s.deployments().iter().map(DeploymentView::from).collect(),
            events: s.events().iter().map(EventView::from).collect(),
            configuration: s.deployment_configuration().cloned(),
        }
    }
}
