//! The result of a run, per service and overall: the `--json` object, the
//! step outputs, the step summary (Markdown with the failure report and
//! the rollout chart), the closing lines and the annotations. It is a
//! [`portfolio_core::Report`], published by `Session::publish`.

use std::fmt::Write as _;

use serde::Serialize;

use portfolio_core::release::Release;

use crate::error::TASK_FAILED;
use crate::one_off::{TaskOutcome, TaskRun};
use crate::outcome::{Outcome, combined_exit_code};
use crate::report::{Report, md_escape};
use crate::view::Configuration;

/// How one service's deployment went.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceResult {
    /// The name given (`backend`).
    pub service: String,
    /// ECS cluster.
    pub cluster: String,
    /// The task definition deployed.
    pub task_definition_arn: String,
    /// The one the service ran before.
    pub previous_task_definition_arn: String,
    /// OUR deployment id (none when the service was not updated).
    pub deployment_id: Option<String>,
    /// The service's own deployment configuration, as UpdateService
    /// answered (none when the service was not updated).
    pub deployment_configuration: Option<Configuration>,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Its exit code.
    pub exit_code: u8,
    /// Seconds from UpdateService to the end.
    pub duration_seconds: f64,
    /// The rollback deployment, when ECS rolled back.
    pub rollback_deployment_id: Option<String>,
    /// The smoke check's result, when there was one.
    pub health_check: Option<String>,
    /// Why it failed.
    pub report: Option<Report>,
    /// The rollout chart (step summary only).
    #[serde(skip)]
    pub chart: Option<String>,
    /// The release this run deploys (commit, commit time, run), when known.
    pub release: Option<Release>,
    /// The release the service ran before (its PRIMARY deployment's), when
    /// recorded and the service was updated.
    pub replaced: Option<Release>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// The worst outcome's name.
    pub outcome: String,
    /// The exit code.
    pub exit_code: u8,
    /// Seconds from start to end.
    pub duration_seconds: f64,
    /// AWS requests sent (retries included).
    pub api_calls: u64,
    /// Per service.
    pub services: Vec<ServiceResult>,
    /// The `--run-task` task, run before the update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_task: Option<TaskRun>,
    /// The registered task definition when no service was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_definition_arn: Option<String>,
}

impl RunResult {
    /// Combines the services' results.
    pub fn new(services: Vec<ServiceResult>, duration_seconds: f64, api_calls: u64) -> Self {
        let exit_code = combined_exit_code(services.iter().map(|s| &s.outcome));
        let outcome = services
            .iter()
            .find(|s| s.exit_code == exit_code)
            .map_or("completed", |s| s.outcome.name())
            .to_owned();
        RunResult {
            outcome,
            exit_code,
            duration_seconds,
            api_calls,
            services,
            run_task: None,
            task_definition_arn: None,
        }
    }

    /// A run without services that registered `arn`.
    pub fn registered(arn: String, duration_seconds: f64, api_calls: u64) -> Self {
        RunResult {
            outcome: "registered".to_owned(),
            task_definition_arn: Some(arn),
            ..RunResult::new(Vec::new(), duration_seconds, api_calls)
        }
    }

    /// Adds the `--run-task` task; when it stopped the deploy, its outcome is the
    /// run's: `cancelled` (130) or `task-failed` (8).
    #[must_use]
    pub fn with_run_task(mut self, run: TaskRun) -> Self {
        match run.outcome {
            TaskOutcome::Cancelled => self = self.cancelled(),
            outcome if !outcome.allows_deploy() => {
                self.exit_code = TASK_FAILED;
                "task-failed".clone_into(&mut self.outcome);
            }
            _ => {}
        }
        self.run_task = Some(run);
        self
    }

    /// A run stopped by a signal before any service was updated.
    #[must_use]
    pub fn cancelled(mut self) -> Self {
        let outcome = Outcome::Cancelled { rolled_back: false };
        self.exit_code = outcome.exit_code();
        self.outcome = outcome.name().to_owned();
        self
    }

    /// The `::error::` annotations of the failed services: the failure
    /// report's lines, or the outcome when there is no report.
    pub fn annotations(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(run) = self
            .run_task
            .as_ref()
            .filter(|r| !r.outcome.allows_deploy())
        {
            out.push(run.line());
        }
        for s in self.services.iter().filter(|s| s.outcome.is_failure()) {
            let lines = s
                .report
                .as_ref()
                .map(|r| r.annotations(&s.service))
                .unwrap_or_default();
            if lines.is_empty() {
                out.push(format!("{}: {}", s.service, s.outcome));
            }
            out.extend(lines);
        }
        out
    }
}

impl portfolio_core::Report for RunResult {
    /// The step outputs: plain values for one service, `service=value`
    /// lines for several.
    fn outputs(&self) -> Vec<(&'static str, String)> {
        let value = |f: &dyn Fn(&ServiceResult) -> String| match self.services.as_slice() {
            [] => String::new(),
            [one] => f(one),
            many => many
                .iter()
                .map(|s| format!("{}={}", s.service, f(s)))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        vec![
            (
                "task-definition-arn",
                match &self.task_definition_arn {
                    Some(arn) => arn.clone(),
                    None => value(&|s| s.task_definition_arn.clone()),
                },
            ),
            (
                "deployment-id",
                value(&|s| s.deployment_id.clone().unwrap_or_default()),
            ),
            ("outcome", self.outcome.clone()),
            ("duration", format!("{:.0}", self.duration_seconds)),
        ]
        .into_iter()
        .chain(
            self.run_task
                .as_ref()
                .map(|r| ("run-task-arn", r.arns_json())),
        )
        .collect()
    }

    /// The step summary.
    fn summary(&self) -> Option<String> {
        let mut out = String::from("## ecs-rolling-deploy\n\n");
        if let Some(arn) = &self.task_definition_arn {
            let _ = writeln!(out, "Registered `{arn}` (no service named, none updated).");
            return Some(out);
        }
        out.push_str(
            "| service | outcome | deployment | task definition | service's configuration | duration |\n",
        );
        out.push_str("| --- | --- | --- | --- | --- | ---: |\n");
        for s in &self.services {
            let icon = if s.outcome.is_failure() { "❌" } else { "✅" };
            let configuration = s
                .deployment_configuration
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string);
            let _ = writeln!(
                out,
                "| {} | {icon} {} | `{}` | {} | {} | {:.0} s |",
                s.service,
                md_escape(&s.outcome.to_string()),
                s.deployment_id.as_deref().unwrap_or("-"),
                match s.task_definition_arn.as_str() {
                    "" => "-".to_owned(),
                    arn => format!("`{arn}`"),
                },
                md_escape(&configuration),
                s.duration_seconds
            );
        }
        out.push_str(&releases_markdown(&self.services));
        if let Some(run) = &self.run_task {
            out.push_str(&run_task_markdown(run));
        }
        for s in &self.services {
            if s.report.is_none() && s.chart.is_none() && s.health_check.is_none() {
                continue;
            }
            let _ = writeln!(out, "\n### {}\n", s.service);
            if let Some(health) = &s.health_check {
                let _ = writeln!(out, "**Smoke check:** {}\n", md_escape(health));
            }
            if let Some(report) = &s.report {
                out.push_str(&report.markdown());
                out.push('\n');
            }
            if let Some(chart) = &s.chart {
                out.push_str(chart);
            }
        }
        Some(out)
    }

    /// One line per service: how it ended, after how long, which deployment.
    fn lines(&self) -> Vec<String> {
        if let Some(arn) = &self.task_definition_arn {
            return vec![format!("registered {arn}")];
        }
        let task = self.run_task.as_ref().map(TaskRun::line);
        task.into_iter()
            .chain(self.services.iter().map(|s| {
                format!(
                    "{}: {} after {:.0} s ({})",
                    s.service,
                    s.outcome,
                    s.duration_seconds,
                    s.deployment_id.as_deref().unwrap_or("no deployment")
                )
            }))
            .collect()
    }
}

/// The step summary's lines about releases: what each service got and what
/// it replaced, or the newer release that superseded this run.
fn releases_markdown(services: &[ServiceResult]) -> String {
    let mut out = String::new();
    for s in services {
        let line = match (&s.outcome, &s.release, &s.replaced) {
            (Outcome::Older { newer }, ours, _) => format!(
                "superseded: the service runs {}, newer {} than this run's {}, in deployment \
                 `{}`; nothing registered or changed (`allow-older` deploys it on purpose)",
                release_markdown(&newer.release),
                newer.basis,
                ours.as_ref()
                    .map_or_else(|| "release".to_owned(), release_markdown),
                newer.deployment,
            ),
            (Outcome::Superseded { by, by_release }, _, _) => format!(
                "superseded by deployment `{by}`{}",
                by_release
                    .as_ref()
                    .map_or_else(String::new, |r| format!(" of {}", release_markdown(r)))
            ),
            (_, Some(ours), Some(replaced)) if s.deployment_id.is_some() => format!(
                "{} replaced {}",
                release_markdown(ours),
                release_markdown(replaced)
            ),
            (_, Some(ours), None) if s.deployment_id.is_some() => {
                format!("{} replaced an unrecorded release", release_markdown(ours))
            }
            _ => continue,
        };
        let _ = writeln!(out, "- **{}**: {line}", s.service);
    }
    match out.is_empty() {
        true => out,
        false => format!("\n**Releases**\n\n{out}"),
    }
}

/// `` `0123456` (committed 2026-12-03T15:17:17Z, run [42](url)) ``.
fn release_markdown(release: &Release) -> String {
    let mut parts = Vec::new();
    if let Some(at) = &release.committed_at {
        parts.push(format!("committed {at}"));
    }
    match (&release.run_id, &release.run_url) {
        (Some(id), Some(url)) => parts.push(format!("run [{}]({url})", md_escape(id))),
        (Some(id), None) => parts.push(format!("run {}", md_escape(id))),
        _ => {}
    }
    let mut out = format!("`{}`", release.short());
    if !parts.is_empty() {
        let _ = write!(out, " ({})", parts.join(", "));
    }
    out
}

/// The step summary's section of the `--run-task` task: its ARNs, outcome, exit
/// code, and the log tail of each container.
fn run_task_markdown(run: &TaskRun) -> String {
    let icon = if run.outcome.allows_deploy() {
        "✅"
    } else {
        "❌"
    };
    let mut out = String::from("\n### run-task\n\n");
    let _ = writeln!(out, "{icon} {}: {}\n", run.task_definition_arn, run.outcome);
    for arn in &run.task_arns {
        let _ = writeln!(out, "- `{arn}`");
    }
    if let Some(code) = run.exit_code {
        let _ = writeln!(out, "\n**Exit code:** {code}");
    }
    if let Some(reason) = &run.reason {
        let _ = writeln!(out, "\n**Reason:** {}", md_escape(reason));
    }
    for container in run.tasks.iter().flat_map(|t| &t.containers) {
        if container.logs.is_empty() {
            continue;
        }
        let stream = container.log_stream.as_deref().unwrap_or(&container.name);
        let _ = writeln!(out, "\nLast log lines of `{stream}`:\n\n```");
        for line in &container.logs {
            let _ = writeln!(out, "{line}");
        }
        out.push_str("```\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use portfolio_core::Report as _;

    fn result(service: &str, outcome: Outcome) -> ServiceResult {
        ServiceResult {
            service: service.into(),
            cluster: "c".into(),
            task_definition_arn: format!("arn:td/{service}:2"),
            previous_task_definition_arn: format!("arn:td/{service}:1"),
            deployment_id: Some(format!("ecs-svc/{service}")),
            deployment_configuration: None,
            exit_code: outcome.exit_code(),
            outcome,
            duration_seconds: 31.4,
            rollback_deployment_id: None,
            health_check: None,
            report: None,
            chart: None,
            release: None,
            replaced: None,
        }
    }

    #[test]
    fn one_service_gives_plain_outputs() {
        let run = RunResult::new(vec![result("api", Outcome::Completed)], 40.2, 12);
        assert_eq!(
            run.outputs(),
            [
                ("task-definition-arn", "arn:td/api:2".to_owned()),
                ("deployment-id", "ecs-svc/api".to_owned()),
                ("outcome", "completed".to_owned()),
                ("duration", "40".to_owned()),
            ]
        );
    }

    #[test]
    fn several_services_give_lines_and_the_worst_outcome() {
        let run = RunResult::new(
            vec![
                result("a", Outcome::Completed),
                result("b", Outcome::RolledBack),
            ],
            1.0,
            0,
        );
        assert_eq!(run.exit_code, 3);
        assert_eq!(run.outcome, "rolled-back");
        assert_eq!(run.outputs()[1].1, "a=ecs-svc/a\nb=ecs-svc/b");
        let md = run.summary().unwrap();
        assert!(md.contains("| a | ✅ completed |"), "{md}");
        assert!(md.contains("| b | ❌ failed: the circuit breaker"), "{md}");
        let json = serde_json::to_value(&run).unwrap();
        assert_eq!(json["services"][1]["outcome"], "rolled-back");
        assert_eq!(json["services"][1]["exit_code"], 3);
    }

    #[test]
    fn a_failed_run_task_is_the_runs_outcome_and_has_its_section() {
        use crate::one_off::{TaskOutcome, TaskRun};
        use crate::tasks::{ContainerInfo, TaskInfo};
        let service = result(
            "api",
            Outcome::NotStarted {
                reason: "not updated: the run-task task failed".into(),
            },
        );
        let arn = "arn:aws:ecs:us-east-1:1:task/c/0f1e";
        let task = TaskRun {
            outcome: TaskOutcome::Failed,
            task_arns: vec![arn.into()],
            cluster: "c".into(),
            task_definition_arn: "arn:td/api:2".into(),
            exit_code: Some(1),
            reason: Some("api exited 1 (Essential container in task exited)".into()),
            tasks: vec![TaskInfo {
                id: "0f1e".into(),
                last_status: "STOPPED".into(),
                health: None,
                created_at: None,
                started_at: None,
                stopped_at: None,
                stop_code: Some("EssentialContainerExited".into()),
                stopped_reason: Some("Essential container in task exited".into()),
                containers: vec![ContainerInfo {
                    name: "api".into(),
                    exit_code: Some(1),
                    reason: None,
                    health: None,
                    logs: vec!["Running migrate".into(), "Error: the command failed".into()],
                    log_stream: Some("/ecs/p/api / ecs/api/0f1e".into()),
                }],
            }],
        };
        let run = RunResult::new(vec![service], 3.0, 5).with_run_task(task);
        assert_eq!(run.exit_code, 8);
        assert_eq!(run.outcome, "task-failed");
        assert!(
            run.outputs()
                .contains(&("run-task-arn", format!("[\"{arn}\"]")))
        );
        insta::assert_snapshot!(run.summary().unwrap());
    }
}
