//! The failure report, scoped to OUR deployment: stopped tasks grouped by
//! stop code and reason, container exit codes and reasons, failing health
//! checks, the last log lines of failed containers, the rolloutStateReason
//! and the failure events. Rendered as text (stderr), Markdown (step
//! summary) and one-line annotations.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::tasks::TaskInfo;
use crate::view::ServiceView;

/// Stopped tasks that share a stop code and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StopGroup {
    /// stopCode.
    pub stop_code: String,
    /// stoppedReason.
    pub reason: String,
    /// The task ids.
    pub tasks: Vec<String>,
}

/// Why our deployment failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The deployment.
    pub deployment_id: String,
    /// Its rolloutStateReason.
    pub rollout_reason: String,
    /// Failed tasks by stop code and reason.
    pub groups: Vec<StopGroup>,
    /// The failed tasks, with containers and logs.
    pub failed_tasks: Vec<TaskInfo>,
    /// Service events that explain the failure, oldest first.
    pub events: Vec<String>,
}

const FAILURE_WORDS: [&str; 6] = [
    "fail",
    "unable",
    "unhealthy",
    "health check",
    "rolling back",
    "error",
];

/// Builds the report from the tasks and the last snapshot.
pub fn build(ours: &str, view: Option<&ServiceView>, tasks: &[TaskInfo]) -> Report {
    let failed: Vec<TaskInfo> = tasks.iter().filter(|t| t.failed()).cloned().collect();
    let mut grouped: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for task in &failed {
        let key = (
            task.stop_code.clone().unwrap_or_else(|| "-".into()),
            task.stopped_reason
                .clone()
                .unwrap_or_else(|| format!("still {}", task.last_status)),
        );
        grouped.entry(key).or_default().push(task.id.clone());
    }
    let deployment = view.and_then(|v| v.deployment(ours));
    let since = deployment.and_then(|d| d.created_at).unwrap_or(f64::MIN);
    let events = view
        .map(|v| {
            v.events
                .iter()
                .rev()
                .filter(|e| e.created_at.unwrap_or(f64::MAX) >= since)
                .filter(|e| {
                    let text = e.message.to_lowercase();
                    FAILURE_WORDS.iter().any(|w| text.contains(w))
                })
                .map(|e| e.message.clone())
                .collect()
        })
        .unwrap_or_default();
    Report {
        deployment_id: ours.to_owned(),
        rollout_reason: deployment
            .map(|d| d.rollout_reason.clone())
            .unwrap_or_default(),
        groups: grouped
            .into_iter()
            .map(|((stop_code, reason), tasks)| StopGroup {
                stop_code,
                reason,
                tasks,
            })
            .collect(),
        failed_tasks: failed,
        events,
    }
}

fn container_line(task: &TaskInfo) -> Vec<String> {
    task.containers
        .iter()
        .filter(|c| c.failed())
        .map(|c| {
            let mut line = format!("task {} container {}:", task.id, c.name);
            if let Some(code) = c.exit_code {
                let _ = write!(line, " exit code {code}");
            }
            if let Some(reason) = &c.reason {
                let _ = write!(line, " reason: {reason}");
            }
            if c.health.as_deref() == Some("UNHEALTHY") {
                line.push_str(" health check: UNHEALTHY");
            }
            line
        })
        .collect()
}

impl Report {
    /// One line per stop group, for `::error::` annotations.
    pub fn annotations(&self, service: &str) -> Vec<String> {
        let mut lines: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                format!(
                    "{service}: {} task(s) stopped: {}: {}",
                    g.tasks.len(),
                    g.stop_code,
                    g.reason
                )
            })
            .collect();
        if lines.is_empty() && !self.rollout_reason.is_empty() {
            lines.push(format!("{service}: {}", self.rollout_reason));
        }
        lines
    }

    /// The report as plain text lines.
    pub fn text(&self, service: &str) -> String {
        let mut out = format!("{service}: why deployment {} failed\n", self.deployment_id);
        if !self.rollout_reason.is_empty() {
            let _ = writeln!(out, "  rollout: {}", self.rollout_reason);
        }
        for g in &self.groups {
            let _ = writeln!(
                out,
                "  {} task(s) stopped: {}: {} ({})",
                g.tasks.len(),
                g.stop_code,
                g.reason,
                g.tasks.join(", ")
            );
        }
        // Replicas of one broken release usually print the same lines: each
        // distinct tail is shown once, later copies point back to it.
        let mut shown: Vec<(&[String], &str)> = Vec::new();
        for task in &self.failed_tasks {
            for line in container_line(task) {
                let _ = writeln!(out, "  {line}");
            }
            for c in task.containers.iter().filter(|c| !c.logs.is_empty()) {
                if let Some((_, first)) = shown.iter().find(|(logs, _)| *logs == c.logs.as_slice())
                {
                    let _ = writeln!(
                        out,
                        "  log lines of {} in task {}: the same as in task {first}",
                        c.name, task.id
                    );
                    continue;
                }
                let _ = writeln!(
                    out,
                    "  last {} log lines of {} in task {} ({}):",
                    c.logs.len(),
                    c.name,
                    task.id,
                    c.log_stream.as_deref().unwrap_or_default()
                );
                for log in &c.logs {
                    let _ = writeln!(out, "    | {log}");
                }
                shown.push((c.logs.as_slice(), task.id.as_str()));
            }
        }
        for event in &self.events {
            let _ = writeln!(out, "  event: {event}");
        }
        out
    }

    /// The report as Markdown for the step summary.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        if !self.rollout_reason.is_empty() {
            let _ = writeln!(out, "**Rollout:** {}\n", md_escape(&self.rollout_reason));
        }
        if !self.groups.is_empty() {
            out.push_str("| stopped tasks | stop code | reason |\n| ---: | --- | --- |\n");
            for g in &self.groups {
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} |",
                    g.tasks.len(),
                    g.stop_code,
                    md_escape(&g.reason)
                );
            }
            out.push('\n');
        }
        for task in &self.failed_tasks {
            for line in container_line(task) {
                let _ = writeln!(out, "- {}", md_escape(&line));
            }
        }
        for task in &self.failed_tasks {
            for c in task.containers.iter().filter(|c| !c.logs.is_empty()) {
                let _ = writeln!(
                    out,
                    "\n<details><summary>Last {} log lines of <code>{}</code> in task <code>{}</code></summary>\n\n```text\n{}\n```\n</details>",
                    c.logs.len(),
                    c.name,
                    task.id,
                    c.logs.join("\n").replace("```", "'''")
                );
            }
        }
        if !self.events.is_empty() {
            out.push_str("\n**Events:**\n");
            for event in &self.events {
                let _ = writeln!(out, "- {}", md_escape(event));
            }
        }
        out
    }
}

/// Escapes what would break a Markdown table cell or list item.
pub fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests;
