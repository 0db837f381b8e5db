//! Every way a run of ecr-lifecycle can fail, with its exit code.

use portfolio_core::exit::{INTERRUPTED, USAGE};
use portfolio_core::signal::Signal;
use portfolio_core::{AwsError, ConfigError, Failure, InvalidInput};

/// Exit code: `lint --strict` found warnings.
pub const EXIT_LINT_WARNINGS: u8 = 3;
/// Exit code: `enforce` refused because it would delete more than `--max-delete`.
pub const EXIT_TOO_MANY: u8 = 4;
/// Exit code: `enforce` deleted some images but ECR refused others.
pub const EXIT_PARTIAL: u8 = 5;
/// Exit code: `enforce --execute` refused because a cluster whose usage
/// protects images could not be read.
pub const EXIT_UNPROTECTED: u8 = 6;

/// An error of ecr-lifecycle.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A policy, snapshot or flag is invalid (exit 2).
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// portfolio-ci.yaml is invalid (exit 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
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
    /// Writing the result failed.
    #[error("cannot write the result: {0}")]
    Output(#[from] std::io::Error),
    /// SIGINT or SIGTERM arrived (exit 130).
    #[error("interrupted by {0}")]
    Interrupted(Signal),
}

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) | Error::Config(_) => USAGE,
            Error::TooMany { .. } => EXIT_TOO_MANY,
            Error::Partial { .. } => EXIT_PARTIAL,
            Error::Unprotected { .. } => EXIT_UNPROTECTED,
            Error::Interrupted(_) => INTERRUPTED,
            Error::Aws(_) | Error::Output(_) => portfolio_core::exit::FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Config(err) => err.hint(),
            Error::TooMany { .. } => Some(
                "check the preview (`ecr-lifecycle preview`); raise --max-delete if this is intended"
                    .into(),
            ),
            Error::Unprotected { .. } => Some(
                "check the cluster names (--cluster, or each environment's cluster in portfolio-ci.yaml) and regions; `enforce` without --execute shows the plan"
                    .into(),
            ),
            Error::Aws(err) => err.hint().or_else(|| {
                Some("check credentials, region and AWS_ENDPOINT_URL; -v shows the calls".into())
            }),
            _ => None,
        }
    }
}
