//! The one error type of build-push-image, and its exit codes: the table
//! [`EXIT_CODES`] that both the code and `--help` use.

use std::path::PathBuf;

use portfolio_core::Failure;
use portfolio_core::exit::{Code, FAILED, FileLocation, INTERRUPTED, SUCCESS, USAGE};

/// Exit code of a failed scan gate.
pub const SCAN_FAILED: u8 = 3;
/// Exit code of a tag that an immutable repository already holds elsewhere.
pub const IMMUTABLE_TAG: u8 = 4;

/// Every exit code of build-push-image and what it means (shown by `--help`).
pub const EXIT_CODES: &[Code] = &[
    Code::new(
        SUCCESS,
        "the image is in the registry with every tag (built or reused)",
    ),
    Code::new(FAILED, "the build, the push or an AWS/registry call failed"),
    Code::new(
        USAGE,
        "invalid input (missing context, Dockerfile or repository, bad flag, or no image to \
         promote at --promote-from); nothing changed",
    ),
    Code::new(
        SCAN_FAILED,
        "the scan gate failed (--fail-on-severity): findings at or above the threshold",
    ),
    Code::new(
        IMMUTABLE_TAG,
        "an immutable repository already has one of the tags on another image; nothing changed",
    ),
    Code::new(INTERRUPTED, "interrupted"),
];

/// Everything that can end a run early.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure every tool shares: configuration, invalid input, AWS, I/O,
    /// interruption (their exit code, hint, file and line are kept).
    #[error(transparent)]
    Core(#[from] portfolio_core::Error),
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
        "repository '{repository}' keeps {} immutable, and they are already on another image",
        tags.join(", ")
    )]
    ImmutableTags {
        /// The repository.
        repository: String,
        /// The tags in the way.
        tags: Vec<String>,
    },
    /// The image to promote is not in its repository (exit 2).
    #[error("the image to promote, {image}, is not in its registry")]
    SourceMissing {
        /// `host/repository@digest`.
        image: String,
    },
    /// A registry served or stored something other than the digest asked
    /// for.
    #[error("{image}: {what} has digest {actual}")]
    DigestMismatch {
        /// `host/repository@digest` (the digest expected).
        image: String,
        /// What was checked.
        what: String,
        /// The digest found.
        actual: String,
    },
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
}

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Core(err) => err.exit_code(),
            Error::MissingRepository { .. } | Error::SourceMissing { .. } => USAGE,
            Error::ImmutableTags { .. } => IMMUTABLE_TAG,
            Error::Context { .. }
            | Error::NoBuilder(_)
            | Error::Spawn { .. }
            | Error::Builder { .. }
            | Error::RegistryUnreachable { .. }
            | Error::Registry { .. }
            | Error::DigestMismatch { .. }
            | Error::BadToken
            | Error::Scan { .. }
            | Error::NotInEcr { .. } => FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Core(err) => err.hint(),
            Error::MissingRepository { .. } => Some(
                "create it with --create-repository, or name another with --repository".into(),
            ),
            Error::ImmutableTags { .. } => Some(
                "the repository's tag mutability (ECR: IMMUTABLE, or an exclusion filter) keeps these \
                 tags where they are: use a new tag, or drop --tag/--latest"
                    .into(),
            ),
            Error::SourceMissing { .. } => Some(
                "--promote-from names the image by the digest a build pushed (the digest output \
                 of the build in the source environment), in that build's repository"
                    .into(),
            ),
            Error::DigestMismatch { .. } => {
                Some("the registry changed the manifest: nothing of the promotion can be trusted; \
                      check the registry".into())
            }
            Error::RegistryUnreachable { .. } => {
                Some("check --registry and that the registry is running and reachable".into())
            }
            Error::NotInEcr { .. } => Some(
                "the scan gate judges ECR's scan of the pushed image: push to this account's ECR \
                 registry (without --registry), or drop --fail-on-severity"
                    .into(),
            ),
            Error::NoBuilder(_) => {
                Some("install docker (with a running engine), podman or buildah".into())
            }
            _ => None,
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            Error::Core(err) => err.location(),
            _ => None,
        }
    }
}

portfolio_core::wraps_core_errors!(Error);
