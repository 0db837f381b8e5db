//! The service scheduler: launches tasks of the PRIMARY deployment within
//! `maximumPercent`, drains older tasks while `minimumHealthyPercent` allows, counts
//! failures for the circuit breaker, rolls back, and declares deployments COMPLETED and
//! the service steady.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::deployment::{
    Deployment, RecordStatus, RollbackInfo, Rollout, Status, failure_threshold,
};
use super::service::{Service, ServiceStatus};
use super::task::{Container, LastStatus, Launch, Outcome, Task};
use super::taskdef::TaskDefs;
use super::{ACCOUNT, deployment_id, hex_id};
use crate::behavior::{self, Behavior};
use crate::config::Timings;
use crate::logs::LogStore;

/// What the scheduler needs besides the service and its cluster's tasks.
pub struct Ctx<'a> {
    /// Random ids.
    pub rng: &'a mut StdRng,
    /// Seed of per-task delays.
    pub seed: u64,
    /// Tasks launched so far (seeds each task's delays).
    pub task_seq: &'a mut u64,
    /// Stage durations.
    pub timings: Timings,
    /// Task definitions.
    pub task_defs: &'a TaskDefs,
    /// Log events.
    pub logs: &'a mut LogStore,
}

/// Task counts of one deployment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Desired RUNNING and not stopping.
    pub live: i64,
    /// RUNNING.
    pub running: i64,
    /// PROVISIONING or PENDING.
    pub pending: i64,
    /// RUNNING and HEALTHY.
    pub healthy: i64,
    /// Stopping.
    pub draining: i64,
}

/// Count the tasks of deployment `id`.
#[must_use]
pub fn tally(tasks: &BTreeMap<String, Task>, id: &str) -> Tally {
    let mut t = Tally::default();
    for task in tasks.values().filter(|t| t.deployment() == id) {
        t.live += i64::from(task.is_live());
        t.running += i64::from(task.is_running());
        t.pending += i64::from(task.is_pending());
        t.healthy += i64::from(task.is_healthy());
        t.draining += i64::from(task.is_draining());
    }
    t
}

/// Why a deployment is being rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The circuit breaker tripped.
    Breaker,
    /// `StopServiceDeployment(stopType=ROLLBACK)`.
    StopRollback,
}

/// React to what a task step meant for its deployment.
pub fn on_outcome(
    svc: &mut Service,
    tasks: &BTreeMap<String, Task>,
    task_id: &str,
    deployment: &str,
    outcome: &Outcome,
    t: f64,
    ctx: &mut Ctx<'_>,
) {
    let desired = svc.desired_count;
    let Some(dep) = svc.deployment_mut(deployment) else {
        return;
    };
    match outcome {
        Outcome::Nothing => {}
        Outcome::Healthy => {
            if dep.failed_tasks != 0 {
                dep.failed_tasks = 0;
                dep.updated_at = t;
            }
        }
        Outcome::Failed { health_check } => {
            dep.failed_tasks += 1;
            dep.updated_at = t;
            let watched = dep.status == Status::Primary && dep.rollout == Rollout::InProgress;
            let failed = dep.failed_tasks;
            let report_unable = watched && failed >= 2 && !dep.unable_reported;
            if report_unable {
                dep.unable_reported = true;
            }
            let trip = watched && dep.config.breaker_enable && failed >= failure_threshold(desired);
            let id = dep.id.clone();
            if *health_check {
                svc.event(
                    t,
                    ctx.rng,
                    &format!("(task {task_id}) failed container health checks."),
                );
            }
            if report_unable {
                svc.event(
                    t,
                    ctx.rng,
                    "is unable to consistently start tasks successfully.",
                );
            }
            if let Some(rec) = svc.record_for_mut(&id) {
                rec.updated_at = t;
            }
            if trip {
                fail_deployment(svc, tasks, &id, t, ctx, Trigger::Breaker);
            }
        }
    }
}

/// Mark deployment `id` FAILED and, when asked to (or configured), roll back to the last
/// COMPLETED deployment's task definition with a new PRIMARY deployment. Returns the id of
/// the rollback deployment, if one started.
pub fn fail_deployment(
    svc: &mut Service,
    _tasks: &BTreeMap<String, Task>,
    id: &str,
    t: f64,
    ctx: &mut Ctx<'_>,
    trigger: Trigger,
) -> Option<String> {
    let target = svc.last_completed.clone().filter(|(cid, _)| cid != id);
    let dep = svc.deployment_mut(id)?;
    let wants_rollback = trigger == Trigger::StopRollback || dep.config.breaker_rollback;
    let is_rollback = dep.rollback_of.is_some();
    dep.rollout = Rollout::Failed;
    dep.rollout_reason = match trigger {
        Trigger::Breaker => "ECS deployment circuit breaker: tasks failed to start.".into(),
        Trigger::StopRollback => "ECS deployment stopped by StopServiceDeployment.".into(),
    };
    dep.updated_at = t;
    if trigger == Trigger::Breaker {
        svc.event(
            t,
            ctx.rng,
            &format!("deployment {id} deployment failed: tasks failed to start."),
        );
    }
    if let Some(rec) = svc.record_for_mut(id) {
        rec.breaker_triggered |= trigger == Trigger::Breaker;
        rec.updated_at = t;
    }
    match target {
        Some((cid, ctd)) if wants_rollback && !is_rollback => {
            let new_id = deployment_id(ctx.rng);
            let reason = match trigger {
                Trigger::Breaker => {
                    format!("ECS deployment circuit breaker: rolling back to deploymentId {cid}")
                }
                Trigger::StopRollback => {
                    format!("ECS deployment rollback requested: rolling back to deploymentId {cid}")
                }
            };
            svc.start_deployment(
                t,
                new_id.clone(),
                ctd,
                Some(id.to_owned()),
                Some(reason.clone()),
            );
            if let Some(rec) = svc.record_for_mut(id) {
                rec.status = match trigger {
                    Trigger::Breaker => RecordStatus::RollbackInProgress,
                    Trigger::StopRollback => RecordStatus::RollbackRequested,
                };
                rec.status_reason = Some(reason.clone());
                rec.rollback = Some(RollbackInfo {
                    reason,
                    started_at: t,
                    deployment_id: new_id.clone(),
                });
            }
            svc.event(
                t,
                ctx.rng,
                &format!("rolling back to deployment ID {cid} ."),
            );
            Some(new_id)
        }
        _ => {
            let status = if is_rollback || wants_rollback {
                RecordStatus::RollbackFailed
            } else {
                RecordStatus::Stopped
            };
            if let Some(rec) = svc.record_for_mut(id) {
                rec.status = status;
                rec.status_reason = Some(if status == RecordStatus::RollbackFailed {
                    "Rollback failed: no completed deployment to roll back to.".into()
                } else {
                    "ECS deployment circuit breaker: tasks failed to start.".into()
                });
                rec.finished_at = Some(t);
                rec.stopped_at = Some(t);
            }
            None
        }
    }
}

/// Bring one service closer to its desired state at simulated time `t`.
pub fn reconcile(
    svc: &mut Service,
    tasks: &mut BTreeMap<String, Task>,
    cluster: &str,
    t: f64,
    ctx: &mut Ctx<'_>,
) {
    if svc.status == ServiceStatus::Inactive {
        return;
    }
    advance_records(svc, t);
    let ids: Vec<String> = svc.deployments.iter().map(|d| d.id.clone()).collect();
    if svc.status == ServiceStatus::Draining {
        drain_all(svc, tasks, &ids, t, ctx);
        return;
    }
    let desired = svc.desired_count;
    let Some(primary) = svc.primary_mut() else {
        return;
    };
    primary.desired_count = desired;
    let (pid, cfg, can_launch) = (
        primary.id.clone(),
        primary.config,
        primary.rollout != Rollout::Failed,
    );
    let max_tasks = cfg.max_tasks(desired);
    let min_healthy = cfg.min_healthy(desired);
    let total_live = |tasks: &BTreeMap<String, Task>| -> i64 {
        ids.iter().map(|id| tally(tasks, id).live).sum()
    };

    // Launch new tasks of the PRIMARY deployment within maximumPercent.
    let prim = tally(tasks, &pid);
    let want = desired - prim.live;
    let room = max_tasks - total_live(tasks);
    let n = want.min(room);
    if can_launch && n > 0 {
        let started = launch(svc, tasks, &pid, cluster, n, t, ctx);
        if !started.is_empty() {
            let list: Vec<String> = started.iter().map(|id| format!("(task {id})")).collect();
            svc.event(
                t,
                ctx.rng,
                &format!("has started {} tasks: {}.", started.len(), list.join(" ")),
            );
            svc.steady = false;
        }
    }

    // Stop tasks of older deployments (and surplus primary tasks).
    let stopped = stop_surplus(
        tasks,
        &ids,
        &pid,
        desired,
        max_tasks,
        min_healthy,
        can_launch,
        t,
        ctx,
    );
    if !stopped.is_empty() {
        let list: Vec<String> = stopped.iter().map(|id| format!("(task {id})")).collect();
        svc.event(
            t,
            ctx.rng,
            &format!(
                "has stopped {} running tasks: {}.",
                stopped.len(),
                list.join(" ")
            ),
        );
        svc.steady = false;
    }

    update_counts(svc, tasks, t);
    finish(svc, tasks, &pid, desired, t, ctx);
}

fn advance_records(svc: &mut Service, t: f64) {
    for d in &mut svc.deployments {
        if let Some(rec) = d.record.as_mut() {
            match rec.status {
                RecordStatus::Pending => {
                    rec.status = RecordStatus::InProgress;
                    rec.started_at = Some(t);
                    rec.updated_at = t;
                }
                RecordStatus::RollbackRequested => {
                    rec.status = RecordStatus::RollbackInProgress;
                    rec.updated_at = t;
                }
                _ => {}
            }
        }
    }
}

fn drain_all(
    svc: &mut Service,
    tasks: &mut BTreeMap<String, Task>,
    ids: &[String],
    t: f64,
    ctx: &mut Ctx<'_>,
) {
    let mut busy = false;
    for task in tasks
        .values_mut()
        .filter(|k| ids.iter().any(|i| i == k.deployment()))
    {
        if task.is_live() {
            task.drain(t, "ServiceSchedulerInitiated", "Service deleted", ctx.logs);
        }
        busy |= task.is_live() || task.is_draining();
    }
    update_counts(svc, tasks, t);
    if !busy {
        svc.status = ServiceStatus::Inactive;
        for d in &mut svc.deployments {
            d.status = Status::Inactive;
            d.updated_at = t;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn stop_surplus(
    tasks: &mut BTreeMap<String, Task>,
    ids: &[String],
    pid: &str,
    desired: i64,
    max_tasks: i64,
    min_healthy: i64,
    can_launch: bool,
    t: f64,
    ctx: &mut Ctx<'_>,
) -> Vec<String> {
    let mut stopped = Vec::new();
    let mut healthy: i64 = ids.iter().map(|id| tally(tasks, id).healthy).sum();
    let mut live: i64 = ids.iter().map(|id| tally(tasks, id).live).sum();
    let mut prim_live = tally(tasks, pid).live;
    let reason = format!("Scaling activity initiated by (deployment {pid})");

    // Older deployments' tasks: not-yet-healthy first, then oldest first.
    let mut old: Vec<(bool, f64, String)> = tasks
        .values()
        .filter(|k| k.is_live() && k.deployment() != pid && ids.iter().any(|i| i == k.deployment()))
        .map(|k| (k.is_healthy(), k.created_at, k.spec.id.clone()))
        .collect();
    old.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for (is_healthy, _, id) in old {
        let needs_room = can_launch && prim_live < desired;
        let allowed = if is_healthy {
            healthy > min_healthy && (live > desired || needs_room || live > max_tasks)
        } else {
            true
        };
        if !allowed {
            continue;
        }
        if let Some(task) = tasks.get_mut(&id) {
            let was_running = task.last_status == LastStatus::Running;
            task.drain(t, "ServiceSchedulerInitiated", &reason, ctx.logs);
            healthy -= i64::from(is_healthy);
            live -= 1;
            if was_running {
                stopped.push(id);
            }
        }
    }

    // Surplus tasks of the primary (desired count lowered): least healthy first.
    if prim_live > desired {
        let mut mine: Vec<(bool, f64, String)> = tasks
            .values()
            .filter(|k| k.is_live() && k.deployment() == pid)
            .map(|k| (k.is_healthy(), -k.created_at, k.spec.id.clone()))
            .collect();
        mine.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for (_, _, id) in mine {
            if prim_live <= desired {
                break;
            }
            if let Some(task) = tasks.get_mut(&id) {
                let was_running = task.last_status == LastStatus::Running;
                task.drain(t, "ServiceSchedulerInitiated", &reason, ctx.logs);
                prim_live -= 1;
                if was_running {
                    stopped.push(id);
                }
            }
        }
    }
    stopped
}

fn update_counts(svc: &mut Service, tasks: &BTreeMap<String, Task>, t: f64) {
    for d in &mut svc.deployments {
        if d.status == Status::Inactive {
            continue;
        }
        let k = tally(tasks, &d.id);
        if d.status == Status::Active && d.desired_count != k.live {
            d.desired_count = k.live;
            d.updated_at = t;
        }
    }
}

fn finish(
    svc: &mut Service,
    tasks: &BTreeMap<String, Task>,
    pid: &str,
    desired: i64,
    t: f64,
    ctx: &mut Ctx<'_>,
) {
    let prim = tally(tasks, pid);
    let mut others_busy = false;
    for d in &mut svc.deployments {
        if d.id == pid || d.status == Status::Inactive {
            continue;
        }
        let k = tally(tasks, &d.id);
        let busy = k.live + k.draining > 0;
        others_busy |= busy;
        if !busy && d.rollout != Rollout::Failed {
            d.status = Status::Inactive;
            d.updated_at = t;
        }
    }
    let Some(p) = svc.primary_mut() else { return };
    if p.rollout == Rollout::InProgress
        && !others_busy
        && prim.healthy == desired
        && prim.live == desired
    {
        p.rollout = Rollout::Completed;
        p.rollout_reason = format!("ECS deployment {pid} completed.");
        p.updated_at = t;
        let (td, rollback_of) = (p.task_definition.clone(), p.rollback_of.clone());
        if rollback_of.is_none()
            && let Some(rec) = p.record.as_mut()
        {
            rec.status = RecordStatus::Successful;
            rec.status_reason = Some("Service deployment completed successfully.".into());
            rec.finished_at = Some(t);
            rec.updated_at = t;
        }
        if let Some(owner) = rollback_of
            && let Some(rec) = svc.deployment_mut(&owner).and_then(|d| d.record.as_mut())
        {
            rec.status = RecordStatus::RollbackSuccessful;
            rec.status_reason = Some("Service deployment rolled back successfully.".into());
            rec.finished_at = Some(t);
            rec.updated_at = t;
        }
        for d in &mut svc.deployments {
            if d.id != pid && d.status != Status::Inactive {
                d.status = Status::Inactive;
                d.updated_at = t;
            }
        }
        svc.last_completed = Some((pid.to_owned(), td));
        svc.event(
            t,
            ctx.rng,
            &format!("deployment {pid} deployment completed."),
        );
    }
    let steady = svc
        .primary()
        .is_some_and(|p| p.rollout == Rollout::Completed)
        && svc.visible_deployments().count() == 1
        && prim.healthy == desired
        && prim.live == desired
        && prim.draining == 0;
    if steady && !svc.steady {
        svc.steady = true;
        svc.event(t, ctx.rng, "has reached a steady state.");
    }
}

/// Launch `n` tasks of deployment `pid`; returns their ids.
fn launch(
    svc: &Service,
    tasks: &mut BTreeMap<String, Task>,
    pid: &str,
    cluster: &str,
    n: i64,
    t: f64,
    ctx: &mut Ctx<'_>,
) -> Vec<String> {
    let Some(dep) = svc.deployments.iter().find(|d| d.id == pid) else {
        return Vec::new();
    };
    let Some(def) = ctx.task_defs.resolve(&dep.task_definition) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for _ in 0..n {
        *ctx.task_seq += 1;
        let seed = ctx
            .seed
            .wrapping_add(ctx.task_seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let id = hex_id(ctx.rng);
        let spec = launch_spec(
            svc,
            dep,
            &def.arn,
            &def.body,
            cluster,
            &id,
            seed,
            ctx.timings,
        );
        tasks.insert(id.clone(), Task::launch(spec, t));
        out.push(id);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn launch_spec(
    svc: &Service,
    dep: &Deployment,
    def_arn: &str,
    body: &Value,
    cluster: &str,
    id: &str,
    seed: u64,
    timings: Timings,
) -> Launch {
    let defs = body
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut chosen: Option<Behavior> = None;
    let containers: Vec<Container> = defs
        .iter()
        .map(|c| {
            let name = str_of(c, "name").unwrap_or("app").to_owned();
            if chosen.is_none()
                && let Some(label) = c.pointer(&format!("/dockerLabels/{}", behavior::LABEL))
            {
                chosen = Some(behavior::from_label(label.as_str()));
            }
            let log = (c
                .pointer("/logConfiguration/logDriver")
                .and_then(Value::as_str)
                == Some("awslogs"))
            .then(|| {
                let group = c
                    .pointer("/logConfiguration/options/awslogs-group")?
                    .as_str()?;
                let prefix = c
                    .pointer("/logConfiguration/options/awslogs-stream-prefix")
                    .and_then(Value::as_str);
                let stream = match prefix {
                    Some(p) => format!("{p}/{name}/{id}"),
                    None => format!("{name}/{id}"),
                };
                Some((group.to_owned(), stream))
            })
            .flatten();
            Container {
                image: str_of(c, "image").unwrap_or("").to_owned(),
                essential: c.get("essential").and_then(Value::as_bool).unwrap_or(true),
                last_status: LastStatus::Provisioning,
                exit_code: None,
                reason: None,
                health: super::task::Health::Unknown,
                cpu: Some(number_string(c.get("cpu")).unwrap_or_else(|| "0".into())),
                memory: number_string(c.get("memory")),
                log,
                port: c
                    .pointer("/portMappings/0/containerPort")
                    .and_then(Value::as_i64),
                name,
            }
        })
        .collect();
    let behavior = match chosen.unwrap_or_default() {
        Behavior::Flaky(p) => {
            let mut rng = StdRng::seed_from_u64(seed ^ 0x00F1_A4F1_A4F1_A4F1);
            if rng.random_range(0.0..100.0) < p {
                Behavior::Crash
            } else {
                Behavior::Healthy
            }
        }
        b => b,
    };
    let region = &svc.region;
    let az_letter = ["a", "b", "c"][usize::try_from(seed % 3).unwrap_or(0)];
    Launch {
        id: id.to_owned(),
        arn: format!("arn:aws:ecs:{region}:{ACCOUNT}:task/{cluster}/{id}"),
        cluster_arn: svc.cluster_arn.clone(),
        task_definition_arn: def_arn.to_owned(),
        started_by: dep.id.clone(),
        service: svc.name.clone(),
        behavior,
        containers,
        cpu: number_string(body.get("cpu")),
        memory: number_string(body.get("memory")),
        launch_type: dep.launch_type.clone(),
        availability_zone: format!("{region}{az_letter}"),
        seed,
        timings,
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn number_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
