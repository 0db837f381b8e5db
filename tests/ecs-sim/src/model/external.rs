//! Tasks driven by a data plane (see [`crate::plane`]): the orders the model owes it and
//! the reports it applies.
//!
//! A task launched while a data plane is attached carries a [`PlaneLink`]. It does not
//! reach RUNNING before the data plane reports it [`Report::Ready`] (its images resolved
//! and secrets read); [`Report::StartFailed`] stops it with `TaskFailedToStart`. When
//! the data plane runs the containers, their start, health and exit come from its
//! reports too, and the behaviour label is not consulted.

use serde_json::Value;

use super::target::TargetState;
use super::task::{LastStatus, Outcome, Step, Task};
use super::{Model, last_segment, route_outcome};
use crate::plane::{LaunchOrder, Order, Report};

/// Where the data plane is with one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneLink {
    /// The data plane runs this task's containers.
    pub runs_containers: bool,
    /// [`Order::Launch`] was handed out.
    pub launch_sent: bool,
    /// [`Order::Stop`] was handed out.
    pub stop_sent: bool,
    /// [`Report::Ready`] arrived.
    pub ready: bool,
    /// [`Report::Running`] arrived.
    pub running: bool,
    /// The task's timer reached RUNNING before the data plane allowed it; the report
    /// that allows it moves the task on at once.
    pub waiting: bool,
}

impl PlaneLink {
    /// A link to a data plane of kind `mode`, before any order.
    #[must_use]
    pub fn new(mode: super::PlaneMode) -> Self {
        Self {
            runs_containers: mode.runs_containers,
            launch_sent: false,
            stop_sent: false,
            ready: false,
            running: false,
            waiting: false,
        }
    }

    /// Whether the task may reach RUNNING now.
    #[must_use]
    pub fn may_run(self) -> bool {
        self.ready && (self.running || !self.runs_containers)
    }
}

impl Model {
    /// The orders the data plane has not had yet: a launch for each new task, a stop for
    /// each task the model stopped. `time_scale` is passed on in launch orders.
    pub fn take_orders(&mut self, time_scale: f64) -> Vec<Order> {
        let mut orders = Vec::new();
        for (cname, cluster) in &mut self.clusters {
            for (tid, task) in &mut cluster.tasks {
                let Some(link) = task.plane.as_mut() else {
                    continue;
                };
                if !link.launch_sent {
                    link.launch_sent = true;
                    let definition = self
                        .task_defs
                        .resolve(&task.spec.task_definition_arn)
                        .map_or(Value::Null, |d| d.body.clone());
                    let load_balancers = cluster
                        .services
                        .iter()
                        .rev()
                        .find(|s| s.name == task.spec.service && task.spec.standalone.is_none())
                        .and_then(|s| s.extras.get("loadBalancers"))
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    orders.push(Order::Launch(LaunchOrder {
                        cluster: cname.clone(),
                        task: tid.clone(),
                        task_arn: task.spec.arn.clone(),
                        region: region_of(&task.spec.arn),
                        definition,
                        container_overrides: task
                            .spec
                            .standalone
                            .as_ref()
                            .map(|s| s.container_overrides.clone())
                            .unwrap_or_default(),
                        log_streams: task
                            .containers
                            .iter()
                            .filter_map(|c| {
                                let (group, stream) = c.log.clone()?;
                                Some((c.name.clone(), group, stream))
                            })
                            .collect(),
                        load_balancers,
                        time_scale,
                    }));
                }
                if !task.desired_running && !link.stop_sent {
                    link.stop_sent = true;
                    orders.push(Order::Stop {
                        cluster: cname.clone(),
                        task: tid.clone(),
                    });
                }
            }
        }
        orders
    }

    /// Apply the data plane's `report` about task `task` of cluster `cluster` at
    /// simulated time `now`, then let the model catch up. Returns false when the task is
    /// unknown (already forgotten, or never launched).
    pub fn report(&mut self, now: f64, cluster: &str, task: &str, report: Report) -> bool {
        let tid = last_segment(task).to_owned();
        let (clusters, mut ctx) = self.split();
        let Some(c) = clusters.get_mut(last_segment(cluster)) else {
            return false;
        };
        let Some(t) = c.tasks.get_mut(&tid) else {
            return false;
        };
        let outcome = t.apply(now, report);
        route_outcome(c, &tid, &outcome, now, &mut ctx);
        let name = c.name.clone();
        self.reconcile_cluster(&name, now);
        self.advance(now);
        true
    }
}

impl Task {
    /// Apply one report of the data plane at `t` and say what it meant for the task's
    /// deployment.
    pub fn apply(&mut self, t: f64, report: Report) -> Outcome {
        let Some(mut link) = self.plane else {
            return Outcome::Nothing;
        };
        self.version += 1;
        let outcome = match report {
            Report::Ready { digests } => {
                link.ready = true;
                for (name, digest) in digests {
                    if let Some(c) = self.containers.iter_mut().find(|c| c.name == name) {
                        c.image_digest = Some(digest);
                    }
                }
                Outcome::Nothing
            }
            Report::StartFailed { container, reason } => self.fail_start(t, container, &reason),
            Report::Running => {
                link.running = true;
                Outcome::Nothing
            }
            Report::Health { container, health } => self.container_health(t, &container, health),
            Report::Exited {
                container,
                code,
                reason,
            } => self.container_exited(t, &container, code, reason),
            Report::TargetHealth {
                healthy,
                target_group_arn,
                reason,
                ..
            } => {
                let state = if healthy {
                    TargetState::Healthy
                } else {
                    TargetState::Unhealthy
                };
                self.target_health(t, &target_group_arn, state, reason)
            }
        };
        if link.waiting && link.may_run() && self.desired_running {
            link.waiting = false;
            self.next = Some((t, Step::ToRunning));
        }
        self.plane = Some(link);
        outcome
    }

    /// The task cannot start: stop it with `TaskFailedToStart` and `reason`.
    fn fail_start(&mut self, t: f64, container: Option<String>, reason: &str) -> Outcome {
        if !self.desired_running || self.last_status == LastStatus::Running {
            return Outcome::Nothing;
        }
        let index = container
            .and_then(|name| self.containers.iter().position(|c| c.name == name))
            .unwrap_or_else(|| self.essential_index());
        if let Some(c) = self.containers.get_mut(index) {
            c.reason = Some(reason.to_owned());
        }
        self.begin_stop(t, "TaskFailedToStart", reason, true);
        Outcome::Failed { health_check: None }
    }

    /// A container exited on its own; an essential one stops the task.
    fn container_exited(
        &mut self,
        t: f64,
        name: &str,
        code: i32,
        reason: Option<String>,
    ) -> Outcome {
        let Some(index) = self.containers.iter().position(|c| c.name == name) else {
            return Outcome::Nothing;
        };
        if let Some(c) = self.containers.get_mut(index) {
            c.exit_code = Some(code);
            if reason.is_some() {
                c.reason = reason;
            }
        }
        let essential = self.containers.get(index).is_some_and(|c| c.essential);
        if !essential || !self.desired_running {
            return Outcome::Nothing;
        }
        self.essential_exited(t, index, code);
        if self.spec.standalone.is_some() {
            Outcome::Nothing
        } else {
            Outcome::Failed { health_check: None }
        }
    }
}

/// The region in a task ARN (`arn:aws:ecs:REGION:...`).
fn region_of(arn: &str) -> String {
    arn.split(':').nth(3).unwrap_or("us-east-1").to_owned()
}

#[cfg(test)]
mod tests;
