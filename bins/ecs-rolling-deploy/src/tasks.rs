//! The tasks of OUR deployment (startedBy = our deployment id), running and
//! stopped, with their containers, and the last log lines of the failed
//! containers from CloudWatch Logs.

use aws_sdk_ecs::types::{DesiredStatus, Task};
use portfolio_core::AwsError;
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::settings::Target;
use crate::view::seconds;

/// One container of a task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerInfo {
    /// Container name.
    pub name: String,
    /// Exit code, once exited.
    pub exit_code: Option<i32>,
    /// Why it stopped (`CannotPullContainerError: ...`).
    pub reason: Option<String>,
    /// `HEALTHY`, `UNHEALTHY`, `UNKNOWN`.
    pub health: Option<String>,
    /// Last log lines (failed containers only).
    pub logs: Vec<String>,
    /// Where they came from (`group` / `stream`).
    pub log_stream: Option<String>,
}

impl ContainerInfo {
    /// True when the container failed: a non-zero exit, a stop reason, or unhealthy.
    pub fn failed(&self) -> bool {
        self.exit_code.is_some_and(|c| c != 0)
            || self.reason.is_some()
            || self.health.as_deref() == Some("UNHEALTHY")
    }
}

/// One task of our deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskInfo {
    /// Task id (the last part of its ARN).
    pub id: String,
    /// lastStatus.
    pub last_status: String,
    /// Task health.
    pub health: Option<String>,
    /// Epoch seconds.
    pub created_at: Option<f64>,
    /// When it reached RUNNING.
    pub started_at: Option<f64>,
    /// When it stopped.
    pub stopped_at: Option<f64>,
    /// `EssentialContainerExited`, `TaskFailedToStart`, ...
    pub stop_code: Option<String>,
    /// stoppedReason.
    pub stopped_reason: Option<String>,
    /// Containers.
    pub containers: Vec<ContainerInfo>,
}

impl TaskInfo {
    /// True when the task failed (not drained by a later deployment).
    pub fn failed(&self) -> bool {
        self.stop_code
            .as_deref()
            .is_some_and(|c| c != "ServiceSchedulerInitiated" && c != "UserInitiated")
            || self.containers.iter().any(ContainerInfo::failed)
    }
}

impl From<&Task> for TaskInfo {
    fn from(t: &Task) -> Self {
        let id = t
            .task_arn()
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or_default()
            .to_owned();
        TaskInfo {
            id,
            last_status: t.last_status().unwrap_or_default().to_owned(),
            health: t.health_status().map(|h| h.as_str().to_owned()),
            created_at: seconds(t.created_at()),
            started_at: seconds(t.started_at()),
            stopped_at: seconds(t.stopped_at()),
            stop_code: t.stop_code().map(|c| c.as_str().to_owned()),
            stopped_reason: t.stopped_reason().map(str::to_owned),
            containers: t
                .containers()
                .iter()
                .map(|c| ContainerInfo {
                    name: c.name().unwrap_or_default().to_owned(),
                    exit_code: c.exit_code(),
                    reason: c.reason().map(str::to_owned),
                    health: c.health_status().map(|h| h.as_str().to_owned()),
                    logs: Vec::new(),
                    log_stream: None,
                })
                .collect(),
        }
    }
}

/// How many failed tasks get their logs read (bounds the API calls).
const TASKS_WITH_LOGS: usize = 3;

/// The tasks of deployment `ours`, oldest first; failed containers of the
/// first few failed tasks get their last `log_lines` lines.
pub async fn collect(
    ecs: &aws_sdk_ecs::Client,
    logs: &aws_sdk_cloudwatchlogs::Client,
    target: &Target,
    ours: &str,
    task_definition: &str,
    log_lines: u32,
) -> Result<Vec<TaskInfo>, Error> {
    let mut arns = Vec::new();
    for status in [DesiredStatus::Stopped, DesiredStatus::Running] {
        // ECS answers at most 100 per page; a breaker threshold can be 200.
        let listed: Vec<String> = ecs
            .list_tasks()
            .cluster(&target.cluster)
            .started_by(ours)
            .desired_status(status)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|err| AwsError::new("ecs:ListTasks", &err).on(target.label()))?;
        arns.extend(listed);
    }
    let mut tasks = Vec::new();
    for chunk in arns.chunks(100) {
        let described = ecs
            .describe_tasks()
            .cluster(&target.cluster)
            .set_tasks(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|err| AwsError::new("ecs:DescribeTasks", &err).on(target.label()))?;
        tasks.extend(described.tasks().iter().map(TaskInfo::from));
    }
    tasks.sort_by(|a, b| {
        a.created_at
            .unwrap_or(0.0)
            .total_cmp(&b.created_at.unwrap_or(0.0))
    });
    if log_lines > 0 && tasks.iter().any(TaskInfo::failed) {
        read_logs(ecs, logs, &mut tasks, task_definition, log_lines, true).await;
    }
    Ok(tasks)
}

/// awslogs group and stream prefix of each container of the definition.
fn log_settings(definition: &Value) -> Vec<(String, String, String)> {
    let containers = definition
        .pointer("/taskDefinition/containerDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    containers
        .filter_map(|c| {
            let name = c.get("name")?.as_str()?;
            let log = c.get("logConfiguration")?;
            if log.get("logDriver")?.as_str()? != "awslogs" {
                return None;
            }
            let options = log.get("options")?;
            let group = options.get("awslogs-group")?.as_str()?;
            let prefix = options.get("awslogs-stream-prefix")?.as_str()?;
            Some((name.to_owned(), group.to_owned(), prefix.to_owned()))
        })
        .collect()
}

/// The last `lines` log lines of every container of the first few `tasks` (a
/// one-off task's log tail).
pub async fn add_log_tails(
    ecs: &aws_sdk_ecs::Client,
    logs: &aws_sdk_cloudwatchlogs::Client,
    tasks: &mut [TaskInfo],
    task_definition: &str,
    lines: u32,
) {
    if lines > 0 {
        read_logs(ecs, logs, tasks, task_definition, lines, false).await;
    }
}

/// The last `lines` log lines of the containers of the first few tasks: only the
/// failed ones of the failed tasks when `only_failed`.
async fn read_logs(
    ecs: &aws_sdk_ecs::Client,
    logs: &aws_sdk_cloudwatchlogs::Client,
    tasks: &mut [TaskInfo],
    task_definition: &str,
    lines: u32,
    only_failed: bool,
) {
    let settings =
        match portfolio_taskdef::live::describe_task_definition(ecs, task_definition).await {
            Ok(definition) => log_settings(&definition),
            Err(err) => {
                tracing::warn!("cannot read the log configuration of {task_definition}: {err}");
                return;
            }
        };
    for task in tasks
        .iter_mut()
        .filter(|t| !only_failed || t.failed())
        .take(TASKS_WITH_LOGS)
    {
        let id = task.id.clone();
        for container in task
            .containers
            .iter_mut()
            .filter(|c| !only_failed || c.failed())
        {
            let Some((_, group, prefix)) = settings.iter().find(|(n, ..)| *n == container.name)
            else {
                continue;
            };
            let stream = format!("{prefix}/{}/{id}", container.name);
            match logs
                .get_log_events()
                .log_group_name(group)
                .log_stream_name(&stream)
                .start_from_head(false)
                .limit(i32::try_from(lines).unwrap_or(i32::MAX))
                .send()
                .await
            {
                Ok(events) => {
                    container.logs = events
                        .events()
                        .iter()
                        .filter_map(|e| e.message().map(|m| m.trim_end().to_owned()))
                        .collect();
                    container.log_stream = Some(format!("{group} / {stream}"));
                }
                Err(err) => tracing::warn!("cannot read log stream {group} / {stream}: {err}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn log_settings_of_awslogs_containers_only() {
        let definition = json!({"taskDefinition": {"containerDefinitions": [
            {"name": "app", "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/ecs/p-dev/app", "awslogs-stream-prefix": "ecs"}}},
            {"name": "side", "logConfiguration": {"logDriver": "json-file"}},
            {"name": "bare"}
        ]}});
        assert_eq!(
            log_settings(&definition),
            [(
                "app".to_owned(),
                "/ecs/p-dev/app".to_owned(),
                "ecs".to_owned()
            )]
        );
    }

    #[test]
    fn drained_tasks_are_not_failures() {
        let mut task = TaskInfo {
            id: "t".into(),
            last_status: "STOPPED".into(),
            health: None,
            created_at: None,
            started_at: None,
            stopped_at: None,
            stop_code: Some("ServiceSchedulerInitiated".into()),
            stopped_reason: Some("Scaling activity".into()),
            containers: vec![ContainerInfo {
                name: "app".into(),
                exit_code: Some(0),
                reason: None,
                health: Some("HEALTHY".into()),
                logs: vec![],
                log_stream: None,
            }],
        };
        assert!(!task.failed());
        task.stop_code = Some("EssentialContainerExited".into());
        assert!(task.failed());
    }
}
