//! The result of a run: the `--json` object, step outputs, the job summary
//! and the plan detail in the log. Everything here is built from the masked
//! [`PlanSummary`] and from non-sensitive terraform outputs only.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::comment::Upserted;
use crate::error::RunnerError;
use crate::render::{self, Heading};
use crate::reporter::Reporter;
use crate::summary::PlanSummary;

/// The `--json` result of one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// `plan`, `apply` or `destroy`.
    pub operation: &'static str,
    /// The environment.
    pub env: String,
    /// The root module, as given.
    pub dir: String,
    /// The plan file written (plan) or applied (apply with --plan-file).
    pub plan_file: Option<PathBuf>,
    /// Its sha256.
    pub plan_sha256: Option<String>,
    /// The plan's changes (masked).
    #[serde(flatten)]
    pub summary: PlanSummary,
    /// Non-sensitive terraform outputs after apply or destroy.
    pub terraform_outputs: BTreeMap<String, Value>,
    /// The pull request comment, when one was written.
    pub comment: Option<Upserted>,
}

impl RunReport {
    /// The heading of the Markdown renderings.
    pub fn heading<'a>(&'a self, log_url: Option<&'a str>) -> Heading<'a> {
        Heading {
            operation: self.operation,
            env: &self.env,
            dir: &self.dir,
            plan_sha256: self.plan_sha256.as_deref(),
            log_url,
        }
    }

    /// Prints the summary and the full detail to the log, appends the job
    /// summary and sets the step outputs.
    pub fn publish(&self, reporter: &Reporter) -> Result<(), RunnerError> {
        let actions = reporter.actions();
        let summary = &self.summary;
        if summary.has_changes {
            reporter.line(&format!(
                "{} {}: {}.",
                self.operation,
                self.env,
                summary.counts.sentence()
            ));
            let _group = actions.group("Plan details");
            for line in render::detail_lines(summary) {
                reporter.line(&line);
            }
        } else {
            reporter.line(&format!("{} {}: no changes.", self.operation, self.env));
        }
        let log_url = log_url();
        let markdown = render::markdown(
            &self.heading(log_url.as_deref()),
            summary,
            render::STEP_SUMMARY_LIMIT,
        );
        let io = |source| RunnerError::Io {
            action: "cannot write",
            path: "$GITHUB_OUTPUT or $GITHUB_STEP_SUMMARY".into(),
            source,
        };
        actions.append_summary(&markdown).map_err(io)?;
        let c = summary.counts;
        let mut outputs = vec![
            ("has-changes", summary.has_changes.to_string()),
            ("add", c.add.to_string()),
            ("change", c.change.to_string()),
            ("destroy", c.destroy.to_string()),
            ("replace", c.replace.to_string()),
            ("counts", serde_json::to_string(&c).unwrap_or_default()),
        ];
        if let (Some(file), Some(sha)) = (&self.plan_file, &self.plan_sha256) {
            outputs.push(("plan-file", file.display().to_string()));
            outputs.push(("plan-sha256", sha.clone()));
        }
        if !self.terraform_outputs.is_empty() {
            let all = serde_json::to_string(&self.terraform_outputs).unwrap_or_default();
            outputs.push((TERRAFORM_OUTPUTS, all));
        }
        for (name, value) in &outputs {
            actions.set_output(name, value).map_err(io)?;
        }
        for (name, value) in &self.terraform_outputs {
            if RESERVED_OUTPUTS.contains(&name.as_str()) {
                reporter.warning(&format!(
                    "terraform output '{name}' is not a step output of its own: the runner's \
                     '{name}' output has that name; read it from the '{TERRAFORM_OUTPUTS}' JSON output"
                ));
                continue;
            }
            actions.set_output(name, &output_text(value)).map_err(io)?;
        }
        Ok(())
    }
}

/// The step output holding every non-sensitive terraform output as one JSON object.
pub const TERRAFORM_OUTPUTS: &str = "terraform-outputs";

/// The step outputs the runner itself writes: a terraform output of the same
/// name is reachable only through [`TERRAFORM_OUTPUTS`].
pub const RESERVED_OUTPUTS: [&str; 9] = [
    "has-changes",
    "add",
    "change",
    "destroy",
    "replace",
    "counts",
    "plan-file",
    "plan-sha256",
    TERRAFORM_OUTPUTS,
];

/// A step output value: strings as they are, anything else as JSON.
pub fn output_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The workflow run's page, under GitHub Actions.
pub fn log_url() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}",
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_values_as_text() {
        assert_eq!(
            output_text(&serde_json::json!("portfolio-dev")),
            "portfolio-dev"
        );
        assert_eq!(output_text(&serde_json::json!([80, 443])), "[80,443]");
        assert_eq!(output_text(&serde_json::json!({"a": 1})), "{\"a\":1}");
    }
}
