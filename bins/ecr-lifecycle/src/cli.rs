//! The command line: four subcommands (lint, apply, preview, enforce) with
//! the shared global and AWS flags. Doc comments here are the `--help`
//! text; the exit codes in it come from [`EXIT_CODES`](crate::error::EXIT_CODES).
//! Only parsing happens here: [`crate::settings`] resolves the flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use portfolio_core::cli::{AwsArgs, EnvArg, GlobalArgs, RepositoryArg};
use portfolio_core::exit::{FAILED, INTERRUPTED, SUCCESS, USAGE, help_text};

use crate::error::{
    EXIT_CODES, EXIT_LINT_WARNINGS, EXIT_PARTIAL, EXIT_TOO_MANY, EXIT_UNPROTECTED, exit_codes,
};
use crate::settings::MaxDelete;

/// The examples of the main `--help`.
const EXAMPLES: &str = "\
Examples:
  ecr-lifecycle lint --policy lifecycle.yaml
  ecr-lifecycle apply --repository portfolio-dev-backend --policy lifecycle.yaml
  ecr-lifecycle apply --all-services --env prod
  ecr-lifecycle preview --repository portfolio-dev-backend
  aws ecr describe-images --repository-name portfolio-dev-backend > images.json
  ecr-lifecycle preview --images-json images.json --now 2025-06-01T00:00:00Z --json
  ecr-lifecycle enforce --repository portfolio-dev-backend --execute --max-delete 20";

/// The end of the main `--help`: every exit code, then the examples.
fn after_help() -> String {
    format!("{}\n\n{EXAMPLES}", help_text(EXIT_CODES))
}

/// The end of a subcommand's `--help`: the exit codes it can end with
/// (rows of the one table), then its examples.
fn subcommand_help(codes: &[u8], examples: &[&str]) -> String {
    let mut text = help_text(&exit_codes(codes));
    text.push_str("\n\nExamples:");
    for example in examples {
        text.push_str("\n  ");
        text.push_str(example);
    }
    text
}

/// Exit codes every subcommand can end with.
const COMMON: [u8; 4] = [SUCCESS, FAILED, USAGE, INTERRUPTED];

fn lint_help() -> String {
    subcommand_help(
        &[SUCCESS, FAILED, USAGE, EXIT_LINT_WARNINGS, INTERRUPTED],
        &["ecr-lifecycle lint --policy lifecycle.yaml --strict"],
    )
}

fn apply_help() -> String {
    subcommand_help(
        &COMMON,
        &[
            "ecr-lifecycle apply --repository portfolio-dev-backend",
            "ecr-lifecycle apply --all-services --env dev --dry-run",
        ],
    )
}

fn preview_help() -> String {
    subcommand_help(
        &COMMON,
        &[
            "ecr-lifecycle preview --repository portfolio-dev-backend --policy lifecycle.yaml",
            "ecr-lifecycle preview --images-json images.json --now 2025-06-01T00:00:00Z --json",
        ],
    )
}

fn enforce_help() -> String {
    subcommand_help(
        &[
            SUCCESS,
            FAILED,
            USAGE,
            EXIT_TOO_MANY,
            EXIT_PARTIAL,
            EXIT_UNPROTECTED,
            INTERRUPTED,
        ],
        &[
            "ecr-lifecycle enforce --repository portfolio-dev-backend",
            "ecr-lifecycle enforce --repository portfolio-dev-backend --execute --max-delete 25%",
        ],
    )
}

/// Lint, apply, preview and enforce ECR lifecycle policies without
/// deleting images that ECS services still use.
#[derive(Debug, Parser)]
#[command(name = "ecr-lifecycle", version, after_help = after_help())]
pub struct Cli {
    /// Global flags.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// AWS flags.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a policy exactly as ECR does, and warn about its traps
    #[command(after_help = lint_help())]
    Lint(LintArgs),
    /// Put the policy on a repository when it differs (shows the difference)
    #[command(after_help = apply_help())]
    Apply(ApplyArgs),
    /// Show what the policy would expire or transition now, and why
    #[command(after_help = preview_help())]
    Preview(PreviewArgs),
    /// Delete now what the policy would expire (dry run unless --execute)
    #[command(after_help = enforce_help())]
    Enforce(EnforceArgs),
}

/// Where the policy comes from.
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyArg {
    /// Lifecycle policy file, JSON or YAML [default: ecr.lifecycle_policy in
    /// portfolio-ci.yaml, else (preview, enforce) the repository's current
    /// policy, else the built-in policy: keep the last 10 `v*` images,
    /// expire untagged images 7 days after push]
    #[arg(long, env = "PORTFOLIO_CI_LIFECYCLE_POLICY", value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// `lint` flags.
#[derive(Debug, Clone, Args)]
pub struct LintArgs {
    /// The policy.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Exit 3 when there are warnings
    #[arg(long)]
    pub strict: bool,
}

/// `apply` flags.
#[derive(Debug, Clone, Args)]
#[command(
    mut_arg("repository", |arg| arg.help("ECR repository (or --all-services)")),
    mut_arg("env", |arg| arg.help(
        "With --all-services: only this environment of portfolio-ci.yaml [default: every environment]"
    ))
)]
pub struct ApplyArgs {
    /// `--repository` (or `--all-services`).
    #[command(flatten)]
    pub repository: RepositoryArg,
    /// Apply to the repository of every service in portfolio-ci.yaml, in
    /// every environment (or only --env)
    #[arg(long)]
    pub all_services: bool,
    /// `--env`: with --all-services, only this environment.
    #[command(flatten)]
    pub env: EnvArg,
    /// The policy.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Show the difference without putting the policy
    #[arg(long)]
    pub dry_run: bool,
}

/// `preview` flags.
#[derive(Debug, Clone, Args)]
#[command(mut_arg("repository", |arg| arg.help("ECR repository (optional with --images-json)")))]
pub struct PreviewArgs {
    /// `--repository` (or `--images-json`).
    #[command(flatten)]
    pub repository: RepositoryArg,
    /// The policy.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Evaluate offline against this `aws ecr describe-images` output; no
    /// AWS call is made (so ECS usage and index children are not looked up)
    #[arg(long, value_name = "FILE")]
    pub images_json: Option<PathBuf>,
    /// Evaluate as of this time (RFC 3339) [default: now]
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Protection flags.
    #[command(flatten)]
    pub protection: ProtectionArgs,
}

/// `enforce` flags.
#[derive(Debug, Clone, Args)]
#[command(mut_arg("repository", |arg| arg.help("ECR repository")))]
pub struct EnforceArgs {
    /// `--repository`.
    #[command(flatten)]
    pub repository: RepositoryArg,
    /// The policy.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Delete for real (without it, enforce only shows what it would delete)
    #[arg(long)]
    pub execute: bool,
    /// Refuse when more than this many images would go: a count (`20`) or a
    /// percentage of the repository's images (`50%`)
    #[arg(long, default_value = "50%", value_name = "N|P%")]
    pub max_delete: MaxDelete,
    /// Protection flags.
    #[command(flatten)]
    pub protection: ProtectionArgs,
}

/// Where in-use images are looked up.
#[derive(Debug, Clone, Default, Args)]
pub struct ProtectionArgs {
    /// ECS clusters whose services and running tasks protect their images
    /// (repeatable or comma-separated) [default: the cluster of every
    /// environment in portfolio-ci.yaml]
    #[arg(
        long = "cluster",
        env = "PORTFOLIO_CI_CLUSTERS",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub clusters: Vec<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
