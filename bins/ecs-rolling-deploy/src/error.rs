//! The one error type of ecs-rolling-deploy and its exit codes.
//!
//! Errors end a run before or outside the following of a deployment: bad
//! input (exit 2, nothing changed), a failed AWS or GitHub call (exit 1).
//! How a followed deployment ended is an [`crate::outcome::Outcome`], not
//! an error.

use portfolio_core::exit::{FAILED, USAGE};
use portfolio_core::{AwsError, ConfigError, Failure, InvalidInput};

/// Why a run could not deploy.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// portfolio-ci.yaml is invalid or lacks what was asked for.
    #[error(transparent)]
    Config(#[from] ConfigError),

    /// A flag or value is not acceptable.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),

    /// The task definition could not be read, rendered or validated.
    #[error(transparent)]
    Taskdef(#[from] portfolio_taskdef::Error),

    /// The cluster or a service does not exist (nothing was changed).
    #[error("{0}")]
    NotFound(String),

    /// ECS refused the task definition or the service update.
    #[error("{operation} rejected {what}: {message}")]
    Rejected {
        /// The operation in IAM form (`ecs:RegisterTaskDefinition`).
        operation: &'static str,
        /// What was rejected (a file, a service).
        what: String,
        /// ECS's message.
        message: String,
    },

    /// An AWS call failed (no credentials among them).
    #[error(transparent)]
    Aws(#[from] AwsError),

    /// A GitHub API call failed.
    #[error("GitHub deployment: {0}")]
    GitHub(String),

    /// Writing an output, the step summary or the JSON result failed.
    #[error("cannot write {what}: {source}")]
    Write {
        /// What was written.
        what: &'static str,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl Failure for DeployError {
    fn exit_code(&self) -> u8 {
        match self {
            DeployError::Config(err) => err.exit_code(),
            DeployError::Taskdef(err) => err.exit_code(),
            DeployError::Invalid(_) | DeployError::NotFound(_) | DeployError::Rejected { .. } => {
                USAGE
            }
            DeployError::Aws(_) | DeployError::GitHub(_) | DeployError::Write { .. } => FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            DeployError::Config(err) => err.hint(),
            DeployError::Taskdef(err) => err.hint(),
            DeployError::NotFound(_) => Some(
                "check --cluster/--service (or the names in portfolio-ci.yaml) and --region; \
                 create the service first (terraform-runner)"
                    .into(),
            ),
            DeployError::Rejected { operation, .. } if operation.ends_with("TaskDefinition") => {
                Some(
                    "fix the task definition (render-taskdef validates it) and run again; \
                     no service was updated"
                        .into(),
                )
            }
            DeployError::Rejected { .. } => Some(
                "fix what ECS names (the service, its task definition or the deployment \
                 flags) and run again"
                    .into(),
            ),
            DeployError::Aws(err) => err.hint(),
            DeployError::GitHub(_) => Some(
                "--github-deployment needs GITHUB_TOKEN (with deployments: write), \
                 GITHUB_REPOSITORY and GITHUB_SHA"
                    .into(),
            ),
            _ => None,
        }
    }
}
