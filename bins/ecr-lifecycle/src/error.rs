//! Every way a run of ecr-lifecycle can end other than success, with its
//! exit code; [`EXIT_CODES`] is the one table the code returns and every
//! `--help` prints.

use portfolio_core::Failure;
use portfolio_core::exit::{Code, FAILED, FileLocation, INTERRUPTED, SUCCESS, USAGE};

/// Exit code: `lint --strict` found warnings.
pub const EXIT_LINT_WARNINGS: u8 = 3;
/// Exit code: `enforce` refused because it would delete more than `--max-delete`.
pub const EXIT_TOO_MANY: u8 = 4;
/// Exit code: `enforce` deleted some images but ECR refused others.
pub const EXIT_PARTIAL: u8 = 5;
/// Exit code: `enforce --execute` refused because a cluster whose usage
/// protects images could not be read.
pub const EXIT_UNPROTECTED: u8 = 6;

/// Every exit code of ecr-lifecycle and what it means.
pub const EXIT_CODES: &[Code] = &[
    Code::new(SUCCESS, "success"),
    Code::new(FAILED, "an AWS call or the output failed"),
    Code::new(
        USAGE,
        "invalid policy, snapshot, flag or portfolio-ci.yaml (names file and field); nothing changed",
    ),
    Code::new(EXIT_LINT_WARNINGS, "lint --strict found warnings"),
    Code::new(
        EXIT_TOO_MANY,
        "enforce refused: the policy would delete more than --max-delete",
    ),
    Code::new(EXIT_PARTIAL, "enforce: ECR refused some deletions"),
    Code::new(
        EXIT_UNPROTECTED,
        "enforce --execute refused: a cluster whose usage protects images could not be read",
    ),
    Code::new(
        INTERRUPTED,
        "interrupted by SIGINT or SIGTERM (enforce finishes the batch of deletions under way)",
    ),
];

/// The rows of [`EXIT_CODES`] whose code is in `codes`, in table order:
/// the exit codes one subcommand can end with.
pub fn exit_codes(codes: &[u8]) -> Vec<Code> {
    EXIT_CODES
        .iter()
        .filter(|row| codes.contains(&row.code))
        .copied()
        .collect()
}

/// An error of ecr-lifecycle.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure every tool shares: portfolio-ci.yaml, a policy, snapshot or
    /// flag (exit 2), AWS (exit 1), I/O, interruption (exit 130).
    #[error(transparent)]
    Core(#[from] portfolio_core::Error),
    /// `enforce` would delete more than allowed (exit 4); nothing was deleted.
    #[error(
        "refusing to delete {count} of {total} images in {repository}: more than --max-delete {limit} allows ({allowed})"
    )]
    TooMany {
        /// The repository.
        repository: String,
        /// Images the policy would delete.
        count: usize,
        /// Images in the repository.
        total: usize,
        /// The limit as given.
        limit: String,
        /// The limit in images.
        allowed: usize,
    },
    /// A cluster that protects images could not be read (exit 6); nothing
    /// was deleted.
    #[error(
        "refusing to delete from {repository}: cluster {} could not be read, so the images it uses are not protected",
        clusters.join(", ")
    )]
    Unprotected {
        /// The repository.
        repository: String,
        /// The clusters not found.
        clusters: Vec<String>,
    },
    /// ECR refused some deletions (exit 5).
    #[error("{failed} of {requested} deletions in {repository} failed: {first}")]
    Partial {
        /// The repository.
        repository: String,
        /// Deletions that failed.
        failed: usize,
        /// Deletions requested.
        requested: usize,
        /// The first failure.
        first: String,
    },
}

portfolio_core::wraps_core_errors!(Error);

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Core(err) => err.exit_code(),
            Error::TooMany { .. } => EXIT_TOO_MANY,
            Error::Partial { .. } => EXIT_PARTIAL,
            Error::Unprotected { .. } => EXIT_UNPROTECTED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Core(portfolio_core::Error::Aws(err)) => err.hint().or_else(|| {
                Some("check credentials, region and AWS_ENDPOINT_URL; -v shows the calls".into())
            }),
            Error::Core(err) => err.hint(),
            Error::TooMany { .. } => Some(
                "check the preview (`ecr-lifecycle preview`); raise --max-delete if this is intended"
                    .into(),
            ),
            Error::Unprotected { .. } => Some(
                "check the cluster names (--cluster, or each environment's cluster in portfolio-ci.yaml) and regions; `enforce` without --execute shows the plan"
                    .into(),
            ),
            Error::Partial { .. } => None,
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            Error::Core(err) => err.location(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_the_code_returns_is_in_the_table() {
        for code in [
            SUCCESS,
            FAILED,
            USAGE,
            EXIT_LINT_WARNINGS,
            EXIT_TOO_MANY,
            EXIT_PARTIAL,
            EXIT_UNPROTECTED,
            INTERRUPTED,
        ] {
            assert!(EXIT_CODES.iter().any(|row| row.code == code), "{code}");
        }
        assert_eq!(exit_codes(&[SUCCESS, EXIT_TOO_MANY]).len(), 2);
    }
}
