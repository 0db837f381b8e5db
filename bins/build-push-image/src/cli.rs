//! Command-line interface: every flag, its environment variable and its
//! `--help` text. Parsing only: [`crate::settings`] resolves the values
//! against the environment and `portfolio-ci.yaml`, and the run code never
//! sees these types.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use portfolio_core::cli::{AwsArgs, EnvArg, GlobalArgs, RepositoryArg, ServiceArg};

use crate::builder::BuilderChoice;
use crate::error::EXIT_CODES;
use crate::login::LoginArgs;
use crate::scan::Severity;

/// The examples at the end of `--help`.
const EXAMPLES: &str = "\
Examples:
  # Build the backend for dev, push it to ECR with sha-<7> and branch tags
  build-push-image --service backend --env dev

  # Explicit repository and context, extra tags, fail on critical findings
  build-push-image --repository portfolio-prod-backend --context backend \\
      --tag stable --latest --fail-on-severity CRITICAL

  # Promote the image that passed dev to prod (dev's digest-reference output,
  # REGISTRY/portfolio-dev-backend@sha256:...): same digest, no rebuild
  build-push-image --service backend --env prod --promote-from $DEV_IMAGE

  # The context tag only (a cache key; nothing is contacted)
  build-push-image --context backend --repository any --print-context-tag

  # A local registry over plain HTTP, credentials from the environment
  PORTFOLIO_CI_REGISTRY_USERNAME=ci PORTFOLIO_CI_REGISTRY_PASSWORD=... \\
  build-push-image --registry 127.0.0.1:5000 --insecure-registry \\
      --registry-auth basic --repository portfolio-dev-backend --context backend";

/// The text after the flags in `--help`: the exit codes (from
/// [`EXIT_CODES`]) and the examples.
fn after_help() -> String {
    format!(
        "{}\n\n{EXAMPLES}",
        portfolio_core::exit::help_text(EXIT_CODES)
    )
}

/// Build an image with docker, podman or buildah, tag it, push it to ECR,
/// and skip the build when the same content is already there.
///
/// The build context (Dockerfile, the files .dockerignore lets through,
/// build args, target, platform, labels) is hashed into a tag
/// `ctx-<12 hex>`. When the repository already has that tag, nothing is
/// built: the existing manifest gets the new tags through the registry API.
#[derive(Debug, Clone, Parser)]
#[command(name = "build-push-image", version, after_help = after_help())]
pub struct Cli {
    /// `--service`: names the repository (`{project}-{env}-{service}`) and
    /// its context and Dockerfile.
    #[command(flatten)]
    pub service: ServiceArg,

    /// `--env`: the environment the repository name is resolved for.
    #[command(flatten)]
    pub env: EnvArg,

    /// `--repository`.
    #[command(flatten)]
    pub repository: RepositoryArg,

    /// Registry HOST[:PORT] instead of this account's ECR registry
    #[arg(long, env = "PORTFOLIO_CI_REGISTRY", value_name = "HOST[:PORT]")]
    pub registry: Option<String>,

    /// ECR registry of another account (its 12-digit id): the login, the
    /// repository and the scan are that registry's [default: from an ECR
    /// --registry host, else the caller's account]
    #[arg(long, env = "PORTFOLIO_CI_REGISTRY_ID", value_name = "ACCOUNT")]
    pub registry_id: Option<String>,

    /// Talk to --registry over plain HTTP (for a registry on loopback)
    #[arg(long, env = "PORTFOLIO_CI_INSECURE_REGISTRY")]
    pub insecure_registry: bool,

    /// Where registry credentials come from: ECR GetAuthorizationToken,
    /// PORTFOLIO_CI_REGISTRY_USERNAME/PASSWORD (basic), or none
    #[arg(long, env = "PORTFOLIO_CI_REGISTRY_AUTH", value_enum, default_value_t = RegistryAuthMode::Ecr)]
    pub registry_auth: RegistryAuthMode,

    /// Create the ECR repository when missing (scan on push, encryption and
    /// tag mutability from portfolio-ci.yaml)
    #[arg(long, env = "PORTFOLIO_CI_CREATE_REPOSITORY")]
    pub create_repository: bool,

    /// Builder; auto takes the first found of docker (engine running),
    /// podman, buildah
    #[arg(long, env = "PORTFOLIO_CI_BUILDER", value_enum, default_value_t = BuilderChoice::Auto)]
    pub builder: BuilderChoice,

    /// Build context directory [default: the service's context, else .]
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// Dockerfile [default: the service's, else <context>/Dockerfile]
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Build argument KEY=VALUE, or KEY to take the value from the
    /// environment (repeatable)
    #[arg(long = "build-arg", value_name = "KEY[=VALUE]")]
    pub build_args: Vec<String>,

    /// Target stage of a multi-stage Dockerfile
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,

    /// Target platform(s), e.g. linux/amd64 or linux/amd64,linux/arm64
    #[arg(long, env = "PORTFOLIO_CI_PLATFORM", value_name = "OS/ARCH")]
    pub platform: Option<String>,

    /// Image label KEY=VALUE, added to the OCI labels (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,

    /// Attach provenance attestations (docker buildx only; off by default
    /// because ECR shows them as untagged images and Lambda rejects them)
    #[arg(long, env = "PORTFOLIO_CI_PROVENANCE")]
    pub provenance: bool,

    /// Extra tag, or a full reference REGISTRY/REPOSITORY:TAG of this
    /// repository as docker/metadata-action emits it (repeatable; commas
    /// separate several)
    #[arg(long = "tag", value_name = "TAG", value_delimiter = ',')]
    pub tags: Vec<String>,

    /// Build without pushing (pull-request validation): no registry, no
    /// login, no AWS call; outputs the image id, no digest
    #[arg(long, env = "PORTFOLIO_CI_NO_PUSH")]
    pub no_push: bool,

    /// Registry cache source: type=registry,ref=REF or REF (repeatable;
    /// other types with docker buildx only)
    #[arg(long = "cache-from", value_name = "SPEC")]
    pub cache_from: Vec<String>,

    /// Registry cache destination: type=registry,ref=REF or REF
    /// (repeatable; not with the classic docker builder)
    #[arg(long = "cache-to", value_name = "SPEC")]
    pub cache_to: Vec<String>,

    /// Build secret ID from the file PATH (repeatable; never in the image,
    /// the context tag or the logs)
    #[arg(long = "secret-file", value_name = "ID=PATH")]
    pub secret_files: Vec<String>,

    /// Build secret ID from the environment variable VAR (repeatable).
    /// `ID=VALUE` lines in PORTFOLIO_CI_BUILD_SECRETS are secrets too
    #[arg(long = "secret-env", value_name = "ID=VAR")]
    pub secret_envs: Vec<String>,

    /// SSH agent socket or keys for the build: default or
    /// ID[=SOCKET|KEY[,KEY]] (repeatable)
    #[arg(long, value_name = "SPEC")]
    pub ssh: Vec<String>,

    /// Additional build context NAME=PATH (or NAME=docker-image://...)
    /// (repeatable; a directory's content counts in the context tag)
    #[arg(long = "build-context", value_name = "NAME=PATH")]
    pub build_contexts: Vec<String>,

    /// Build without the layer cache (also skips build avoidance)
    #[arg(long)]
    pub no_cache: bool,

    /// Always pull newer versions of the base images
    #[arg(long)]
    pub pull: bool,

    /// Image manifest annotation KEY=VALUE (repeatable; not with the
    /// classic docker builder)
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,

    /// Also export the result: type=local,dest=DIR or type=tar,dest=FILE
    /// (repeatable; always builds)
    #[arg(long = "output", value_name = "SPEC")]
    pub outputs: Vec<String>,

    /// docker buildx builder instance (as docker/setup-buildx-action's
    /// `name` output)
    #[arg(long, env = "PORTFOLIO_CI_BUILDX_BUILDER", value_name = "NAME")]
    pub buildx_builder: Option<String>,

    /// Also tag `latest`
    #[arg(long, env = "PORTFOLIO_CI_LATEST")]
    pub latest: bool,

    /// Build and push even when the registry already has the context tag
    #[arg(long)]
    pub force_build: bool,

    /// Only hash the build context and print its tag `ctx-<12 hex>` (with
    /// --json: the digest, file and byte counts); no registry, no build
    #[arg(long)]
    pub print_context_tag: bool,

    /// Promote instead of building: copy the image
    /// REGISTRY/REPOSITORY@sha256:DIGEST (every platform of an index) into
    /// the repository, its blobs by cross-repository mount within one
    /// registry, else streamed from the source, and give it the tags a
    /// build would; no builder, no rebuild, the digest stays the same
    #[arg(
        long,
        value_name = "IMAGE@DIGEST",
        conflicts_with_all = [
            "file", "build_args", "target", "labels", "cache_from", "cache_to",
            "secret_files", "secret_envs", "ssh", "build_contexts", "no_cache",
            "pull", "annotations", "outputs", "force_build", "print_context_tag",
        ]
    )]
    pub promote_from: Option<String>,

    /// Scan gate (ECR): wait for the scan of the pushed digest and exit 3
    /// when it finds anything at or above this severity
    #[arg(
        long,
        env = "PORTFOLIO_CI_FAIL_ON_SEVERITY",
        value_enum,
        value_name = "SEVERITY"
    )]
    pub fail_on_severity: Option<Severity>,

    /// How long the scan gate waits for the scan to complete
    #[arg(long, default_value = "10m", value_parser = portfolio_core::cli::parse_duration, value_name = "DURATION")]
    pub scan_timeout: Duration,

    /// Global flags.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// AWS flags.
    #[command(flatten)]
    pub aws: AwsArgs,

    /// A subcommand; without one the tool builds and pushes.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Log docker in to ECR for the later steps of a job, as
    /// aws-actions/amazon-ecr-login: the user's docker config gets the
    /// login; outputs registry, docker_username_<host>, docker_password_<host>
    Login(LoginArgs),
}

/// Where the registry credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegistryAuthMode {
    /// ECR GetAuthorizationToken (user AWS)
    Ecr,
    /// PORTFOLIO_CI_REGISTRY_USERNAME and PORTFOLIO_CI_REGISTRY_PASSWORD
    Basic,
    /// Anonymous access
    None,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
