//! The result of each subcommand as a [`Report`]: its `--json` object, its
//! step outputs, its job summary and its closing lines on stderr, all
//! written by [`portfolio_core::Session::publish`].

use std::collections::BTreeMap;

use portfolio_core::Report;
use serde::Serialize;

use crate::lint::Warning;
use crate::report::PlanReport;

/// The result of `lint`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LintResult {
    /// Where the policy came from.
    pub policy_source: String,
    /// Always true: an invalid policy ends in exit 2 before a result.
    pub valid: bool,
    /// Rules in the policy.
    pub rules: usize,
    /// What the lint found.
    pub warnings: Vec<Warning>,
}

impl LintResult {
    /// `rule 1 selection.tagPrefixList: ...` for each warning.
    pub fn messages(&self) -> Vec<String> {
        self.warnings
            .iter()
            .map(|w| format!("rule {} {}: {}", w.rule_priority, w.field, w.message))
            .collect()
    }
}

impl Report for LintResult {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![("warnings", self.warnings.len().to_string())]
    }

    fn summary(&self) -> Option<String> {
        let items: Vec<String> = self.lines().iter().map(|l| format!("- {l}")).collect();
        Some(format!("### ecr-lifecycle lint\n\n{}\n", items.join("\n")))
    }

    fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{}: valid, {} rules",
            self.policy_source, self.rules
        )];
        lines.extend(self.messages().into_iter().map(|m| format!("warning: {m}")));
        lines
    }
}

/// The result of `apply`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyResult {
    /// Where the policy came from.
    pub policy_source: String,
    /// `--dry-run`.
    pub dry_run: bool,
    /// Each repository, in the order worked on.
    pub repositories: Vec<RepositoryResult>,
}

/// What `apply` did to one repository.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryResult {
    /// The repository.
    pub repository: String,
    /// Its policy differs from the wanted one.
    pub changed: bool,
    /// The wanted policy was put.
    pub applied: bool,
    /// The difference, line by line (`- `, `+ `, `  `).
    pub diff: Vec<String>,
    /// It had a policy before.
    #[serde(skip)]
    pub had_policy: bool,
}

impl RepositoryResult {
    /// `portfolio-dev-backend: policy updated`, then the difference.
    pub fn lines(&self) -> Vec<String> {
        let repository = &self.repository;
        let mut lines = vec![match (self.changed, self.applied, self.had_policy) {
            (false, _, _) => format!("{repository}: unchanged"),
            (true, true, false) => format!("{repository}: policy created"),
            (true, true, true) => format!("{repository}: policy updated"),
            (true, false, _) => format!("{repository}: would change (dry run)"),
        }];
        lines.extend(self.diff.iter().map(|l| format!("  {l}")));
        lines
    }
}

impl Report for ApplyResult {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        let changed: Vec<&str> = self
            .repositories
            .iter()
            .filter(|r| r.changed)
            .map(|r| r.repository.as_str())
            .collect();
        vec![
            ("changed", (!changed.is_empty()).to_string()),
            ("changed-repositories", changed.join(",")),
        ]
    }

    fn summary(&self) -> Option<String> {
        let mut summary = format!(
            "### ecr-lifecycle apply\n\nPolicy: {}{}\n\n| repository | result |\n| --- | --- |\n",
            self.policy_source,
            if self.dry_run { " (dry run)" } else { "" }
        );
        for result in &self.repositories {
            let state = match (result.changed, result.applied) {
                (false, _) => "unchanged",
                (true, true) => "applied",
                (true, false) => "would change",
            };
            summary.push_str(&format!("| {} | {state} |\n", result.repository));
        }
        Some(summary)
    }
}

/// The result of `preview`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewResult {
    /// The plan.
    #[serde(flatten)]
    pub report: PlanReport,
    /// AWS calls made, by operation (`ecr:DescribeImages`).
    pub api_calls: BTreeMap<String, u64>,
}

impl Report for PreviewResult {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        self.report.outputs()
    }

    fn summary(&self) -> Option<String> {
        Some(self.report.markdown("ecr-lifecycle preview"))
    }

    fn lines(&self) -> Vec<String> {
        self.report.lines()
    }
}

/// The result of `enforce`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnforceResult {
    /// The plan.
    #[serde(flatten)]
    pub report: PlanReport,
    /// `--execute`.
    pub executed: bool,
    /// `--max-delete` as given.
    pub max_delete: String,
    /// Why nothing was deleted, when enforce refused (exit 4 or 6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// Digests deleted.
    pub deleted: Vec<String>,
    /// Deletions ECR refused or found already done.
    pub failures: Vec<DeleteFailure>,
    /// AWS calls made, by operation.
    pub api_calls: BTreeMap<String, u64>,
    /// The closing line on stderr.
    #[serde(skip)]
    pub closing: Option<String>,
}

/// One image ECR did not delete, as in `--json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteFailure {
    /// Digest.
    pub image_digest: String,
    /// ECR's failure code (`ImageNotFound`, ...).
    pub failure_code: String,
    /// ECR's reason.
    pub failure_reason: String,
}

impl From<crate::ecr::DeleteFailure> for DeleteFailure {
    fn from(failure: crate::ecr::DeleteFailure) -> Self {
        DeleteFailure {
            image_digest: failure.digest,
            failure_code: failure.code,
            failure_reason: failure.reason,
        }
    }
}

impl Report for EnforceResult {
    fn outputs(&self) -> Vec<(&'static str, String)> {
        let mut outputs = self.report.outputs();
        if self.refused.is_none() {
            outputs.push(("deleted-count", self.deleted.len().to_string()));
        }
        outputs
    }

    fn summary(&self) -> Option<String> {
        let title = match (&self.refused, self.executed) {
            (Some(_), _) => "ecr-lifecycle enforce (refused)",
            (None, true) => "ecr-lifecycle enforce",
            (None, false) => "ecr-lifecycle enforce (dry run)",
        };
        Some(self.report.markdown(title))
    }

    fn lines(&self) -> Vec<String> {
        self.closing.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests;
