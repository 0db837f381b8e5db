//! The errors every tool shares, in one type.
//!
//! A tool's own error enum wraps [`Error`] in one transparent variant
//! (`Core(#[from] portfolio_core::Error)`) and gets `From` for each of the
//! wrapped kinds through [`wraps_core_errors!`](crate::wraps_core_errors), so
//! `?` works on a [`ConfigError`], an [`InvalidInput`] or an [`AwsError`]
//! alike. Its [`Failure`] impl hands the `Core` variant to
//! [`Error`]'s, which is where the file, line and hint of a configuration
//! or input error are kept: they reach the message and the `::error::`
//! annotation in every tool.

use std::path::PathBuf;

use crate::aws_error::AwsError;
use crate::cancel::Signal;
use crate::config::ConfigError;
use crate::exit::{FAILED, Failure, FileLocation, INTERRUPTED, InvalidInput};

/// A failure that is not specific to one tool.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// portfolio-ci.yaml is unreadable, invalid or lacks what was asked (exit 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A flag, file or value is not acceptable (exit 2); nothing was changed.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// An AWS call failed (exit 1).
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// A GitHub API call failed (exit 1).
    #[error("GitHub: {what}: {reason}")]
    GitHub {
        /// What was being done (`creating the deployment`).
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// Reading or writing a file or stream failed (exit 1).
    #[error("{what}{}: {source}", path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    Io {
        /// What was being done (`cannot write the step outputs`).
        what: String,
        /// The file, when there is one.
        path: Option<PathBuf>,
        /// Why.
        source: std::io::Error,
    },
    /// SIGINT or SIGTERM asked the run to stop (exit 130).
    #[error("interrupted by {0}")]
    Interrupted(Signal),
}

impl Error {
    /// An I/O failure while doing `what` (`cannot write the JSON result`).
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io {
            what,
            path: None,
            source,
        }
    }

    /// An I/O failure while doing `what` on `path` (`cannot read`, the file).
    pub fn io_at(
        what: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let (what, path) = (what.into(), path.into());
        move |source| Error::Io {
            what,
            path: Some(path),
            source,
        }
    }

    /// A failed GitHub call while doing `what`.
    pub fn github(what: impl Into<String>, reason: impl std::fmt::Display) -> Error {
        Error::GitHub {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Config(err) => err.exit_code(),
            Error::Invalid(err) => err.exit_code(),
            Error::Aws(err) => err.exit_code(),
            Error::Interrupted(_) => INTERRUPTED,
            Error::GitHub { .. } | Error::Io { .. } => FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Config(err) => err.hint(),
            Error::Invalid(err) => err.hint(),
            Error::Aws(err) => err.hint(),
            Error::GitHub { .. } => Some(
                "the call needs GITHUB_TOKEN with the permission it names, GITHUB_REPOSITORY \
                 and, outside github.com, GITHUB_API_URL"
                    .into(),
            ),
            Error::Io { .. } | Error::Interrupted(_) => None,
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            Error::Config(err) => err.location(),
            Error::Invalid(err) => err.location(),
            Error::Aws(_) | Error::GitHub { .. } | Error::Interrupted(_) => None,
            Error::Io { path, .. } => path.as_ref().and_then(|p| FileLocation::new(p, None)),
        }
    }
}

/// `From` impls that let `?` turn every error [`Error`] wraps into a tool's
/// own error type, through its `Core(#[from] portfolio_core::Error)` variant.
///
/// ```text
/// #[derive(Debug, thiserror::Error)]
/// pub enum Error {
///     #[error(transparent)]
///     Core(#[from] portfolio_core::Error),
///     // the tool's own failures
/// }
/// portfolio_core::wraps_core_errors!(Error);
/// ```
#[macro_export]
macro_rules! wraps_core_errors {
    ($tool:ty) => {
        impl From<$crate::ConfigError> for $tool {
            fn from(err: $crate::ConfigError) -> Self {
                <$tool>::from($crate::Error::from(err))
            }
        }
        impl From<$crate::InvalidInput> for $tool {
            fn from(err: $crate::InvalidInput) -> Self {
                <$tool>::from($crate::Error::from(err))
            }
        }
        impl From<$crate::AwsError> for $tool {
            fn from(err: $crate::AwsError) -> Self {
                <$tool>::from($crate::Error::from(err))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::USAGE;

    #[test]
    fn a_config_error_keeps_its_file_line_and_hint() {
        let err = Error::from(ConfigError::Parse {
            path: "portfolio-ci.yaml".into(),
            key: "services.backend.prot".into(),
            line: Some(3),
            message: "unknown field `prot`".into(),
        });
        assert_eq!(err.exit_code(), USAGE);
        let at = err.location();
        assert_eq!(
            at,
            Some(FileLocation {
                file: "portfolio-ci.yaml".into(),
                line: Some(3)
            })
        );
    }

    #[test]
    fn interrupted_is_130_and_io_names_its_file() {
        assert_eq!(Error::Interrupted(Signal::Terminate).exit_code(), 130);
        let err = Error::io_at("cannot read", "plan.tfplan")(std::io::Error::other("gone"));
        assert_eq!(err.to_string(), "cannot read plan.tfplan: gone");
        assert_eq!(err.exit_code(), FAILED);
        assert!(
            err.location()
                .is_some_and(|at| at.file == std::path::Path::new("plan.tfplan"))
        );
    }
}
