//! The command line: `terraform-runner plan|apply|destroy --env ENV`.
//!
//! Doc comments here become `--help`. Flags override `PORTFOLIO_CI_*`
//! environment variables, which override the `terraform` section of
//! `portfolio-ci.yaml`, which overrides the built-in defaults.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use portfolio_core::cli::{EnvArg, GlobalArgs};
use portfolio_core::exit::help_text;

use crate::error::EXIT_CODES;
use crate::install::Engine;

const EXAMPLES: &str = "\
Examples:
  terraform-runner plan --env dev --plan-file dev.tfplan --pr-comment
  terraform-runner apply --env dev --plan-file dev.tfplan
  terraform-runner apply --env dev --auto-approve
  terraform-runner destroy --env prod --confirm prod --allow-prod
  terraform-runner install --terraform-version '~> 1.9'";

/// The end of every `--help`: the exit codes (from [`EXIT_CODES`]) and examples.
fn after_help() -> String {
    format!("{}\n\n{EXAMPLES}", help_text(EXIT_CODES))
}

/// terraform (or tofu) plan / apply / destroy per environment, with plan
/// integrity, summaries, PR comments and safe cancellation.
#[derive(Debug, Parser)]
#[command(name = "terraform-runner", version, after_help = after_help())]
pub struct Cli {
    /// Flags every tool accepts.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The operations, and the installer.
// Parsed once per process: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// plan, apply, destroy.
    #[command(flatten)]
    Run(RunCommand),
    /// Install the terraform (or tofu) the root module needs, unless that
    /// version is on PATH or in the tool cache; add it to $GITHUB_PATH
    #[command(after_help = after_help())]
    Install(InstallArgs),
}

/// The three operations on an environment.
#[derive(Debug, Subcommand)]
pub enum RunCommand {
    /// Plan, write the plan file and its PATH.sha256, summarise the changes
    #[command(after_help = after_help())]
    Plan(PlanArgs),
    /// Apply a verified plan file, or plan and apply with --auto-approve
    #[command(after_help = after_help())]
    Apply(ApplyArgs),
    /// Destroy everything of one environment (needs --confirm ENV)
    #[command(after_help = after_help())]
    Destroy(DestroyArgs),
}

/// Where and how terraform runs; shared by every operation.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// `--env`: the environment (a key of `environments` in portfolio-ci.yaml).
    #[command(flatten)]
    pub env: EnvArg,

    /// Terraform root module [default: terraform.dir of portfolio-ci.yaml]
    #[arg(long, env = "PORTFOLIO_CI_TERRAFORM_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Var file, relative to the working directory (repeatable); replaces the
    /// configured terraform.var_files [default: envs/{env}.tfvars in DIR]
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,

    /// Backend config file for `terraform init` [default: terraform.backend_config]
    #[arg(long, env = "PORTFOLIO_CI_BACKEND_CONFIG", value_name = "FILE")]
    pub backend_config: Option<PathBuf>,

    /// terraform or tofu: a bare name looked up on PATH (and installed when
    /// it is missing or its version is not the one wanted), or a path to the
    /// program (used as it is) [default: terraform.binary, else the first of
    /// terraform, tofu on PATH]
    #[arg(long, env = "PORTFOLIO_CI_TERRAFORM_BINARY", value_name = "PROGRAM")]
    pub binary: Option<String>,

    /// Where and which terraform to install when it is needed.
    #[command(flatten)]
    pub install: InstallSource,

    /// How long to wait for the state lock, e.g. 0s, 90s, 5m [default: terraform.lock_timeout]
    #[arg(long, env = "PORTFOLIO_CI_LOCK_TIMEOUT", value_name = "DURATION")]
    pub lock_timeout: Option<String>,

    /// After a second SIGINT/SIGTERM, how long terraform gets to persist the
    /// state before it is killed
    #[arg(long, default_value = "20s", value_parser = portfolio_core::cli::parse_duration, value_name = "DURATION")]
    pub grace_period: Duration,
}

/// `plan`.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Where and how terraform runs.
    #[command(flatten)]
    pub target: TargetArgs,

    /// Plan file to write (its checksum goes to PATH.sha256) [default: DIR/{env}.tfplan]
    #[arg(long, value_name = "PATH")]
    pub plan_file: Option<PathBuf>,

    /// Plan the destruction of everything (review it, then run
    /// `destroy --plan-file` on exactly that plan)
    #[arg(long)]
    pub destroy: bool,

    /// Upsert one pull request comment per dir and environment with the summary
    /// (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL)
    #[arg(long)]
    pub pr_comment: bool,

    /// Pull request number [default: from $GITHUB_EVENT_PATH]
    #[arg(long, value_name = "NUMBER", requires = "pr_comment")]
    pub pr: Option<u64>,
}

/// `apply`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// Where and how terraform runs.
    #[command(flatten)]
    pub target: TargetArgs,

    /// Plan file made by `plan`; verified against PATH.sha256 or --plan-sha256
    #[arg(long, value_name = "PATH")]
    pub plan_file: Option<PathBuf>,

    /// Expected sha256 of the plan file (hex), instead of PATH.sha256
    #[arg(long, value_name = "HEX", requires = "plan_file")]
    pub plan_sha256: Option<String>,

    /// Without --plan-file: plan and apply in one go
    #[arg(long, conflicts_with = "plan_file")]
    pub auto_approve: bool,
}

/// `destroy`.
#[derive(Debug, Clone, Args)]
pub struct DestroyArgs {
    /// Where and how terraform runs.
    #[command(flatten)]
    pub target: TargetArgs,

    /// The environment's name again, to confirm the destruction
    #[arg(long, value_name = "ENV")]
    pub confirm: Option<String>,

    /// Also required to destroy the prod environment
    #[arg(long)]
    pub allow_prod: bool,

    /// A destroy plan made by `plan --destroy`, verified like apply's;
    /// without it destroy plans and destroys in one go
    #[arg(long, value_name = "PATH")]
    pub plan_file: Option<PathBuf>,

    /// Expected sha256 of the plan file (hex), instead of PATH.sha256
    #[arg(long, value_name = "HEX", requires = "plan_file")]
    pub plan_sha256: Option<String>,
}

/// Which version to install and where from; shared by `install` and the
/// operations (which install only when the program on PATH does not fit).
#[derive(Debug, Clone, Args)]
pub struct InstallSource {
    /// Version wanted: exact (1.9.8) or a constraint ('~> 1.9', '>= 1.10,
    /// < 2.0'), or latest; a constraint installs the newest stable version
    /// it allows [default: required_version of the root module, else latest]
    #[arg(long, env = "PORTFOLIO_CI_TERRAFORM_VERSION", value_name = "VERSION")]
    pub terraform_version: Option<String>,

    /// Download base of the release archives and SHA256SUMS [default:
    /// https://releases.hashicorp.com; for tofu
    /// https://github.com/opentofu/opentofu/releases/download]
    #[arg(long, env = "PORTFOLIO_CI_TERRAFORM_DOWNLOAD_URL", value_name = "URL")]
    pub download_url: Option<String>,

    /// Release index [default: DOWNLOAD_URL/terraform/index.json; for tofu
    /// https://get.opentofu.org/tofu/api.json]
    #[arg(long, env = "PORTFOLIO_CI_TERRAFORM_INDEX_URL", value_name = "URL")]
    pub index_url: Option<String>,

    /// Tool cache the program is installed into, per version and platform
    /// [default: $RUNNER_TOOL_CACHE, else ~/.cache/portfolio-ci/tools]
    #[arg(long, env = "PORTFOLIO_CI_TOOL_CACHE", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// `install`.
#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    /// Which version and where from.
    #[command(flatten)]
    pub source: InstallSource,

    /// terraform, or tofu for OpenTofu
    #[arg(long, value_enum, default_value = "terraform")]
    pub engine: Engine,

    /// Root module whose required_version says what to install [default: terraform.dir of portfolio-ci.yaml]
    #[arg(long, env = "PORTFOLIO_CI_TERRAFORM_DIR", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
