//! The one-off task of `--run-task`: RunTask on the new revision, then (with
//! `--wait-for-task-stopped`) DescribeTasks until every task STOPPED, judged by its
//! containers' exit codes, with the last log lines of each container. A signal while
//! waiting stops the tasks (StopTask). What happened is a [`TaskRun`], shown in
//! progress, the summary and `--json`.

use std::fmt;

use aws_sdk_ecs::types::{Task, TaskOverride};
use portfolio_core::output::Progress;
use portfolio_core::{AwsError, Cancel};
use serde::Serialize;
use tokio::time::Instant;

use crate::error::Error;
use crate::pace::{self, Pace, Seen};
use crate::run_task::TaskSettings;
use crate::tasks::{self, TaskInfo};

/// How the one-off task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskOutcome {
    /// Started; not waited for.
    Started,
    /// Every container of every task exited 0.
    Succeeded,
    /// A container exited non-zero (or without an exit code).
    Failed,
    /// RunTask refused or placed no task.
    FailedToStart,
    /// `--timeout` came before STOPPED (the task is left running).
    TimedOut,
    /// A signal came while waiting; the tasks were asked to stop.
    Cancelled,
}

impl TaskOutcome {
    /// True when the services may be updated after it.
    pub fn allows_deploy(self) -> bool {
        matches!(self, TaskOutcome::Started | TaskOutcome::Succeeded)
    }
}

impl fmt::Display for TaskOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskOutcome::Started => "started (not waited for)",
            TaskOutcome::Succeeded => "exited 0",
            TaskOutcome::Failed => "failed",
            TaskOutcome::FailedToStart => "failed to start",
            TaskOutcome::TimedOut => "still running at --timeout",
            TaskOutcome::Cancelled => "stopped: cancelled",
        })
    }
}

/// What the one-off task did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRun {
    /// How it ended.
    pub outcome: TaskOutcome,
    /// The ARNs RunTask answered (output `run-task-arn`).
    pub task_arns: Vec<String>,
    /// The cluster it ran in.
    pub cluster: String,
    /// The definition it ran.
    pub task_definition_arn: String,
    /// The essential container's exit code (of the first task), once stopped.
    pub exit_code: Option<i32>,
    /// ECS's refusal, or why it failed.
    pub reason: Option<String>,
    /// The tasks as last described, with the log tails of their containers.
    pub tasks: Vec<TaskInfo>,
}

impl TaskRun {
    /// `run-task-arn`: the ARNs as a JSON array, as the peer action writes it.
    pub fn arns_json(&self) -> String {
        serde_json::Value::from(self.task_arns.clone()).to_string()
    }

    /// One line: what ran and how it ended.
    pub fn line(&self) -> String {
        let tasks = match self.task_arns.as_slice() {
            [] => "no task".to_owned(),
            [one] => format!("task {}", short(one)),
            many => format!("{} tasks", many.len()),
        };
        let mut line = format!(
            "run-task: {tasks} of {}: {}",
            self.task_definition_arn, self.outcome
        );
        if let Some(code) = self.exit_code {
            line.push_str(&format!(" (exit code {code})"));
        }
        if let Some(reason) = &self.reason {
            line.push_str(&format!(": {reason}"));
        }
        line
    }
}

/// The id at the end of a task ARN.
fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Where and what to run.
#[derive(Debug)]
pub struct OneOff<'a> {
    /// ECS.
    pub ecs: &'a aws_sdk_ecs::Client,
    /// CloudWatch Logs, for the log tails.
    pub logs: &'a aws_sdk_cloudwatchlogs::Client,
    /// Progress lines.
    pub progress: &'a Progress,
    /// Signals.
    pub cancel: &'a Cancel,
    /// The cluster.
    pub cluster: &'a str,
    /// The registered definition.
    pub task_definition: &'a str,
    /// The flags.
    pub settings: &'a TaskSettings,
    /// When to give up waiting.
    pub deadline: Instant,
    /// Log lines per container.
    pub log_lines: u32,
}

impl OneOff<'_> {
    /// Runs the task and, when asked, waits for it to stop.
    ///
    /// # Errors
    /// A failed AWS call other than RunTask's own refusal (exit 1).
    pub async fn run(&self) -> Result<TaskRun, Error> {
        let s = self.settings;
        let sent = self
            .ecs
            .run_task()
            .cluster(self.cluster)
            .task_definition(self.task_definition)
            .started_by(&s.started_by)
            .overrides(
                TaskOverride::builder()
                    .set_container_overrides(Some(s.container_overrides.clone()))
                    .build(),
            )
            .set_capacity_provider_strategy(
                (!s.capacity_provider_strategy.is_empty())
                    .then(|| s.capacity_provider_strategy.clone()),
            )
            .set_launch_type(s.launch_type.clone())
            .set_network_configuration(s.network.clone())
            .set_tags((!s.tags.is_empty()).then(|| s.tags.clone()))
            .send()
            .await;
        let mut run = TaskRun {
            outcome: TaskOutcome::Started,
            task_arns: Vec::new(),
            cluster: self.cluster.to_owned(),
            task_definition_arn: self.task_definition.to_owned(),
            exit_code: None,
            reason: None,
            tasks: Vec::new(),
        };
        let out = match sent {
            Ok(out) => out,
            Err(err) => {
                let err = AwsError::new("ecs:RunTask", &err).on(self.cluster);
                if err.code.is_none() || err.is_transient() {
                    return Err(err.into());
                }
                run.outcome = TaskOutcome::FailedToStart;
                run.reason = Some(err.message);
                self.progress.line(&run.line());
                return Ok(run);
            }
        };
        run.task_arns = out
            .tasks()
            .iter()
            .filter_map(|t| t.task_arn())
            .map(str::to_owned)
            .collect();
        run.tasks = out.tasks().iter().map(TaskInfo::from).collect();
        if let Some(failure) = out.failures().first() {
            run.outcome = TaskOutcome::FailedToStart;
            run.reason = Some(format!(
                "{} is {}",
                failure.arn().unwrap_or(self.cluster),
                failure.reason().unwrap_or("not placed")
            ));
            self.progress.line(&run.line());
            return Ok(run);
        }
        if run.task_arns.is_empty() {
            run.outcome = TaskOutcome::FailedToStart;
            run.reason = Some("RunTask started no task".into());
            self.progress.line(&run.line());
            return Ok(run);
        }
        self.progress.line(&format!(
            "run-task: started {} ({} by {})",
            run.task_arns.join(", "),
            self.task_definition,
            s.started_by
        ));
        if !s.wait {
            return Ok(run);
        }
        let waited = self.cancel.guard(self.wait(&mut run)).await;
        match waited {
            Ok(()) => {}
            Err(Error::Core(portfolio_core::Error::Interrupted(signal))) => {
                self.progress
                    .line(&format!("{signal}: stopping the run-task task"));
                self.stop(
                    &run.task_arns,
                    &format!("{signal}: ecs-rolling-deploy was cancelled"),
                )
                .await;
                run.outcome = TaskOutcome::Cancelled;
                self.progress.line(&run.line());
                return Ok(run);
            }
            Err(err) => return Err(err),
        }
        self.judge(&mut run).await;
        self.progress.line(&run.line());
        for task in &run.tasks {
            for container in &task.containers {
                for line in &container.logs {
                    self.progress.line(&format!("  {}: {line}", container.name));
                }
            }
        }
        Ok(run)
    }

    /// Polls DescribeTasks until every task STOPPED or the deadline passed.
    async fn wait(&self, run: &mut TaskRun) -> Result<(), Error> {
        let mut pace = Pace::default();
        let mut last: Vec<String> = Vec::new();
        loop {
            let seen = match self.describe(&run.task_arns).await {
                Ok(tasks) => {
                    let statuses: Vec<String> =
                        tasks.iter().map(|t| t.last_status.clone()).collect();
                    let changed = statuses != last;
                    if changed {
                        self.progress
                            .line(&format!("run-task: {}", statuses.join(", ")));
                        last = statuses;
                    }
                    let done =
                        !tasks.is_empty() && tasks.iter().all(|t| t.last_status == "STOPPED");
                    run.tasks = tasks;
                    if done {
                        return Ok(());
                    }
                    if changed { Seen::Change } else { Seen::Same }
                }
                Err(err) if is_transient(&err) => Seen::Error,
                Err(err) => return Err(err),
            };
            let delay = pace.next(seen).min(pace::IDLE);
            if Instant::now() + delay > self.deadline {
                run.outcome = TaskOutcome::TimedOut;
                run.reason =
                    Some("--timeout reached before the task stopped; it was left running".into());
                return Ok(());
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// The tasks as ECS describes them.
    async fn describe(&self, arns: &[String]) -> Result<Vec<TaskInfo>, Error> {
        let out = self
            .ecs
            .describe_tasks()
            .cluster(self.cluster)
            .set_tasks(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|err| AwsError::new("ecs:DescribeTasks", &err).on(self.cluster))?;
        Ok(out
            .tasks()
            .iter()
            .map(|t: &Task| TaskInfo::from(t))
            .collect())
    }

    /// Every container exited 0 (as the peer judges: a missing exit code fails too);
    /// the log tails are read either way.
    async fn judge(&self, run: &mut TaskRun) {
        if run.outcome == TaskOutcome::Started {
            let containers = run.tasks.iter().flat_map(|t| &t.containers);
            let failed: Vec<String> = containers
                .filter(|c| c.exit_code != Some(0))
                .map(|c| match (&c.exit_code, &c.reason) {
                    (Some(code), _) => format!("{} exited {code}", c.name),
                    (None, Some(reason)) => format!("{}: {reason}", c.name),
                    (None, None) => format!("{} has no exit code", c.name),
                })
                .collect();
            run.outcome = match failed.is_empty() {
                true => TaskOutcome::Succeeded,
                false => TaskOutcome::Failed,
            };
            if !failed.is_empty() {
                let stopped = run.tasks.first().and_then(|t| t.stopped_reason.clone());
                run.reason = Some(match stopped {
                    Some(why) => format!("{} ({why})", failed.join(", ")),
                    None => failed.join(", "),
                });
            }
        }
        run.exit_code = run
            .tasks
            .first()
            .and_then(|t| t.containers.iter().find_map(|c| c.exit_code));
        tasks::add_log_tails(
            self.ecs,
            self.logs,
            &mut run.tasks,
            self.task_definition,
            self.log_lines,
        )
        .await;
    }

    /// StopTask of every task; failures are printed, not raised.
    async fn stop(&self, arns: &[String], reason: &str) {
        for arn in arns {
            let stopped = self
                .ecs
                .stop_task()
                .cluster(self.cluster)
                .task(arn)
                .reason(reason)
                .send()
                .await;
            match stopped {
                Ok(_) => self
                    .progress
                    .line(&format!("run-task: StopTask {}", short(arn))),
                Err(err) => self.progress.line(&format!(
                    "run-task: could not stop {}: {}",
                    short(arn),
                    AwsError::new("ecs:StopTask", &err)
                )),
            }
        }
    }
}

/// True for an AWS error worth polling through (throttling, connection).
fn is_transient(err: &Error) -> bool {
    matches!(err, Error::Core(portfolio_core::Error::Aws(aws)) if aws.is_transient())
}
