//! The simulated ECS control plane: clusters, task definitions, services, deployments and
//! tasks, advanced in simulated time.
//!
//! All state lives in [`Model`], behind one mutex in the server. [`Model::advance`] runs
//! every timer that is due, in time order, so that the result does not depend on how often
//! it is called: each task step is applied at its own simulated time, followed by the
//! scheduler.

pub mod deployment;
pub mod external;
pub mod health;
pub mod image;
pub mod lag;
pub mod launch;
pub mod ops;
pub mod scheduler;
pub mod service;
pub mod standalone;
pub mod target;
pub mod task;
pub mod taskdef;
pub mod texts;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::Timings;
use crate::logs::LogStore;
use image::ImageDigests;
use lag::Lag;
use scheduler::Ctx;
use service::{Service, ServiceStatus};
use task::{LastStatus, Outcome, Task};
use taskdef::TaskDefs;

/// The account id in every ARN.
pub const ACCOUNT: &str = "123456789012";

/// Simulated seconds a STOPPED task stays visible.
const STOPPED_RETENTION: f64 = 3600.0;

/// Why the model refused a request; the API maps each to an AWS error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// ClusterNotFoundException.
    #[error("Cluster not found.")]
    ClusterNotFound,
    /// ServiceNotFoundException.
    #[error("Service not found.")]
    ServiceNotFound,
    /// ServiceNotActiveException.
    #[error("Service was not ACTIVE.")]
    ServiceNotActive,
    /// InvalidParameterException.
    #[error("{0}")]
    InvalidParameter(String),
    /// ClientException.
    #[error("{0}")]
    Client(String),
    /// ServiceDeploymentNotFoundException.
    #[error("Service deployment not found.")]
    ServiceDeploymentNotFound,
    /// ConflictException.
    #[error("{0}")]
    Conflict(String),
}

/// A cluster and everything running in it.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Services, including deleted (INACTIVE) ones, oldest first.
    pub services: Vec<Service>,
    /// Tasks by id.
    pub tasks: BTreeMap<String, Task>,
    /// Settings as given.
    pub settings: serde_json::Value,
}

impl Cluster {
    /// The current service named `name` (or given by ARN): the ACTIVE/DRAINING one, else
    /// the latest INACTIVE one.
    #[must_use]
    pub fn service(&self, name_or_arn: &str) -> Option<&Service> {
        let name = last_segment(name_or_arn);
        self.services
            .iter()
            .rev()
            .find(|s| s.name == name && s.status != ServiceStatus::Inactive)
            .or_else(|| self.services.iter().rev().find(|s| s.name == name))
    }

    /// Index of the ACTIVE or DRAINING service named `name`.
    #[must_use]
    pub fn live_service_index(&self, name_or_arn: &str) -> Option<usize> {
        let name = last_segment(name_or_arn);
        self.services
            .iter()
            .rposition(|s| s.name == name && s.status != ServiceStatus::Inactive)
    }

    /// A task by id or ARN.
    #[must_use]
    pub fn task(&self, id_or_arn: &str) -> Option<&Task> {
        self.tasks.get(last_segment(id_or_arn))
    }
}

/// The whole simulated control plane.
#[derive(Debug)]
pub struct Model {
    /// Seed of every random choice.
    pub seed: u64,
    /// Stage durations of tasks.
    pub timings: Timings,
    /// Random ids.
    pub rng: StdRng,
    task_seq: u64,
    /// Clusters by name.
    pub clusters: BTreeMap<String, Cluster>,
    /// Task definitions.
    pub task_defs: TaskDefs,
    /// Tags by resource ARN: (key, value).
    pub tags: BTreeMap<String, Vec<(String, String)>>,
    /// Log events of tasks.
    pub logs: LogStore,
    /// What image references resolve to when a task launches.
    pub image_digests: ImageDigests,
    /// The data plane tasks are handed to, if any (see [`crate::plane`]).
    pub plane: Option<PlaneMode>,
    /// How late new deployments show in the read APIs (eventual consistency).
    pub lag: Lag,
}

/// What kind of data plane the model hands its tasks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneMode {
    /// The data plane runs the containers: their start, health and exit come from its
    /// reports, not from the model's timers and the behaviour label.
    pub runs_containers: bool,
}

impl Model {
    /// An empty control plane.
    #[must_use]
    pub fn new(seed: u64, timings: Timings) -> Self {
        Self {
            seed,
            timings,
            rng: StdRng::seed_from_u64(seed),
            task_seq: 0,
            clusters: BTreeMap::new(),
            task_defs: TaskDefs::default(),
            tags: BTreeMap::new(),
            logs: LogStore::default(),
            image_digests: ImageDigests::default(),
            plane: None,
            lag: Lag::default(),
        }
    }

    /// A cluster by name or ARN.
    ///
    /// # Errors
    /// [`Rejection::ClusterNotFound`].
    pub fn cluster(&self, name_or_arn: Option<&str>) -> Result<&Cluster, Rejection> {
        self.clusters
            .get(last_segment(name_or_arn.unwrap_or("default")))
            .ok_or(Rejection::ClusterNotFound)
    }

    /// Run every timer due by `now`, in time order, then the scheduler of every service.
    pub fn advance(&mut self, now: f64) {
        loop {
            let mut due: Option<(f64, String, String)> = None;
            for (cname, c) in &self.clusters {
                for (tid, task) in &c.tasks {
                    if let Some(at) = task.due()
                        && at <= now
                        && due.as_ref().is_none_or(|d| at < d.0)
                    {
                        due = Some((at, cname.clone(), tid.clone()));
                    }
                }
            }
            let Some((t, cname, tid)) = due else { break };
            self.step_task(t, &cname, &tid);
            self.reconcile_cluster(&cname, t);
        }
        self.lag.prune(now);
        let names: Vec<String> = self.clusters.keys().cloned().collect();
        for name in names {
            self.reconcile_cluster(&name, now);
            if let Some(c) = self.clusters.get_mut(&name) {
                c.tasks.retain(|_, k| {
                    k.last_status != LastStatus::Stopped
                        || k.stopped_at.is_none_or(|s| s > now - STOPPED_RETENTION)
                });
            }
        }
    }

    fn step_task(&mut self, t: f64, cname: &str, tid: &str) {
        let (clusters, mut ctx) = self.split();
        let Some(cluster) = clusters.get_mut(cname) else {
            return;
        };
        let Some(task) = cluster.tasks.get_mut(tid) else {
            return;
        };
        let outcome = task.step(t, ctx.logs);
        route_outcome(cluster, tid, &outcome, t, &mut ctx);
    }

    /// Run the scheduler of every service of cluster `cname` at `t`.
    pub fn reconcile_cluster(&mut self, cname: &str, t: f64) {
        let (clusters, mut ctx) = self.split();
        let Some(cluster) = clusters.get_mut(cname) else {
            return;
        };
        for svc in &mut cluster.services {
            scheduler::reconcile(svc, &mut cluster.tasks, &cluster.name, t, &mut ctx);
        }
    }

    /// The clusters, and the scheduler's view of everything else, borrowed
    /// apart so both can change at once.
    fn split(&mut self) -> (&mut BTreeMap<String, Cluster>, Ctx<'_>) {
        let Self {
            clusters,
            logs,
            rng,
            seed,
            task_seq,
            timings,
            task_defs,
            image_digests,
            plane,
            ..
        } = self;
        let ctx = Ctx {
            rng,
            seed: *seed,
            task_seq,
            timings: *timings,
            task_defs,
            image_digests,
            logs,
            plane: *plane,
        };
        (clusters, ctx)
    }

    /// A new deployment id.
    pub fn new_deployment_id(&mut self) -> String {
        deployment_id(&mut self.rng)
    }

    /// A new service deployment record id (the last part of its ARN).
    pub fn new_record_id(&mut self) -> String {
        record_id(&mut self.rng)
    }
}

/// Tell the scheduler of the service that owns task `tid` what a step of it meant
/// (a standalone task has none).
pub(crate) fn route_outcome(
    cluster: &mut Cluster,
    tid: &str,
    outcome: &Outcome,
    t: f64,
    ctx: &mut Ctx<'_>,
) {
    let Some(deployment) = cluster
        .tasks
        .get(tid)
        .and_then(Task::deployment)
        .map(str::to_owned)
    else {
        return;
    };
    let Some(svc) = cluster
        .services
        .iter_mut()
        .find(|s| s.deployments.iter().any(|d| d.id == deployment))
    else {
        return;
    };
    scheduler::on_outcome(svc, tid, &deployment, outcome, t, ctx);
}

/// 21 random letters and digits, like the end of ECS's service deployment ARNs.
pub fn record_id(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..21)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// `ecs-svc/` followed by 19 digits.
pub fn deployment_id(rng: &mut StdRng) -> String {
    let first: u8 = rng.random_range(1..=9);
    let rest: u64 = rng.random_range(0..1_000_000_000_000_000_000);
    format!("ecs-svc/{first}{rest:018}")
}

/// 32 lowercase hex digits.
pub fn hex_id(rng: &mut StdRng) -> String {
    let v: u128 = rng.random();
    format!("{v:032x}")
}

/// The part after the last `/` (a name from an ARN).
#[must_use]
pub fn last_segment(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}
