//! The service scheduler: launches tasks of the PRIMARY deployment within
//! `maximumPercent`, drains older tasks while `minimumHealthyPercent` allows, counts
//! failures for the circuit breaker, rolls back, and declares deployments COMPLETED and
//! the service steady.

use std::collections::BTreeMap;

use rand::rngs::StdRng;

use super::deployment::{RecordStatus, RollbackInfo, Rollout, Status, failure_threshold};
use super::image::ImageDigests;
use super::service::{Origin, Service, ServiceStatus};
use super::task::{LastStatus, Outcome, Task};
use super::taskdef::TaskDefs;
use super::{deployment_id, launch, texts};
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
    /// What image references resolve to at launch.
    pub image_digests: &'a ImageDigests,
    /// Log events.
    pub logs: &'a mut LogStore,
    /// The data plane tasks are handed to, if any.
    pub plane: Option<super::PlaneMode>,
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
    for task in tasks.values().filter(|t| t.deployment() == Some(id)) {
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
            if dep.failed_tasks != 0 && dep.config.resets_on_healthy() {
                dep.failed_tasks = 0;
                dep.updated_at = t;
            }
        }
        Outcome::Failed { health_check } => {
            // The breaker's count: a FAILED deployment (tripped or stopped) stops counting.
            if dep.rollout != Rollout::Failed {
                dep.failed_tasks += 1;
                dep.updated_at = t;
            }
            let watched = dep.status == Status::Primary && dep.rollout == Rollout::InProgress;
            let failed = dep.failed_tasks;
            let report_unable = watched && failed >= 2 && !dep.unable_reported;
            if report_unable {
                dep.unable_reported = true;
            }
            let trip = watched && dep.config.breaker_enable && failed >= failure_threshold(desired);
            let id = dep.id.clone();
            if let Some(failure) = health_check {
                svc.event(t, ctx.rng, &failure.event(task_id));
                svc.event(
                    t,
                    ctx.rng,
                    &texts::stopped_running_tasks(&[task_id.to_owned()]),
                );
            }
            if report_unable {
                svc.event(t, ctx.rng, texts::UNABLE_TO_START);
            }
            if let Some(rec) = svc.record_for_mut(&id) {
                rec.updated_at = t;
            }
            if trip {
                fail_deployment(svc, &id, t, ctx, Trigger::Breaker);
            }
        }
    }
}

/// Mark deployment `id` FAILED and, when asked to (or configured), roll back to the last
/// COMPLETED deployment's task definition with a new PRIMARY deployment. Returns the id of
/// the rollback deployment, if one started.
pub fn fail_deployment(
    svc: &mut Service,
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
        Trigger::Breaker => texts::ROLLOUT_BREAKER_FAILED.into(),
        Trigger::StopRollback => texts::ROLLOUT_STOPPED.into(),
    };
    dep.updated_at = t;
    if trigger == Trigger::Breaker {
        svc.event(t, ctx.rng, &texts::deployment_failed(id));
    }
    if let Some(rec) = svc.record_for_mut(id) {
        rec.breaker_triggered |= trigger == Trigger::Breaker;
        rec.updated_at = t;
    }
    match target {
        Some((cid, ctd)) if wants_rollback && !is_rollback => {
            let new_id = deployment_id(ctx.rng);
            let reason = match trigger {
                Trigger::Breaker => texts::rollout_breaker_rollback(&cid),
                Trigger::StopRollback => texts::rollout_requested_rollback(&cid),
            };
            svc.start_deployment(
                t,
                new_id.clone(),
                ctd,
                Origin::Rollback {
                    of: id.to_owned(),
                    reason: reason.clone(),
                },
            );
            if let Some(rec) = svc.record_for_mut(id) {
                rec.status = match trigger {
                    Trigger::Breaker => RecordStatus::RollbackInProgress,
                    Trigger::StopRollback => RecordStatus::RollbackRequested,
                };
                rec.status_reason = Some(reason.clone());
                rec.requested_at = Some(t);
                rec.rollback = Some(RollbackInfo {
                    reason,
                    started_at: t,
                    deployment_id: new_id.clone(),
                });
            }
            svc.event(t, ctx.rng, &texts::rolling_back(&cid));
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
                rec.status_reason = Some(
                    if status == RecordStatus::RollbackFailed {
                        texts::RECORD_ROLLBACK_FAILED
                    } else {
                        texts::RECORD_BREAKER_STOPPED
                    }
                    .into(),
                );
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
        let started = launch::launch(svc, tasks, &pid, cluster, n, t, ctx);
        if !started.is_empty() {
            svc.event(t, ctx.rng, &texts::started_tasks(&started));
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
        svc.event(t, ctx.rng, &texts::stopped_running_tasks(&stopped));
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
                RecordStatus::RollbackRequested if acted_on(rec.requested_at, t) => {
                    rec.status = RecordStatus::RollbackInProgress;
                    rec.updated_at = t;
                }
                RecordStatus::StopRequested if acted_on(rec.requested_at, t) => {
                    rec.status = RecordStatus::Stopped;
                    rec.status_reason = Some(texts::RECORD_STOPPED.into());
                    rec.stopped_at = Some(t);
                    rec.finished_at = Some(t);
                    rec.updated_at = t;
                }
                _ => {}
            }
        }
    }
}

/// Simulated seconds ECS takes to act on a stop request (STOP_REQUESTED,
/// ROLLBACK_REQUESTED) before the service deployment moves on.
pub const REQUEST_DELAY: f64 = 1.0;

/// Whether a request made at `at` has been acted on by `t`.
fn acted_on(at: Option<f64>, t: f64) -> bool {
    at.is_none_or(|at| t >= at + REQUEST_DELAY)
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
        .filter(|k| ids.iter().any(|i| k.deployment() == Some(i)))
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
    let reason = texts::scaling_activity(pid);

    // Older deployments' tasks: not-yet-healthy first, then oldest first.
    let mut old: Vec<(bool, f64, String)> = tasks
        .values()
        .filter(|k| {
            k.is_live()
                && k.deployment() != Some(pid)
                && ids.iter().any(|i| k.deployment() == Some(i))
        })
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
            .filter(|k| k.is_live() && k.deployment() == Some(pid))
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
        p.rollout_reason = texts::rollout_completed(pid);
        p.updated_at = t;
        let (td, rollback_of) = (p.task_definition.clone(), p.rollback_of.clone());
        if rollback_of.is_none()
            && let Some(rec) = p.record.as_mut()
        {
            rec.status = RecordStatus::Successful;
            rec.status_reason = Some(texts::RECORD_SUCCESSFUL.into());
            rec.finished_at = Some(t);
            rec.updated_at = t;
        }
        if let Some(owner) = rollback_of
            && let Some(rec) = svc.deployment_mut(&owner).and_then(|d| d.record.as_mut())
        {
            rec.status = RecordStatus::RollbackSuccessful;
            rec.status_reason = Some(texts::RECORD_ROLLED_BACK.into());
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
        svc.event(t, ctx.rng, &texts::deployment_completed(pid));
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
        svc.event(t, ctx.rng, texts::STEADY_STATE);
    }
}
