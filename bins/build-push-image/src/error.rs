//! The one error type of build-push-image and its exit codes.

use std::path::PathBuf;

use portfolio_core::exit::{FAILED, USAGE};
use portfolio_core::{AwsError, ConfigError, Failure, InvalidInput};

/// Exit code of a failed scan gate.
pub const SCAN_FAILED: u8 = 3;
/// Exit code of a tag that an immutable repository already holds elsewhere.
pub const IMMUTABLE_TAG: u8 = 4;

/// Everything that can end a run early.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flag or value (exit 2).
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// Bad portfolio-ci.yaml (exit 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The repository does not exist and may not be created (exit 2).
    #[error("repository '{repository}' does not exist in {registry}")]
    MissingRepository {
        /// The repository.
        repository: String,
        /// The registry host.
        registry: String,
    },
    /// Reading the build context failed.
    #[error("cannot read the build context at {}: {source}", path.display())]
    Context {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No usable builder.
    #[error("no builder found: {0}")]
    NoBuilder(String),
    /// The builder could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// The builder ran and failed.
    #[error("{step} failed ({status}):\n{output}")]
    Builder {
        /// `docker build`, `buildah push`, ...
        step: String,
        /// Exit status.
        status: String,
        /// The end of its output (the builder's own error).
        output: String,
    },
    /// The registry did not answer.
    #[error("registry {registry} did not answer after {attempts} attempts: {source}")]
    RegistryUnreachable {
        /// Registry host.
        registry: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        source: oci_client::errors::OciDistributionError,
    },
    /// The registry answered with an error.
    #[error("registry {registry}: {action}: {source}")]
    Registry {
        /// Registry host.
        registry: String,
        /// What was attempted.
        action: String,
        /// The error.
        source: oci_client::errors::OciDistributionError,
    },
    /// Tags of an immutable repository already point at another image (exit 4).
    #[error(
        "repository '{repository}' is immutable and already has {} on another image",
        tags.join(", ")
    )]
    ImmutableTags {
        /// The repository.
        repository: String,
        /// The tags in the way.
        tags: Vec<String>,
    },
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// The ECR authorization token is not `user:password` in base64.
    #[error("ECR returned an authorization token that is not base64 'user:password'")]
    BadToken,
    /// The scan did not complete.
    #[error("scan of {digest}: {reason}")]
    Scan {
        /// The image digest.
        digest: String,
        /// What happened.
        reason: String,
    },
    /// The scan gate asked ECR for an image that ECR does not have.
    #[error("scan of {digest}: ECR repository '{repository}' has no image with this digest")]
    NotInEcr {
        /// The image digest.
        digest: String,
        /// The ECR repository asked.
        repository: String,
    },
    /// Writing the private auth directory, outputs or the summary failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being written.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// SIGINT or SIGTERM (exit 130).
    #[error("interrupted by {0}")]
    Interrupted(portfolio_core::signal::Signal),
}

impl Error {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let what = what.into();
        move |source| Error::Io { what, source }
    }
}

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Invalid(_) | Error::Config(_) | Error::MissingRepository { .. } => USAGE,
            Error::ImmutableTags { .. } => IMMUTABLE_TAG,
            Error::Interrupted(_) => portfolio_core::exit::INTERRUPTED,
            _ => FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::MissingRepository { .. } => Some(
                "create it with --create-repository, or name another with --repository".into(),
            ),
            Error::ImmutableTags { .. } => Some(
                "tags of an immutable repository cannot move: use a new tag, or drop --tag/--latest"
                    .into(),
            ),
            Error::RegistryUnreachable { .. } => {
                Some("check --registry and that the registry is running and reachable".into())
            }
            Error::NotInEcr { .. } => Some(
                "the scan gate judges ECR's scan of the pushed image: push to this account's ECR \
                 registry (without --registry), or drop --fail-on-severity"
                    .into(),
            ),
            Error::Aws(err) => err.hint(),
            Error::NoBuilder(_) => {
                Some("install docker (with a running engine), podman or buildah".into())
            }
            _ => None,
        }
    }
}
