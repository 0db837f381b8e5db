//! The command line: four subcommands (lint, apply, preview, enforce) with
//! the shared global and AWS flags. Doc comments here are the `--help` text.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use portfolio_core::cli::{AwsArgs, GlobalArgs};

const AFTER_HELP: &str = "\
Exit codes:
  0    success
  1    an AWS call or the output failed
  2    invalid policy, snapshot, flag or portfolio-ci.yaml (names file, rule and field; nothing changed)
  3    lint --strict found warnings
  4    enforce refused: the policy would delete more than --max-delete
  5    enforce: ECR refused some deletions
  6    enforce --execute refused: a cluster whose usage protects images could not be read
  130  interrupted

Examples:
  ecr-lifecycle lint --policy lifecycle.yaml
  ecr-lifecycle apply --repository portfolio-dev-backend --policy lifecycle.json
  ecr-lifecycle apply --all-services --env prod
  ecr-lifecycle preview --repository portfolio-dev-backend
  aws ecr describe-images --repository-name portfolio-dev-backend > images.json
  ecr-lifecycle preview --images-json images.json --now 2025-06-01T00:00:00Z --json
  ecr-lifecycle enforce --repository portfolio-dev-backend --execute --max-delete 20";

/// Lint, apply, preview and enforce ECR lifecycle policies without
/// deleting images that ECS services still use.
#[derive(Debug, Parser)]
#[command(name = "ecr-lifecycle", version, after_help = AFTER_HELP)]
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
    #[command(after_help = "Examples:\n  ecr-lifecycle lint --policy lifecycle.yaml --strict")]
    Lint(LintArgs),
    /// Put the policy on a repository when it differs (shows the difference)
    #[command(
        after_help = "Examples:\n  ecr-lifecycle apply --repository portfolio-dev-backend\n  ecr-lifecycle apply --all-services --env dev --dry-run"
    )]
    Apply(ApplyArgs),
    /// Show what the policy would expire or transition now, and why
    #[command(
        after_help = "Examples:\n  ecr-lifecycle preview --repository portfolio-dev-backend --policy lifecycle.json\n  ecr-lifecycle preview --images-json images.json --now 2025-06-01T00:00:00Z --json"
    )]
    Preview(PreviewArgs),
    /// Delete now what the policy would expire (dry run unless --execute)
    #[command(
        after_help = "Exit codes: 4 when more than --max-delete would go, 5 when ECR refused some deletions, 6 when --execute meets a cluster that cannot be read.\n\nExamples:\n  ecr-lifecycle enforce --repository portfolio-dev-backend\n  ecr-lifecycle enforce --repository portfolio-dev-backend --execute --max-delete 25%"
    )]
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
pub struct ApplyArgs {
    /// The ECR repository
    #[arg(
        long,
        env = "PORTFOLIO_CI_REPOSITORY",
        value_name = "NAME",
        required_unless_present = "all_services",
        conflicts_with = "all_services"
    )]
    pub repository: Option<String>,
    /// Apply to the repository of every service in portfolio-ci.yaml, in
    /// every environment (or only --env)
    #[arg(long)]
    pub all_services: bool,
    /// With --all-services: only this environment
    #[arg(
        long,
        env = "PORTFOLIO_CI_ENV",
        value_name = "ENV",
        requires = "all_services"
    )]
    pub env: Option<String>,
    /// The policy.
    #[command(flatten)]
    pub policy: PolicyArg,
    /// Show the difference without putting the policy
    #[arg(long)]
    pub dry_run: bool,
}

/// `preview` flags.
#[derive(Debug, Clone, Args)]
pub struct PreviewArgs {
    /// The ECR repository (optional with --images-json)
    #[arg(
        long,
        env = "PORTFOLIO_CI_REPOSITORY",
        value_name = "NAME",
        required_unless_present = "images_json"
    )]
    pub repository: Option<String>,
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
pub struct EnforceArgs {
    /// The ECR repository
    #[arg(long, env = "PORTFOLIO_CI_REPOSITORY", value_name = "NAME")]
    pub repository: String,
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

/// `--max-delete`: an absolute count or a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxDelete {
    /// At most this many images.
    Count(usize),
    /// At most this percentage of the repository's images.
    Percent(u32),
}

impl MaxDelete {
    /// The limit in images for a repository of `total` images.
    pub fn allowed(self, total: usize) -> usize {
        match self {
            MaxDelete::Count(count) => count,
            MaxDelete::Percent(percent) => {
                total.saturating_mul(usize::try_from(percent).unwrap_or(usize::MAX)) / 100
            }
        }
    }
}

impl FromStr for MaxDelete {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.strip_suffix('%') {
            Some(percent) => percent
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= 100)
                .map(MaxDelete::Percent)
                .ok_or_else(|| format!("'{text}' is not a percentage from 0% to 100%")),
            None => text
                .trim()
                .parse::<usize>()
                .map(MaxDelete::Count)
                .map_err(|_| format!("'{text}' is not a count (20) or a percentage (50%)")),
        }
    }
}

impl fmt::Display for MaxDelete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxDelete::Count(count) => write!(f, "{count}"),
            MaxDelete::Percent(percent) => write!(f, "{percent}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn max_delete_parses_counts_and_percentages() {
        assert_eq!("20".parse(), Ok(MaxDelete::Count(20)));
        assert_eq!("50%".parse(), Ok(MaxDelete::Percent(50)));
        assert!("150%".parse::<MaxDelete>().is_err());
        assert!("half".parse::<MaxDelete>().is_err());
        assert_eq!(MaxDelete::Percent(50).allowed(7), 3);
        assert_eq!(MaxDelete::Count(4).allowed(7), 4);
    }
}
