//! A service: desired count, deployments, events, and the bookkeeping around them.

use rand::Rng;
use rand::rngs::StdRng;
use serde_json::Value;

use super::deployment::{Deployment, DeploymentConfig, Record, RecordStatus, Rollout, Status};
use super::texts;

/// `status` of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceStatus {
    /// In service.
    Active,
    /// Being deleted: tasks are stopping.
    Draining,
    /// Deleted.
    Inactive,
}

impl ServiceStatus {
    /// Name ECS uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Draining => "DRAINING",
            Self::Inactive => "INACTIVE",
        }
    }
}

/// One service event.
#[derive(Debug, Clone)]
pub struct ServiceEvent {
    /// A UUID.
    pub id: String,
    /// When.
    pub created_at: f64,
    /// "(service NAME) ..."
    pub message: String,
}

/// A service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Cluster ARN.
    pub cluster_arn: String,
    /// Region of its ARNs.
    pub region: String,
    /// Status.
    pub status: ServiceStatus,
    /// Desired tasks.
    pub desired_count: i64,
    /// Task definition of the primary deployment.
    pub task_definition: String,
    /// Launch type.
    pub launch_type: Option<String>,
    /// Network configuration as given.
    pub network_configuration: Option<Value>,
    /// Deployment configuration.
    pub config: DeploymentConfig,
    /// When created.
    pub created_at: f64,
    /// Fields echoed as given (loadBalancers, propagateTags, ...).
    pub extras: serde_json::Map<String, Value>,
    /// Every deployment ever made, oldest first.
    pub deployments: Vec<Deployment>,
    /// Events, newest first.
    pub events: Vec<ServiceEvent>,
    /// Last COMPLETED deployment: (id, task definition).
    pub last_completed: Option<(String, String)>,
    /// The steady-state event was written since the last change.
    pub steady: bool,
}

/// Why a deployment starts.
#[derive(Debug, Clone)]
pub enum Origin {
    /// CreateService or UpdateService: a new service deployment record, whose ARN ends
    /// with `arn_id`.
    Request {
        /// The last part of the record's ARN.
        arn_id: String,
    },
    /// A rollback of deployment `of`, reported in that deployment's record.
    Rollback {
        /// The deployment rolled back.
        of: String,
        /// The rolloutStateReason of the rollback deployment.
        reason: String,
    },
}

/// Most events kept per service.
const MAX_EVENTS: usize = 100;

impl Service {
    /// Record an event "(service NAME) {text}".
    pub fn event(&mut self, t: f64, rng: &mut StdRng, text: &str) {
        let message = format!("(service {}) {text}", self.name);
        self.events.insert(
            0,
            ServiceEvent {
                id: uuid(rng),
                created_at: t,
                message,
            },
        );
        self.events.truncate(MAX_EVENTS);
    }

    /// The PRIMARY deployment.
    #[must_use]
    pub fn primary(&self) -> Option<&Deployment> {
        self.deployments
            .iter()
            .rev()
            .find(|d| d.status == Status::Primary)
    }

    /// The PRIMARY deployment, mutably.
    pub fn primary_mut(&mut self) -> Option<&mut Deployment> {
        self.deployments
            .iter_mut()
            .rev()
            .find(|d| d.status == Status::Primary)
    }

    /// A deployment by id.
    pub fn deployment_mut(&mut self, id: &str) -> Option<&mut Deployment> {
        self.deployments.iter_mut().find(|d| d.id == id)
    }

    /// Deployments shown by DescribeServices: PRIMARY first, then ACTIVE, newest first.
    pub fn visible_deployments(&self) -> impl Iterator<Item = &Deployment> {
        let primary = self.primary();
        primary.into_iter().chain(
            self.deployments
                .iter()
                .rev()
                .filter(|d| d.status == Status::Active),
        )
    }

    /// Start a new PRIMARY deployment of `task_definition` at `t`. The previous PRIMARY
    /// becomes ACTIVE; a record still in progress is STOPPED (unless this is its
    /// rollback). Returns the new id.
    pub fn start_deployment(
        &mut self,
        t: f64,
        id: String,
        task_definition: String,
        origin: Origin,
    ) -> String {
        let (rollback_of, reason, arn_id) = match origin {
            Origin::Request { arn_id } => (None, None, Some(arn_id)),
            Origin::Rollback { of, reason } => (Some(of), Some(reason), None),
        };
        let sources: Vec<String> = self
            .deployments
            .iter()
            .filter(|d| d.status != Status::Inactive)
            .map(|d| d.id.clone())
            .collect();
        for d in &mut self.deployments {
            if d.status == Status::Primary {
                d.status = Status::Active;
                d.updated_at = t;
                if let Some(rec) = d.record.as_mut()
                    && !rec.status.is_final()
                    && rollback_of.is_none()
                {
                    rec.status = RecordStatus::Stopped;
                    rec.status_reason = Some(texts::RECORD_SUPERSEDED.into());
                    rec.stopped_at = Some(t);
                    rec.updated_at = t;
                }
            }
        }
        let record = arn_id.map(|arn_id| Record {
            arn_id,
            status: RecordStatus::Pending,
            status_reason: None,
            started_at: None,
            finished_at: None,
            stopped_at: None,
            requested_at: None,
            updated_at: t,
            sources,
            rollback: None,
            breaker_triggered: false,
        });
        let reason = reason.unwrap_or_else(|| texts::rollout_in_progress(&id));
        self.deployments.push(Deployment {
            id: id.clone(),
            status: Status::Primary,
            task_definition: task_definition.clone(),
            desired_count: self.desired_count,
            failed_tasks: 0,
            rollout: Rollout::InProgress,
            rollout_reason: reason,
            created_at: t,
            updated_at: t,
            launch_type: self.launch_type.clone(),
            network_configuration: self.network_configuration.clone(),
            config: self.config,
            rollback_of,
            record,
            unable_reported: false,
        });
        self.task_definition = task_definition;
        self.steady = false;
        id
    }

    /// The record a deployment's progress is reported in: its own, or for a rollback
    /// deployment the record of the deployment it rolls back.
    pub fn record_for_mut(&mut self, deployment_id: &str) -> Option<&mut Record> {
        let owner = self
            .deployments
            .iter()
            .find(|d| d.id == deployment_id)
            .map(|d| d.rollback_of.clone().unwrap_or_else(|| d.id.clone()))?;
        self.deployment_mut(&owner)?.record.as_mut()
    }
}

/// A random UUID (version 4 layout).
pub fn uuid(rng: &mut StdRng) -> String {
    let a: u32 = rng.random();
    let b: u16 = rng.random();
    let c: u16 = (rng.random::<u16>() & 0x0fff) | 0x4000;
    let d: u16 = (rng.random::<u16>() & 0x3fff) | 0x8000;
    let e: u64 = rng.random::<u64>() & 0xffff_ffff_ffff;
    format!("{a:08x}-{b:04x}-{c:04x}-{d:04x}-{e:012x}")
}
