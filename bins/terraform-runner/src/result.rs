//! The result of a run, published through [`Session::publish`]: the
//! `--json` object, the step outputs, the job summary and the closing lines;
//! and the plan detail in the log. Everything here is built from the masked
//! [`PlanSummary`] and from non-sensitive terraform outputs only.

use std::collections::BTreeMap;
use std::path::PathBuf;

use portfolio_core::{Report, Session};
use serde::Serialize;
use serde_json::Value;

use crate::comment::Upserted;
use crate::render::{self, Heading};
use crate::summary::PlanSummary;

/// The result of one run (the `--json` object).
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
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
    /// The pull request it was written on.
    #[serde(skip)]
    pub pull_request: Option<u64>,
    /// Where the full log is (the workflow run), when known.
    #[serde(skip)]
    pub log_url: Option<String>,
}

impl RunResult {
    /// The heading of the Markdown renderings.
    pub fn heading(&self) -> Heading<'_> {
        Heading {
            operation: self.operation,
            env: &self.env,
            dir: &self.dir,
            plan_sha256: self.plan_sha256.as_deref(),
            log_url: self.log_url.as_deref(),
        }
    }

    /// Each root output of terraform as a step output of its own (after
    /// [`Session::publish`], which writes the runner's: [`Report::outputs`]
    /// names are fixed). A name the runner uses stays reachable through
    /// [`TERRAFORM_OUTPUTS`] only.
    pub fn write_terraform_outputs(&self, session: &Session) -> Result<(), portfolio_core::Error> {
        for (name, value) in &self.terraform_outputs {
            if !RESERVED_OUTPUTS.contains(&name.as_str()) {
                session
                    .actions
                    .set_output(name, &output_text(value))
                    .map_err(portfolio_core::Error::io("cannot write the step outputs"))?;
            }
        }
        Ok(())
    }

    /// The full detail of the changes in the log (in a group under
    /// Actions), and a warning for each terraform output that cannot be a
    /// step output of its own.
    pub fn show_detail(&self, session: &Session) {
        if self.summary.has_changes {
            let _group = session.actions.group("Plan details");
            for line in render::detail_lines(&self.summary) {
                session.progress.line(&line);
            }
        }
        for name in self.terraform_outputs.keys() {
            if RESERVED_OUTPUTS.contains(&name.as_str()) {
                session.warn(&format!(
                    "terraform output '{name}' is not a step output of its own: the runner's \
                     '{name}' output has that name; read it from the '{TERRAFORM_OUTPUTS}' JSON output"
                ));
            }
        }
    }
}

impl Report for RunResult {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        let summary = &self.summary;
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
        outputs
    }

    fn summary(&self) -> Option<String> {
        Some(render::markdown(
            &self.heading(),
            &self.summary,
            render::STEP_SUMMARY_LIMIT,
        ))
    }

    fn lines(&self) -> Vec<String> {
        let mut lines = vec![if self.summary.has_changes {
            format!(
                "{} {}: {}.",
                self.operation,
                self.env,
                self.summary.counts.sentence()
            )
        } else {
            format!("{} {}: no changes.", self.operation, self.env)
        }];
        if let Some(comment) = &self.comment {
            lines.push(format!(
                "pull request #{} comment {} ({})",
                self.pull_request.unwrap_or_default(),
                comment.action,
                comment.url.as_deref().unwrap_or("no URL")
            ));
        }
        lines
    }
}

/// The step output holding every non-sensitive terraform output as one JSON object.
pub const TERRAFORM_OUTPUTS: &str = "terraform-outputs";

/// The step outputs the runner itself writes: a terraform output of the same
/// name is reachable only through [`TERRAFORM_OUTPUTS`].
pub const RESERVED_OUTPUTS: [&str; 10] = [
    "has-changes",
    "terraform-version",
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
