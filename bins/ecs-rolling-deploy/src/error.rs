//! The one error type of ecs-rolling-deploy and its exit codes.
//!
//! Errors end a run before or outside the following of a deployment: bad
//! input (exit 2, nothing changed), a failed AWS or GitHub call (exit 1).
//! How a followed deployment ended is an [`crate::outcome::Outcome`], not
//! an error; its exit codes (3 to 7) are listed here too, in [`EXIT_CODES`],
//! which `--help` prints.

use portfolio_core::exit::{Code, FAILED, INTERRUPTED, SUCCESS, USAGE};
use portfolio_core::{Failure, FileLocation};

/// The circuit breaker failed the deployment and ECS rolls back.
pub const ROLLED_BACK: u8 = 3;
/// The deployment FAILED and nothing rolls it back.
pub const NOT_ROLLED_BACK: u8 = 4;
/// `--timeout` was reached.
pub const TIMED_OUT: u8 = 5;
/// Another deployment replaced ours, or the service runs a release from a
/// newer commit (nothing changed).
pub const SUPERSEDED: u8 = 6;
/// The smoke check never passed.
pub const UNHEALTHY: u8 = 7;
/// The `--run-task` task did not succeed; no service was updated.
pub const TASK_FAILED: u8 = 8;

/// Every exit code of ecs-rolling-deploy, for the code and for `--help`.
pub const EXIT_CODES: &[Code] = &[
    Code::new(
        SUCCESS,
        "the deployment COMPLETED (and the smoke check passed)",
    ),
    Code::new(
        FAILED,
        "failed (an AWS or GitHub call, credentials); also when a service's update failed after \
         another service had started deploying (listed as not-started, the others followed)",
    ),
    Code::new(
        USAGE,
        "invalid input: flag, config or task definition (names file and field); nothing changed",
    ),
    Code::new(
        ROLLED_BACK,
        "the circuit breaker failed the deployment and ECS rolls back to the previous version",
    ),
    Code::new(
        NOT_ROLLED_BACK,
        "the deployment FAILED and nothing rolls it back (rollback off, or no COMPLETED \
         deployment to return to)",
    ),
    Code::new(
        TIMED_OUT,
        "--timeout reached (rolled back first with --rollback-on-timeout)",
    ),
    Code::new(
        SUPERSEDED,
        "superseded: another deployment, not started by this run, replaced ours (named); or the \
         service runs or deploys a release from a newer commit (named with its run), so nothing \
         was registered or changed (--allow-older deploys anyway)",
    ),
    Code::new(
        UNHEALTHY,
        "the smoke check (--health-url) never answered 2xx within --health-timeout",
    ),
    Code::new(
        TASK_FAILED,
        "--run-task: the one-off task failed to start, or (with --wait-for-task-stopped) exited \
         non-zero or was still running at --timeout; no service was updated",
    ),
    Code::new(
        INTERRUPTED,
        "interrupted (SIGINT/SIGTERM), at any point; deployments already started are rolled \
         back first with --rollback-on-cancel",
    ),
];

/// Why a run could not deploy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure every tool shares (configuration, input, AWS, GitHub, I/O,
    /// signal).
    #[error(transparent)]
    Core(#[from] portfolio_core::Error),

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
}

portfolio_core::wraps_core_errors!(Error);

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Core(err) => err.exit_code(),
            Error::Taskdef(err) => err.exit_code(),
            Error::NotFound(_) | Error::Rejected { .. } => USAGE,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Core(err) => err.hint(),
            Error::Taskdef(err) => err.hint(),
            Error::NotFound(_) => Some(
                "check --cluster/--service (or the names in portfolio-ci.yaml) and --region; \
                 create the service first (terraform-runner)"
                    .into(),
            ),
            Error::Rejected { operation, .. } if operation.ends_with("TaskDefinition") => Some(
                "fix the task definition (render-taskdef validates it) and run again; \
                 no service was updated"
                    .into(),
            ),
            Error::Rejected { .. } => Some(
                "fix what ECS names (the service, its task definition or the deployment \
                 flags) and run again"
                    .into(),
            ),
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            Error::Core(err) => err.location(),
            Error::Taskdef(err) => err.location(),
            Error::NotFound(_) | Error::Rejected { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_definition_error_keeps_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("td.json");
        std::fs::write(&file, "{\n  \"family\": \"x\",\n  oops\n}\n").unwrap();
        let origin = file.display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let err =
            Error::from(portfolio_taskdef::TaskDefinition::parse(&text, &origin).unwrap_err());
        assert_eq!(err.exit_code(), USAGE);
        assert_eq!(
            err.location(),
            Some(FileLocation {
                file: file.clone(),
                line: Some(3)
            })
        );
    }

    #[test]
    fn the_table_lists_every_code_once_in_order() {
        let codes: Vec<u8> = EXIT_CODES.iter().map(|c| c.code).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 130]);
    }
}
