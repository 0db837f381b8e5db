//! The one error type of render-taskdef and its exit codes.
//!
//! Every refusal caused by the input (a bad file, flag, template or
//! rendered definition) is exit 2 and names the source, the container and
//! the field; failed AWS calls and writes are exit 1; a service or task
//! definition that does not exist is exit 3.

use portfolio_core::exit::{Code, FAILED, INTERRUPTED, SUCCESS, USAGE};
use portfolio_core::{Failure, FileLocation};

/// The source (service or task definition) does not exist in ECS.
pub const NOT_FOUND: u8 = 3;

/// Every exit code of render-taskdef, for the code and for `--help`.
pub const EXIT_CODES: &[Code] = &[
    Code::new(SUCCESS, "rendered (and written)"),
    Code::new(FAILED, "an AWS call or writing the output failed"),
    Code::new(
        USAGE,
        "invalid input: file, flag, template, placeholder or rendered definition (names the source, container and field); nothing written",
    ),
    Code::new(
        NOT_FOUND,
        "the service, cluster or task definition does not exist",
    ),
    Code::new(INTERRUPTED, "interrupted (SIGINT/SIGTERM); nothing written"),
];

/// Why a render was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure every tool shares (configuration, input, AWS, I/O, signal).
    #[error(transparent)]
    Core(#[from] portfolio_core::Error),
    /// The definition could not be read, rendered or validated.
    #[error(transparent)]
    Taskdef(#[from] portfolio_taskdef::Error),
}

portfolio_core::wraps_core_errors!(Error);

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Core(err) => err.exit_code(),
            Error::Taskdef(err) if err.is_not_found() => NOT_FOUND,
            Error::Taskdef(err) => err.exit_code(),
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Core(err) => err.hint(),
            Error::Taskdef(err) => err.hint(),
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            Error::Core(err) => err.location(),
            Error::Taskdef(err) => err.location(),
        }
    }
}
