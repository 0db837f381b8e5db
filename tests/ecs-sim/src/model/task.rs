//! A simulated task and its life: PROVISIONING -> PENDING -> RUNNING (-> HEALTHY or
//! UNHEALTHY) -> DEPROVISIONING -> STOPPED, driven by timers in simulated seconds.
//!
//! Health: the containers' `healthCheck`s (see [`super::health`]) and, for a service
//! with `loadBalancers`, the target health (see [`super::target`]) are probed on their
//! own timers, with results chosen by the behaviour (`healthy` passes, `unhealthy`
//! fails with HTTP 500, `slow:<s>` fails until `s` seconds after the start). Every
//! health change goes through [`Task::container_health`] or [`Task::target_health`]
//! and ECS's decision in one place (`Task::decide`): stop a service's task whose
//! container or target is unhealthy once `healthCheckGracePeriodSeconds` have passed,
//! and report the task healthy for the rollout.
//!
//! A service's task keeps running until the scheduler drains it or it fails. A
//! standalone task (RunTask) runs its command to the end: the essential container exits
//! (0 for `healthy` and `slow`, 1 for `crash`, the code of `exit:<code>`), and ECS stops
//! the task with `EssentialContainerExited`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::external::PlaneLink;
use super::health::{self, Checker, HealthFailure, Member, Probe};
use super::target::{Target, TargetHealth, TargetProbe, TargetState};
use crate::behavior::Behavior;
use crate::config::{Span, Timings};
use crate::logs::LogStore;

/// The `lastStatus` of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastStatus {
    /// Resources are being provisioned (ENI, capacity).
    Provisioning,
    /// The image is being pulled.
    Pending,
    /// The containers run.
    Running,
    /// The task is stopping (draining, ENI teardown).
    Deprovisioning,
    /// The task has stopped.
    Stopped,
}

impl LastStatus {
    /// The name ECS uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "PROVISIONING",
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Deprovisioning => "DEPROVISIONING",
            Self::Stopped => "STOPPED",
        }
    }
}

/// The `healthStatus` of a task or container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Not yet known.
    Unknown,
    /// Passed its health checks.
    Healthy,
    /// Failed its health checks.
    Unhealthy,
}

impl Health {
    /// The name ECS uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Healthy => "HEALTHY",
            Self::Unhealthy => "UNHEALTHY",
        }
    }
}

/// The next thing that happens to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// PROVISIONING -> PENDING.
    ToPending,
    /// PENDING -> RUNNING.
    ToRunning,
    /// The essential container exits 1.
    Crash,
    /// The image pull fails.
    PullFail,
    /// The essential container exits with this code.
    Exit(i32),
    /// DEPROVISIONING -> STOPPED.
    FinishStop,
}

/// What a step meant for the task's deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing the scheduler must react to.
    Nothing,
    /// The task passed its health checks (resets the failure count).
    Healthy,
    /// The task failed; `health_check` tells which health check failed, if one did.
    Failed {
        /// The failed container or target health check.
        health_check: Option<HealthFailure>,
    },
}

/// One container of a task.
#[derive(Debug, Clone)]
pub struct Container {
    /// Container name from the definition.
    pub name: String,
    /// Image reference.
    pub image: String,
    /// The digest the image resolved to at launch (`imageDigest`), when it did.
    pub image_digest: Option<String>,
    /// Whether the container is essential.
    pub essential: bool,
    /// `lastStatus` of the container.
    pub last_status: LastStatus,
    /// Exit code once stopped.
    pub exit_code: Option<i32>,
    /// Why the container stopped, when ECS says.
    pub reason: Option<String>,
    /// Health of the container.
    pub health: Health,
    /// The definition's `healthCheck` and its state; none without one.
    pub checker: Option<Checker>,
    /// CPU units, as ECS reports them (a string).
    pub cpu: Option<String>,
    /// Memory, as ECS reports it (a string).
    pub memory: Option<String>,
    /// Log group and stream when the container uses the awslogs driver.
    pub log: Option<(String, String)>,
    /// First container port, for the start-up log line.
    pub port: Option<i64>,
    /// The command it runs (a RunTask override, else the definition's), for its log.
    pub command: Vec<String>,
}

/// What a task started by RunTask (not by a service) carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Standalone {
    /// `group` (`family:<family>` unless given).
    pub group: String,
    /// `overrides.containerOverrides` as given.
    pub container_overrides: Vec<serde_json::Value>,
}

/// Everything needed to launch a task.
#[derive(Debug, Clone)]
pub struct Launch {
    /// 32-hex task id.
    pub id: String,
    /// Task ARN.
    pub arn: String,
    /// Cluster ARN.
    pub cluster_arn: String,
    /// Task definition ARN.
    pub task_definition_arn: String,
    /// `startedBy`: the deployment id of a service's task, the caller's value (or
    /// empty: none) of a standalone one.
    pub started_by: String,
    /// Service name (empty for a standalone task).
    pub service: String,
    /// Set for a task started by RunTask.
    pub standalone: Option<Standalone>,
    /// Behaviour from the docker label (flaky already decided).
    pub behavior: Behavior,
    /// Containers.
    pub containers: Vec<Container>,
    /// Task-level cpu.
    pub cpu: Option<String>,
    /// Task-level memory.
    pub memory: Option<String>,
    /// Launch type.
    pub launch_type: Option<String>,
    /// Availability zone.
    pub availability_zone: String,
    /// Seed of this task's delays.
    pub seed: u64,
    /// Stage durations.
    pub timings: Timings,
    /// The target groups of the service's `loadBalancers` (none for standalone tasks).
    pub targets: Vec<Target>,
    /// The service's `healthCheckGracePeriodSeconds` (0 when not set).
    pub grace_period: f64,
}

/// A simulated task.
#[derive(Debug, Clone)]
pub struct Task {
    /// Launch parameters (ids, containers, behaviour).
    pub spec: Launch,
    /// Containers with their live state.
    pub containers: Vec<Container>,
    /// `lastStatus`.
    pub last_status: LastStatus,
    /// `desiredStatus`: true for RUNNING.
    pub desired_running: bool,
    /// Task health.
    pub health: Health,
    /// Timestamps in simulated epoch seconds.
    pub created_at: f64,
    /// When the task was connected.
    pub connectivity_at: Option<f64>,
    /// When the image pull started.
    pub pull_started_at: Option<f64>,
    /// When the image pull finished.
    pub pull_stopped_at: Option<f64>,
    /// When the task reached RUNNING.
    pub started_at: Option<f64>,
    /// When the task began stopping.
    pub stopping_at: Option<f64>,
    /// When the task stopped.
    pub stopped_at: Option<f64>,
    /// When the containers stopped executing.
    pub execution_stopped_at: Option<f64>,
    /// `stopCode`.
    pub stop_code: Option<String>,
    /// `stoppedReason`.
    pub stopped_reason: Option<String>,
    /// Version, bumped on each change.
    pub version: i64,
    /// The next timed step of the task's life (health checks have their own timers).
    pub next: Option<(f64, Step)>,
    /// Where the data plane is with this task, when one is attached.
    pub plane: Option<PlaneLink>,
    /// Target health in each target group of the service.
    pub targets: Vec<TargetHealth>,
    /// The scheduler was told the task is healthy for the rollout.
    pub ready_reported: bool,
    rng: StdRng,
}

impl Task {
    /// Launch a task at simulated time `t`.
    #[must_use]
    pub fn launch(spec: Launch, t: f64) -> Self {
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let delay = draw(&mut rng, spec.timings.provisioning);
        let targets = spec
            .targets
            .iter()
            .cloned()
            .map(TargetHealth::new)
            .collect();
        Self {
            containers: spec.containers.clone(),
            spec,
            last_status: LastStatus::Provisioning,
            desired_running: true,
            health: Health::Unknown,
            created_at: t,
            connectivity_at: None,
            pull_started_at: None,
            pull_stopped_at: None,
            started_at: None,
            stopping_at: None,
            stopped_at: None,
            execution_stopped_at: None,
            stop_code: None,
            stopped_reason: None,
            version: 1,
            next: Some((t + delay, Step::ToPending)),
            plane: None,
            targets,
            ready_reported: false,
            rng,
        }
    }

    /// When the next timer (a step of its life, a health check, the end of the grace
    /// period) is due.
    #[must_use]
    pub fn due(&self) -> Option<f64> {
        let life = self.next.map(|(at, _)| at);
        if !self.is_running() {
            return life;
        }
        let checks = self
            .containers
            .iter()
            .filter_map(|c| c.checker.and_then(|k| k.next_at));
        let targets = self.targets.iter().filter_map(|h| h.next_at);
        let grace = self.grace_end().filter(|_| self.failing());
        life.into_iter()
            .chain(checks)
            .chain(targets)
            .chain(grace)
            .min_by(f64::total_cmp)
    }

    /// Counts toward the service: desired RUNNING and not yet stopping.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.desired_running
            && matches!(
                self.last_status,
                LastStatus::Provisioning | LastStatus::Pending | LastStatus::Running
            )
    }

    /// RUNNING (and desired RUNNING).
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.desired_running && self.last_status == LastStatus::Running
    }

    /// PROVISIONING or PENDING (and desired RUNNING).
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.desired_running
            && matches!(
                self.last_status,
                LastStatus::Provisioning | LastStatus::Pending
            )
    }

    /// RUNNING and healthy for the rollout: every essential container with a health
    /// check HEALTHY (UNKNOWN without checks counts) and every target healthy.
    #[must_use]
    pub fn is_healthy(&self) -> bool {
        self.is_running()
            && health::containers_ready(&self.members())
            && self.targets.iter().all(|h| h.state == TargetState::Healthy)
    }

    /// Stopping but not yet stopped.
    #[must_use]
    pub fn is_draining(&self) -> bool {
        self.last_status == LastStatus::Deprovisioning
    }

    /// The deployment this task belongs to; none for a standalone task.
    #[must_use]
    pub fn deployment(&self) -> Option<&str> {
        match self.spec.standalone {
            Some(_) => None,
            None => Some(&self.spec.started_by),
        }
    }

    /// The task's `group`: `service:<name>`, or a standalone task's.
    #[must_use]
    pub fn group(&self) -> String {
        match &self.spec.standalone {
            Some(s) => s.group.clone(),
            None => format!("service:{}", self.spec.service),
        }
    }

    /// What ECS knows of each container for the task's health.
    fn members(&self) -> Vec<Member> {
        self.containers
            .iter()
            .map(|c| Member {
                essential: c.essential,
                checked: c.checker.is_some(),
                health: c.health,
            })
            .collect()
    }

    /// When `healthCheckGracePeriodSeconds` after the start end.
    fn grace_end(&self) -> Option<f64> {
        self.started_at.map(|s| s + self.spec.grace_period)
    }

    /// A container or target is unhealthy (the scheduler acts once the grace ends).
    fn failing(&self) -> bool {
        self.health == Health::Unhealthy
            || self
                .targets
                .iter()
                .any(|h| h.state == TargetState::Unhealthy)
    }

    /// Container `name` reports `health` at `t` (from Docker's health check); ECS
    /// decides what it means for the task.
    pub fn container_health(&mut self, t: f64, name: &str, health: Health) -> Outcome {
        if let Some(c) = self.containers.iter_mut().find(|c| c.name == name)
            && c.health != health
        {
            c.health = health;
            self.version += 1;
        }
        self.decide(t)
    }

    /// The load balancer reports the task's target in `target_group_arn` as `state`
    /// (`reason`: the description of the failed check) at `t`; ECS decides what it
    /// means for the task.
    pub fn target_health(
        &mut self,
        t: f64,
        target_group_arn: &str,
        state: TargetState,
        reason: Option<String>,
    ) -> Outcome {
        if let Some(h) = self
            .targets
            .iter_mut()
            .find(|h| h.target.target_group_arn == target_group_arn)
        {
            h.state = state;
            if reason.is_some() {
                h.reason = reason;
            }
        }
        self.decide(t)
    }

    /// ECS's decision on the task's health at `t`: its `healthStatus` from the
    /// containers'; a service's task whose container or target is unhealthy after the
    /// grace period is stopped; a task healthy for the rollout is reported once.
    fn decide(&mut self, t: f64) -> Outcome {
        let health = health::task_health(&self.members());
        if health != self.health {
            self.health = health;
            self.version += 1;
        }
        if !self.is_running() || self.spec.standalone.is_some() {
            // ECS replaces the unhealthy tasks of services only.
            return Outcome::Nothing;
        }
        let graced = self.grace_end().is_some_and(|end| t < end);
        if !graced {
            let failure = if self.health == Health::Unhealthy {
                Some(HealthFailure::Container)
            } else {
                self.targets
                    .iter()
                    .find(|h| h.state == TargetState::Unhealthy)
                    .map(|h| HealthFailure::Target {
                        target_group_arn: h.target.target_group_arn.clone(),
                        port: h.target.container_port,
                        reason: h
                            .reason
                            .clone()
                            .unwrap_or_else(|| "Health checks failed".into()),
                    })
            };
            if let Some(failure) = failure {
                for c in &mut self.containers {
                    c.exit_code = Some(137);
                }
                self.begin_stop(
                    t,
                    "ServiceSchedulerInitiated",
                    &failure.stopped_reason(),
                    true,
                );
                return Outcome::Failed {
                    health_check: Some(failure),
                };
            }
        }
        if !self.ready_reported && self.is_healthy() {
            self.ready_reported = true;
            return Outcome::Healthy;
        }
        Outcome::Nothing
    }

    /// Run the health checks due at `t` in the simulated runtime, with results chosen
    /// by the behaviour, and let ECS decide.
    fn health_checks(&mut self, t: f64, logs: &mut LogStore) -> Outcome {
        if !self.is_running() {
            return Outcome::Nothing;
        }
        let probe = self.container_probe(t);
        let (mut passed, mut failed) = (false, false);
        for c in &mut self.containers {
            if let Some(k) = c.checker.as_mut()
                && k.next_at.is_some_and(|at| at <= t)
            {
                let after = k.observe(t, probe);
                passed |= after == Health::Healthy && c.health != after;
                failed |= after == Health::Unhealthy && c.health != after;
                c.health = after;
            }
        }
        let target_probe = self.target_probe(t);
        let cfg = self.spec.timings.target_health;
        for h in &mut self.targets {
            if h.next_at.is_some_and(|at| at <= t) {
                let before = h.state;
                let after = h.observe(t, target_probe, &cfg);
                passed |= after == TargetState::Healthy && before != after;
                failed |= after == TargetState::Unhealthy && before != after;
            }
        }
        if passed {
            self.log_all(t, logs, &["GET /health 200 OK"]);
        }
        if failed {
            self.log_all(
                t,
                logs,
                &[
                    "GET /health 500 Internal Server Error",
                    "Health check failed: dependency not ready",
                ],
            );
        }
        self.decide(t)
    }

    /// What the container health check command gets at `t`, by behaviour.
    fn container_probe(&self, t: f64) -> Probe {
        match self.spec.behavior {
            Behavior::Unhealthy => Probe::Fail(0.0),
            Behavior::Slow(s) if self.started_at.is_none_or(|st| t < st + s) => Probe::Fail(0.0),
            _ => Probe::Pass(0.0),
        }
    }

    /// What the load balancer's health check request gets at `t`, by behaviour.
    fn target_probe(&self, t: f64) -> TargetProbe {
        match self.spec.behavior {
            Behavior::Unhealthy => TargetProbe::Status(500),
            Behavior::Slow(s) if self.started_at.is_none_or(|st| t < st + s) => {
                TargetProbe::Refused
            }
            _ => TargetProbe::Status(200),
        }
    }

    /// Perform what is due at time `t` (a step of its life, else health checks),
    /// writing log lines, and say what it meant.
    pub fn step(&mut self, t: f64, logs: &mut LogStore) -> Outcome {
        let Some((_, step)) = self.next.take_if(|(at, _)| *at <= t) else {
            return self.health_checks(t, logs);
        };
        self.version += 1;
        let timings = self.spec.timings;
        match step {
            Step::ToPending => {
                self.last_status = LastStatus::Pending;
                self.connectivity_at = Some(t);
                self.pull_started_at = Some(t);
                self.set_containers(LastStatus::Pending);
                let delay = draw(&mut self.rng, timings.pending);
                let next = if self.spec.behavior == Behavior::PullError {
                    Step::PullFail
                } else {
                    Step::ToRunning
                };
                self.next = Some((t + delay, next));
                Outcome::Nothing
            }
            Step::ToRunning => {
                if let Some(link) = self.plane.as_mut()
                    && !link.may_run()
                {
                    // The data plane has not said the task can run yet.
                    link.waiting = true;
                    return Outcome::Nothing;
                }
                self.last_status = LastStatus::Running;
                self.pull_stopped_at = Some(t);
                self.started_at = Some(t);
                self.set_containers(LastStatus::Running);
                if self.plane.is_some_and(|link| link.runs_containers) {
                    // The data plane's reports say what happens next: container
                    // health and target health come from it, not from timers.
                    return self.decide(t);
                }
                self.log_start(t, logs);
                for k in self
                    .containers
                    .iter_mut()
                    .filter_map(|c| c.checker.as_mut())
                {
                    k.start(t);
                }
                if self.spec.standalone.is_some() {
                    self.next = self.standalone_end(t);
                    return self.decide(t);
                }
                for h in &mut self.targets {
                    h.register(t, &timings.target_health);
                }
                self.next = match self.spec.behavior {
                    Behavior::Crash => Some((t + draw(&mut self.rng, timings.crash), Step::Crash)),
                    Behavior::Exit(code) => {
                        Some((t + draw(&mut self.rng, timings.crash), Step::Exit(code)))
                    }
                    Behavior::Healthy
                    | Behavior::Unhealthy
                    | Behavior::Slow(_)
                    | Behavior::PullError
                    | Behavior::Flaky(_) => None,
                };
                self.decide(t)
            }
            Step::Crash => {
                self.log_all(
                    t,
                    logs,
                    &[
                        "Error: connection to database failed",
                        "Traceback (most recent call last):",
                        "  File \"/app/main.py\", line 42, in <module>",
                        "    db.connect()",
                        "ConnectionRefusedError: [Errno 111] Connection refused",
                    ],
                );
                let essential = self.essential_index();
                for (i, c) in self.containers.iter_mut().enumerate() {
                    c.exit_code = Some(if i == essential { 1 } else { 137 });
                }
                self.begin_stop(
                    t,
                    "EssentialContainerExited",
                    "Essential container in task exited",
                    true,
                );
                Outcome::Failed { health_check: None }
            }
            Step::PullFail => {
                let essential = self.essential_index();
                let image = self
                    .containers
                    .get(essential)
                    .map(|c| c.image.clone())
                    .unwrap_or_default();
                let reason = format!(
                    "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: not found"
                );
                if let Some(c) = self.containers.get_mut(essential) {
                    c.reason = Some(reason.clone());
                }
                self.begin_stop(t, "TaskFailedToStart", &reason, true);
                Outcome::Failed { health_check: None }
            }
            Step::Exit(code) => {
                self.exit(t, code, logs);
                Outcome::Failed { health_check: None }
            }
            Step::FinishStop => {
                self.last_status = LastStatus::Stopped;
                self.stopped_at = Some(t);
                self.execution_stopped_at.get_or_insert(t);
                self.set_containers(LastStatus::Stopped);
                Outcome::Nothing
            }
        }
    }

    /// Start stopping the task at `t` (no-op when already stopping). `failed` selects the
    /// short stop delay of a failed task instead of the draining delay.
    pub fn begin_stop(&mut self, t: f64, code: &str, reason: &str, failed: bool) {
        if !self.desired_running {
            return;
        }
        self.desired_running = false;
        self.version += 1;
        self.stop_code = Some(code.to_owned());
        self.stopped_reason = Some(reason.to_owned());
        self.stopping_at = Some(t);
        let was_running = self.last_status == LastStatus::Running;
        if failed || !was_running {
            self.execution_stopped_at = Some(t);
        }
        self.last_status = LastStatus::Deprovisioning;
        let span = if failed {
            self.spec.timings.failed_stop
        } else {
            self.spec.timings.draining
        };
        let delay = draw(&mut self.rng, span);
        self.next = Some((t + delay, Step::FinishStop));
    }

    /// Stop a task the scheduler (or a user) no longer wants, writing a shutdown line.
    pub fn drain(&mut self, t: f64, code: &str, reason: &str, logs: &mut LogStore) {
        if !self.desired_running {
            return;
        }
        if self.last_status == LastStatus::Running {
            self.log_all(t, logs, &["Received SIGTERM, shutting down gracefully"]);
            for c in &mut self.containers {
                c.exit_code.get_or_insert(0);
            }
        }
        self.begin_stop(t, code, reason, false);
    }

    /// When and how a standalone task's command ends, once RUNNING.
    fn standalone_end(&mut self, t: f64) -> Option<(f64, Step)> {
        let timings = self.spec.timings;
        match self.spec.behavior {
            Behavior::Healthy | Behavior::PullError | Behavior::Flaky(_) => {
                Some((t + draw(&mut self.rng, timings.health_check), Step::Exit(0)))
            }
            Behavior::Slow(s) => Some((t + s.max(0.001), Step::Exit(0))),
            Behavior::Crash => Some((t + draw(&mut self.rng, timings.crash), Step::Crash)),
            Behavior::Exit(code) => {
                Some((t + draw(&mut self.rng, timings.crash), Step::Exit(code)))
            }
            // Runs, failing its health checks (ECS replaces unhealthy service tasks only).
            Behavior::Unhealthy => None,
        }
    }

    /// The essential container exits with `code`; the others are stopped (exit 0 after
    /// a clean end, else 137), and ECS stops the task.
    fn exit(&mut self, t: f64, code: i32, logs: &mut LogStore) {
        let end = format!("Process exited with code {code}");
        let lines: &[&str] = match code {
            0 => &["Finished.", &end],
            _ => &["Error: the command failed", &end],
        };
        self.log_all(t, logs, lines);
        let essential = self.essential_index();
        self.essential_exited(t, essential, code);
    }

    /// Essential container `index` exited with `code`: the others are stopped (exit 0
    /// after a clean end, else 137, unless they already exited), and ECS stops the task.
    pub fn essential_exited(&mut self, t: f64, index: usize, code: i32) {
        for (i, c) in self.containers.iter_mut().enumerate() {
            if i == index {
                c.exit_code = Some(code);
            } else {
                c.exit_code.get_or_insert(if code == 0 { 0 } else { 137 });
            }
        }
        self.begin_stop(
            t,
            "EssentialContainerExited",
            "Essential container in task exited",
            true,
        );
    }

    /// The index of the first essential container (0 when none is marked).
    pub fn essential_index(&self) -> usize {
        self.containers
            .iter()
            .position(|c| c.essential)
            .unwrap_or(0)
    }

    fn set_containers(&mut self, status: LastStatus) {
        for c in &mut self.containers {
            c.last_status = status;
        }
    }

    fn log_start(&self, t: f64, logs: &mut LogStore) {
        for c in &self.containers {
            if let Some((group, stream)) = &c.log {
                let port = c.port.unwrap_or(8080);
                logs.put(
                    group,
                    stream,
                    t,
                    &format!("Starting {} ({})", c.name, c.image),
                );
                if self.spec.standalone.is_some() {
                    if !c.command.is_empty() {
                        logs.put(
                            group,
                            stream,
                            t,
                            &format!("Running {}", c.command.join(" ")),
                        );
                    }
                    continue;
                }
                logs.put(group, stream, t, &format!("Listening on 0.0.0.0:{port}"));
                logs.put(group, stream, t, "Application startup complete.");
            }
        }
    }

    fn log_all(&self, t: f64, logs: &mut LogStore, lines: &[&str]) {
        for c in &self.containers {
            if let Some((group, stream)) = &c.log {
                for line in lines {
                    logs.put(group, stream, t, line);
                }
            }
        }
    }
}

/// A delay drawn from `span`, never shorter than a millisecond.
pub fn draw(rng: &mut StdRng, span: Span) -> f64 {
    let (lo, hi) = if span.max > span.min {
        (span.min, span.max)
    } else {
        (span.min, span.min)
    };
    let value = if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    };
    value.max(0.001)
}
