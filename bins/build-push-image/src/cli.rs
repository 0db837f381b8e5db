//! Command-line interface: every flag, its environment variable and its
//! `--help` text. Parsing only; `lib.rs` resolves the values against
//! `portfolio-ci.yaml` and does the work.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use portfolio_core::cli::{AwsArgs, GlobalArgs};

const AFTER_HELP: &str = "\
Exit codes:
  0    the image is in the registry with every tag (built or reused)
  1    the build, the push or an AWS/registry call failed
  2    invalid input (missing context, Dockerfile or repository, bad flag); nothing changed
  3    the scan gate failed (--fail-on-severity): findings at or above the threshold
  4    an immutable repository already has one of the tags on another image; nothing changed
  130  interrupted

Examples:
  # Build the backend for dev, push it to ECR with sha-<7> and branch tags
  build-push-image --service backend --env dev

  # Explicit repository and context, extra tags, fail on critical findings
  build-push-image --repository portfolio-prod-backend --context backend \\
      --tag stable --latest --fail-on-severity CRITICAL

  # The context tag only (a cache key; nothing is contacted)
  build-push-image --context . --repository any --print-context-tag

  # A local registry over plain HTTP, credentials from the environment
  PORTFOLIO_CI_REGISTRY_USERNAME=ci PORTFOLIO_CI_REGISTRY_PASSWORD=... \\
  build-push-image --registry 127.0.0.1:5000 --insecure-registry \\
      --registry-auth basic --repository demo --context .";

/// Build an image with docker, podman or buildah, tag it, push it to ECR,
/// and skip the build when the same content is already there.
///
/// The build context (Dockerfile, the files .dockerignore lets through,
/// build args, target, platform, labels) is hashed into a tag
/// `ctx-<12 hex>`. When the repository already has that tag, nothing is
/// built: the existing manifest gets the new tags through the registry API.
#[derive(Debug, Clone, Parser)]
#[command(name = "build-push-image", version, after_help = AFTER_HELP)]
pub struct Args {
    /// Service in portfolio-ci.yaml: names the repository
    /// (`{project}-{env}-{service}`) and its context and Dockerfile
    #[arg(long, env = "PORTFOLIO_CI_SERVICE", value_name = "NAME")]
    pub service: Option<String>,

    /// Environment the repository name is resolved for
    #[arg(
        long,
        env = "PORTFOLIO_CI_ENV",
        default_value = "dev",
        value_name = "ENV"
    )]
    pub env: String,

    /// ECR repository [default: from --service and portfolio-ci.yaml]
    #[arg(long, env = "PORTFOLIO_CI_REPOSITORY", value_name = "NAME")]
    pub repository: Option<String>,

    /// Registry HOST[:PORT] instead of this account's ECR registry
    #[arg(long, env = "PORTFOLIO_CI_REGISTRY", value_name = "HOST[:PORT]")]
    pub registry: Option<String>,

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

    /// Extra tag (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

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

/// Which builder runs the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuilderChoice {
    /// The first available of docker (engine running), podman, buildah
    Auto,
    /// docker buildx, or the classic `docker build` + `docker push`
    Docker,
    /// podman build + podman push
    Podman,
    /// buildah build + buildah push (daemonless, chroot isolation)
    Buildah,
}

/// Vulnerability severities, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum, serde::Serialize)]
#[value(rename_all = "UPPER")]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// CRITICAL
    Critical,
    /// HIGH
    High,
    /// MEDIUM
    Medium,
    /// LOW
    Low,
    /// INFORMATIONAL
    Informational,
    /// UNDEFINED (or UNTRIAGED, in enhanced scanning)
    Undefined,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn severities_order_from_most_severe() {
        assert!(Severity::Critical < Severity::High);
        assert!(Severity::Low < Severity::Undefined);
    }
}
