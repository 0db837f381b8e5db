//! `lint`: the policy was validated as ECR does while resolving the
//! settings (errors exit 2); here its traps become warnings.

use portfolio_core::actions::Location;
use portfolio_core::{Exit, Session};

use crate::error::{EXIT_LINT_WARNINGS, Error};
use crate::lint::lint;
use crate::result::LintResult;
use crate::settings::Lint;

/// Runs `lint`.
pub fn run(session: &Session, settings: Lint) -> Result<Exit, Error> {
    let Lint { policy, strict } = settings;
    let result = LintResult {
        warnings: lint(&policy.policy),
        policy_source: policy.source,
        valid: true,
        rules: policy.policy.rules.len(),
    };
    let file = policy.file.as_ref().map(|p| p.display().to_string());
    for message in result.messages() {
        session.actions.warning(
            &message,
            file.as_deref().map(|file| Location { file, line: None }),
        );
    }
    session.publish(&result)?;
    if strict && !result.warnings.is_empty() {
        Ok(Exit(EXIT_LINT_WARNINGS))
    } else {
        Ok(Exit::OK)
    }
}
