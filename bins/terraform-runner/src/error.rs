//! Every way a run can end badly, each with its exit code and a hint, and
//! the table of exit codes that `--help` prints.

use std::path::PathBuf;

use portfolio_core::Failure;
use portfolio_core::exit::{Code, FAILED, FileLocation, INTERRUPTED, SUCCESS, USAGE};

use crate::lock::LockInfo;

/// Exit code of a plan that failed its integrity checks (checksum or staleness).
pub const PLAN_INTEGRITY: u8 = 3;
/// Exit code when someone else holds the state lock.
pub const LOCKED: u8 = 4;

/// Every exit code of terraform-runner, as `--help` lists them.
pub const EXIT_CODES: &[Code] = &[
    Code::new(SUCCESS, "success (plan: see the has-changes output)"),
    Code::new(FAILED, "terraform failed"),
    Code::new(USAGE, "usage error or invalid input; nothing was changed"),
    Code::new(
        PLAN_INTEGRITY,
        "integrity: a plan's checksum is missing or wrong, or the plan is stale; \
         install: the archive's sha256 is not the one its SHA256SUMS lists",
    ),
    Code::new(
        LOCKED,
        "the state is locked by someone else (lock info and force-unlock command printed)",
    ),
    Code::new(
        INTERRUPTED,
        "interrupted (terraform was stopped, state saved and lock released)",
    ),
];

/// A run of terraform-runner that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure every tool shares: configuration, invalid input, I/O,
    /// GitHub, interruption.
    #[error(transparent)]
    Core(#[from] portfolio_core::Error),
    /// Neither the configured binary nor terraform/tofu was found.
    #[error("cannot find {wanted} on PATH")]
    BinaryNotFound {
        /// What was looked for.
        wanted: String,
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
    /// terraform cannot be installed on this machine at all.
    #[error("cannot install terraform: {reason}")]
    Installer {
        /// Why (an unsupported platform, no HTTP client).
        reason: String,
    },
    /// A release index, SHA256SUMS or archive could not be downloaded.
    #[error("cannot download {url}: {reason}")]
    Download {
        /// What was asked for.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// No release satisfies the version wanted.
    #[error("no {platform} release in {index_url} satisfies {wanted}")]
    NoMatchingVersion {
        /// The version wanted and where that came from.
        wanted: String,
        /// The release index.
        index_url: String,
        /// The platform (`linux_amd64`).
        platform: String,
    },
    /// SHA256SUMS lists no checksum for the archive: nothing was installed.
    #[error(
        "{sums_url} lists no sha256 for {file}: refusing to install an archive that cannot be verified"
    )]
    ArchiveNotListed {
        /// The SHA256SUMS file.
        sums_url: String,
        /// The archive's file name.
        file: String,
    },
    /// The archive is not the one SHA256SUMS lists: nothing was installed.
    #[error("{url} has sha256 {actual}, but {sums_url} lists {expected}: refusing to install it")]
    ArchiveChecksum {
        /// The archive.
        url: String,
        /// The SHA256SUMS file.
        sums_url: String,
        /// The sha256 SHA256SUMS lists.
        expected: String,
        /// The sha256 of what was downloaded.
        actual: String,
    },
    /// The verified archive could not be unpacked.
    #[error("cannot unpack {url}: {reason}")]
    Archive {
        /// The archive.
        url: String,
        /// Why.
        reason: String,
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

portfolio_core::wraps_core_errors!(Error);

impl Error {
    /// An I/O failure while doing `what` on `path` (`cannot read`, the file).
    pub fn io(what: &str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let io = portfolio_core::Error::io_at(what, path);
        move |source| Error::Core(io(source))
    }
}

impl Failure for Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Core(err) => err.exit_code(),
            Error::BinaryNotFound { .. } => USAGE,
            Error::ChecksumMissing { .. }
            | Error::ChecksumUnreadable { .. }
            | Error::ChecksumMismatch { .. }
            | Error::StalePlan { .. }
            | Error::ArchiveNotListed { .. }
            | Error::ArchiveChecksum { .. } => PLAN_INTEGRITY,
            Error::NoMatchingVersion { .. } => USAGE,
            Error::Locked { .. } => LOCKED,
            Error::Spawn { .. }
            | Error::Init { .. }
            | Error::Terraform { .. }
            | Error::Output { .. }
            | Error::Comment { .. }
            | Error::Download { .. }
            | Error::Installer { .. }
            | Error::Archive { .. } => FAILED,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Error::Core(err) => err.hint(),
            Error::BinaryNotFound { .. } => Some(
                "install terraform or tofu, or name it with --binary or terraform.binary".into(),
            ),
            Error::ChecksumMissing { .. } => Some(
                "keep PATH.sha256 next to the plan file (terraform-runner plan writes it) or pass --plan-sha256".into(),
            ),
            Error::ChecksumUnreadable { .. } | Error::ChecksumMismatch { .. } => {
                Some("make a new plan with terraform-runner plan and apply that".into())
            }
            Error::StalePlan { .. } => Some(
                "the state changed after the plan was made: plan again and review the new plan".into(),
            ),
            Error::Locked { force_unlock, .. } => Some(format!(
                "wait for the other run to finish; if the lock is stale (its run is gone), remove it with: {force_unlock}"
            )),
            Error::Comment { .. } => Some(
                "the comment needs GITHUB_TOKEN (pull-requests: write), GITHUB_REPOSITORY and the PR number (--pr or a pull_request event)".into(),
            ),
            Error::NoMatchingVersion { .. } => Some(
                "name a version the index lists with --terraform-version, or widen required_version".into(),
            ),
            Error::ArchiveNotListed { .. } | Error::ArchiveChecksum { .. } => Some(
                "the download was changed or damaged on its way, or --download-url points at a mirror that serves other files: nothing was installed".into(),
            ),
            Error::Download { .. } => Some(
                "check the network, --download-url and --index-url (PORTFOLIO_CI_TERRAFORM_DOWNLOAD_URL, PORTFOLIO_CI_TERRAFORM_INDEX_URL)".into(),
            ),
            Error::Spawn { .. }
            | Error::Init { .. }
            | Error::Terraform { .. }
            | Error::Output { .. }
            | Error::Installer { .. }
            | Error::Archive { .. } => None,
        }
    }

    fn location(&self) -> Option<FileLocation> {
        match self {
            Error::Core(err) => err.location(),
            _ => None,
        }
    }
}
