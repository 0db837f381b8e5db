//! `lint`: validate the policy as ECR does (errors exit 2) and warn about
//! its traps.

use portfolio_core::Exit;
use portfolio_core::actions::Location;
use serde::Serialize;

use super::Context;
use crate::cli::LintArgs;
use crate::error::{EXIT_LINT_WARNINGS, Error};
use crate::lint::{Warning, lint};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LintResult<'a> {
    policy_source: &'a str,
    valid: bool,
    rules: usize,
    warnings: &'a [Warning],
}

/// Runs `lint`.
pub fn run(context: &Context, args: &LintArgs) -> Result<Exit, Error> {
    let loaded = context.policy_or_default(&args.policy)?;
    let warnings = lint(&loaded.policy);
    let file = args.policy.policy.as_ref().map(|p| p.display().to_string());
    let mut lines = vec![format!(
        "{}: valid, {} rules",
        loaded.source,
        loaded.policy.rules.len()
    )];
    for warning in &warnings {
        let message = format!(
            "rule {} {}: {}",
            warning.rule_priority, warning.field, warning.message
        );
        context.actions.warning(
            &message,
            file.as_deref().map(|file| Location { file, line: None }),
        );
        lines.push(format!("warning: {message}"));
    }
    context.lines(&lines);
    context.print_json(&LintResult {
        policy_source: &loaded.source,
        valid: true,
        rules: loaded.policy.rules.len(),
        warnings: &warnings,
    })?;
    context.publish(
        &[("warnings", warnings.len().to_string())],
        &format!(
            "### ecr-lifecycle lint\n\n{}\n",
            lines
                .iter()
                .map(|l| format!("- {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    )?;
    if args.strict && !warnings.is_empty() {
        Ok(Exit(EXIT_LINT_WARNINGS))
    } else {
        Ok(Exit::OK)
    }
}
