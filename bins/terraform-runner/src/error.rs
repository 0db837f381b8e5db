//! Every way a run can end badly, each with its exit code and a hint.

use std::path::PathBuf;

use portfolio_core::exit::{FAILED, INTERRUPTED, USAGE};
use portfolio_core::signal::Signal;
use portfolio_core::{ConfigError, Failure, InvalidInput};

use crate::lock::LockInfo;

/// Exit code of a plan that failed its integrity checks (checksum or staleness).
pub const PLAN_INTEGRITY: u8 = 3;
/// Exit code when someone else holds the state lock.
pub const LOCKED: u8 = 4;

/// A run of terraform-runner that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// portfolio-ci.yaml is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A flag or configured value is unusable; nothing was changed.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// Neither the configured binary nor terraform/tofu was found.
    #[error("cannot find {wanted} on PATH")]
    BinaryNotFound {
        /// What was looked for.
        wanted: String,
    },
    /// A file could not be read or written.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`cannot read`).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// terraform could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// `terraform init` failed; its output follows.
    #[error("terraform init failed:\n{output}")]
    Init {
        /// What init printed (it prints no secrets).
        output: String,
    },
    /// A terraform command failed.
    #[error("terraform {command} failed ({status}){}", format_errors(errors))]
    Terraform {
        /// The subcommand (`plan`, `apply`).
        command: String,
        /// Its exit status.
        status: String,
        /// The summaries of its error diagnostics.
        errors: Vec<String>,
    },
    /// terraform printed something that is not what it documents.
    #[error("cannot read the output of terraform {command}: {reason}")]
    Output {
        /// The subcommand.
        command: String,
        /// What was wrong.
        reason: String,
    },
    /// No checksum for the plan file: neither PATH.sha256 nor --plan-sha256.
    #[error("no checksum for plan file {}: {} does not exist and --plan-sha256 was not given", plan.display(), checksum_file.display())]
    ChecksumMissing {
        /// The plan file.
        plan: PathBuf,
        /// The checksum file looked for.
        checksum_file: PathBuf,
    },
    /// The checksum file beside the plan does not hold a sha256.
    #[error("{} does not start with a sha256 (64 hex digits): the integrity of plan file {} cannot be checked", checksum_file.display(), plan.display())]
    ChecksumUnreadable {
        /// The plan file.
        plan: PathBuf,
        /// The damaged checksum file.
        checksum_file: PathBuf,
    },
    /// The plan file is not the one that was planned.
    #[error("plan file {} has sha256 {actual}, expected {expected} (from {source_of_expected}): it was changed or replaced", plan.display())]
    ChecksumMismatch {
        /// The plan file.
        plan: PathBuf,
        /// The checksum it should have.
        expected: String,
        /// Where the expected checksum came from.
        source_of_expected: String,
        /// The checksum it has.
        actual: String,
    },
    /// The state moved on since the plan was made.
    #[error("plan file {} is stale: {reason}", plan.display())]
    StalePlan {
        /// The plan file.
        plan: PathBuf,
        /// What moved on.
        reason: String,
    },
    /// Someone else holds the state lock.
    #[error("the state is locked by someone else\n{info}")]
    Locked {
        /// The lock, as terraform reported it.
        info: Box<LockInfo>,
        /// The command that removes the lock if it is stale.
        force_unlock: String,
    },
    /// Interrupted; terraform was stopped first.
    #[error("interrupted by {signal}: terraform was stopped ({status})")]
    Interrupted {
        /// The first signal.
        signal: Signal,
        /// How terraform ended.
        status: String,
    },
    /// The pull request comment could not be written.
    #[error("cannot upsert the pull request comment: {reason}")]
    Comment {
        /// Why.
        reason: String,
    },
}

fn format_errors(errors: &[String]) -> String {
    errors.iter().map(|e| format!("\n  {e}")).collect()
}

impl RunnerError {
    /// An I/O error on `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| RunnerError::Io {
            action,
            path,
            source,
        }
    }
}

impl Failure for RunnerError {
    fn exit_code(&self) -> u8 {
        match self {
            RunnerError::Config(err) => err.exit_code(),
            RunnerError::Invalid(_) | RunnerError::BinaryNotFound { .. } => USAGE,
            RunnerError::ChecksumMissing { .. }
            | RunnerError::ChecksumUnreadable { .. }
            | RunnerError::ChecksumMismatch { .. }
            | RunnerError::StalePlan { .. } => PLAN_INTEGRITY,
            RunnerError::Locked { .. } => LOCKED,
            RunnerError::Interrupted { .. } => INTERRUPTED,
            _ => FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            RunnerError::Config(err) => err.hint(),
            RunnerError::BinaryNotFound { .. } => Some(
                "install terraform or tofu, or name it with --binary or terraform.binary".into(),
            ),
            RunnerError::ChecksumMissing { .. } => Some(
                "keep PATH.sha256 next to the plan file (terraform-runner plan writes it) or pass --plan-sha256".into(),
            ),
            RunnerError::ChecksumUnreadable { .. } | RunnerError::ChecksumMismatch { .. } => {
                Some("make a new plan with terraform-runner plan and apply that".into())
            }
            RunnerError::StalePlan { .. } => Some(
                "the state changed after the plan was made: plan again and review the new plan".into(),
            ),
            RunnerError::Locked { force_unlock, .. } => Some(format!(
                "wait for the other run to finish; if the lock is stale (its run is gone), remove it with: {force_unlock}"
            )),
            RunnerError::Comment { .. } => Some(
                "the comment needs GITHUB_TOKEN (pull-requests: write), GITHUB_REPOSITORY and the PR number (--pr or a pull_request event)".into(),
            ),
            _ => None,
        }
    }
}
