//! Parse, then resolve: the command line (flags and their environment
//! variables, which clap reads) plus portfolio-ci.yaml plus the built-in
//! defaults become one [`Settings`], in that order of precedence. Every
//! local input (the policy file, the `--images-json` snapshot, `--now`) is
//! read and checked here, before any AWS call; the run code never sees a
//! clap type.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use portfolio_core::{AwsSettings, Config, InvalidInput};

use crate::cli::{Cli, Command as CliCommand, PolicyArg, ProtectionArgs};
use crate::error::Error;
use crate::image::{Image, parse_time, read_snapshot};
use crate::policy::Policy;

/// A run of ecr-lifecycle, resolved.
#[derive(Debug)]
pub struct Settings {
    /// The AWS flags (`--region`, `--max-attempts`) and the top-level region
    /// of portfolio-ci.yaml.
    pub aws: AwsSettings,
    /// The subcommand.
    pub command: Command,
}

/// A subcommand, resolved.
#[derive(Debug)]
pub enum Command {
    /// `lint`.
    Lint(Lint),
    /// `apply`.
    Apply(Apply),
    /// `preview`.
    Preview(Preview),
    /// `enforce`.
    Enforce(Enforce),
}

/// `lint`: the policy and `--strict`.
#[derive(Debug)]
pub struct Lint {
    /// The policy (validated).
    pub policy: LoadedPolicy,
    /// Warnings end in exit 3.
    pub strict: bool,
}

/// `apply`: one policy, the repositories to put it on.
#[derive(Debug)]
pub struct Apply {
    /// The policy (validated).
    pub policy: LoadedPolicy,
    /// `--repository`, or every configured repository.
    pub targets: Vec<Target>,
    /// Show the difference only.
    pub dry_run: bool,
}

/// `preview`: offline against a snapshot, or against a repository.
#[derive(Debug)]
pub enum Preview {
    /// `--images-json`: no AWS call.
    Offline(Offline),
    /// `--repository`.
    Online(Request),
}

/// `preview --images-json`.
#[derive(Debug)]
pub struct Offline {
    /// The snapshot's images.
    pub images: Vec<Image>,
    /// `--repository`, when given (it names the report).
    pub repository: Option<String>,
    /// The policy (validated).
    pub policy: LoadedPolicy,
    /// The evaluation time (ms since the epoch).
    pub now: i64,
}

/// `enforce`: the evaluation, then the deletion.
#[derive(Debug)]
pub struct Enforce {
    /// What to evaluate.
    pub request: Request,
    /// Delete for real.
    pub execute: bool,
    /// The most that may go.
    pub max_delete: MaxDelete,
}

/// A repository to evaluate against ECS usage.
#[derive(Debug, Clone)]
pub struct Request {
    /// The repository.
    pub target: Target,
    /// `--policy` or portfolio-ci.yaml's; `None`: the repository's own
    /// policy, else the built-in one.
    pub policy: Option<LoadedPolicy>,
    /// The clusters whose usage protects images.
    pub clusters: Vec<Cluster>,
    /// The evaluation time (ms since the epoch).
    pub now: i64,
}

/// A repository and the configured region of its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The repository name.
    pub repository: String,
    /// The region portfolio-ci.yaml names for it (`None`: the default).
    pub region: Option<String>,
}

/// An ECS cluster whose usage protects images, and the region it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The cluster name.
    pub name: String,
    /// The configured region of its environment (`None`: the default).
    pub region: Option<String>,
}

/// A policy and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The validated policy.
    pub policy: Policy,
    /// `lifecycle.json (--policy)`, `built-in default`, ...
    pub source: String,
    /// The file it was read from, when it was (for annotations).
    pub file: Option<PathBuf>,
}

impl LoadedPolicy {
    /// The built-in default policy.
    pub fn default_policy() -> Result<LoadedPolicy, Error> {
        Ok(LoadedPolicy {
            policy: Policy::default_policy()?,
            source: "built-in default (keep 10 v*, expire untagged after 7 days)".into(),
            file: None,
        })
    }

    /// A repository's current policy text.
    pub fn from_repository(repository: &str, text: &str) -> Result<LoadedPolicy, Error> {
        let label = format!("current lifecycle policy of {repository}");
        Ok(LoadedPolicy {
            policy: Policy::parse(text, Path::new(&label))?,
            source: label,
            file: None,
        })
    }
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

impl Settings {
    /// Resolves `cli` against `config` (portfolio-ci.yaml or the defaults);
    /// `now` (ms since the epoch) is the evaluation time unless `--now`
    /// gives one.
    pub fn resolve(cli: Cli, config: &Config, now: i64) -> Result<Settings, Error> {
        let aws = cli.aws.settings(config.region.clone());
        let command = match cli.command {
            CliCommand::Lint(args) => Command::Lint(Lint {
                policy: policy_or_default(config, &args.policy)?,
                strict: args.strict,
            }),
            CliCommand::Apply(args) => {
                let targets = match (args.repository.repository, args.all_services) {
                    (Some(_), true) => {
                        return Err(invalid(
                            "--repository",
                            "give either --repository or --all-services, not both",
                        ));
                    }
                    (None, false) => {
                        return Err(invalid(
                            "--repository",
                            "apply needs --repository NAME (or PORTFOLIO_CI_REPOSITORY), or --all-services",
                        ));
                    }
                    (Some(repository), false) => {
                        if args.env.env.is_some() {
                            return Err(invalid(
                                "--env",
                                "only applies with --all-services (it picks the environment whose repositories get the policy)",
                            ));
                        }
                        vec![target(config, repository)]
                    }
                    (None, true) => all_repositories(config, args.env.env.as_deref())?,
                };
                Command::Apply(Apply {
                    policy: policy_or_default(config, &args.policy)?,
                    targets,
                    dry_run: args.dry_run,
                })
            }
            CliCommand::Preview(args) => {
                let now = at(args.now.as_deref(), now)?;
                match (args.images_json, args.repository.repository) {
                    (Some(path), repository) => Command::Preview(Preview::Offline(Offline {
                        policy: policy_or_default(config, &args.policy)?,
                        images: read_snapshot(&path)?,
                        repository,
                        now,
                    })),
                    (None, Some(repository)) => Command::Preview(Preview::Online(request(
                        config,
                        repository,
                        &args.policy,
                        &args.protection,
                        now,
                    )?)),
                    (None, None) => {
                        return Err(invalid(
                            "--repository",
                            "preview needs --repository NAME (or PORTFOLIO_CI_REPOSITORY), or --images-json FILE",
                        ));
                    }
                }
            }
            CliCommand::Enforce(args) => {
                let Some(repository) = args.repository.repository else {
                    return Err(invalid(
                        "--repository",
                        "enforce needs --repository NAME (or PORTFOLIO_CI_REPOSITORY)",
                    ));
                };
                Command::Enforce(Enforce {
                    request: request(config, repository, &args.policy, &args.protection, now)?,
                    execute: args.execute,
                    max_delete: args.max_delete,
                })
            }
        };
        Ok(Settings { aws, command })
    }
}

fn invalid(flag: &str, reason: &str) -> Error {
    InvalidInput::new(flag, reason).into()
}

/// `--now`, else `now`.
fn at(text: Option<&str>, now: i64) -> Result<i64, Error> {
    match text {
        Some(text) => Ok(parse_time(text).ok_or_else(|| {
            InvalidInput::new(
                "--now",
                format!("'{text}' is not an RFC 3339 time such as 2025-06-01T00:00:00Z"),
            )
        })?),
        None => Ok(now),
    }
}

fn request(
    config: &Config,
    repository: String,
    policy: &PolicyArg,
    protection: &ProtectionArgs,
    now: i64,
) -> Result<Request, Error> {
    Ok(Request {
        target: target(config, repository),
        policy: chosen_policy(config, policy)?,
        clusters: clusters(config, protection)?,
        now,
    })
}

/// `repository` with the configured region of the environment whose
/// service repository it is, else the file's top-level region.
fn target(config: &Config, repository: String) -> Target {
    let region = config
        .environments
        .keys()
        .find(|env| {
            config.service_names().iter().any(|service| {
                config
                    .service(service, env)
                    .is_ok_and(|s| s.repository == repository)
            })
        })
        .map_or_else(|| config.region.clone(), |env| config.region(env));
    Target { repository, region }
}

/// Every service's repository in every environment (or only `env`), each
/// with the configured region of its environment.
fn all_repositories(config: &Config, env: Option<&str>) -> Result<Vec<Target>, Error> {
    let environments = match env {
        Some(env) => {
            config.environment(env)?;
            vec![env.to_owned()]
        }
        None => config.environments.keys().cloned().collect(),
    };
    let mut targets = Vec::new();
    for env in &environments {
        for service in config.service_names() {
            let entry = Target {
                repository: config.service(&service, env)?.repository,
                region: config.region(env),
            };
            if !targets.contains(&entry) {
                targets.push(entry);
            }
        }
    }
    Ok(targets)
}

/// The clusters whose usage protects images: `--cluster` (in the default
/// region), else every environment's cluster in its region.
fn clusters(config: &Config, args: &ProtectionArgs) -> Result<Vec<Cluster>, Error> {
    if !args.clusters.is_empty() {
        return Ok(args
            .clusters
            .iter()
            .map(|name| Cluster {
                name: name.clone(),
                region: config.region.clone(),
            })
            .collect());
    }
    let mut clusters: Vec<Cluster> = Vec::new();
    for env in config.environments.keys() {
        let cluster = Cluster {
            name: config.cluster(env)?,
            region: config.region(env),
        };
        if !clusters.contains(&cluster) {
            clusters.push(cluster);
        }
    }
    Ok(clusters)
}

/// The policy given by `--policy` or portfolio-ci.yaml, if any, read and
/// validated.
fn chosen_policy(config: &Config, arg: &PolicyArg) -> Result<Option<LoadedPolicy>, Error> {
    let (path, origin) = match (&arg.policy, &config.ecr.lifecycle_policy) {
        (Some(path), _) => (path.clone(), "--policy"),
        (None, Some(path)) => (config.resolve(path), "ecr.lifecycle_policy"),
        (None, None) => return Ok(None),
    };
    let policy = Policy::from_file(&path)?;
    Ok(Some(LoadedPolicy {
        policy,
        source: format!("{} ({origin})", path.display()),
        file: Some(path),
    }))
}

/// The chosen policy, else the built-in default.
fn policy_or_default(config: &Config, arg: &PolicyArg) -> Result<LoadedPolicy, Error> {
    match chosen_policy(config, arg)? {
        Some(loaded) => Ok(loaded),
        None => LoadedPolicy::default_policy(),
    }
}

#[cfg(test)]
mod tests;
