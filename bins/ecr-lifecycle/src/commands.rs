//! The four subcommands, and what they share: the run context (config,
//! Actions runtime, progress, AWS clients) and where the policy comes from.

mod apply;
mod enforce;
mod lint;
mod preview;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use portfolio_core::cli::{AwsArgs, GlobalArgs};
use portfolio_core::output::{Progress, print_json};
use portfolio_core::{Actions, Config, Exit};
use serde::Serialize;

use crate::calls::ApiCalls;
use crate::cli::{Cli, Command, PolicyArg, ProtectionArgs};
use crate::ecr::Ecr;
use crate::ecs::Ecs;
use crate::error::Error;
use crate::policy::Policy;

/// Runs the command line: the library's entry point.
pub async fn run(cli: Cli) -> Result<Exit, Error> {
    let config = Config::load(cli.global.config.as_deref())?;
    let context = Context {
        global: cli.global,
        aws: cli.aws,
        config,
        actions: Actions::from_env(),
        progress: Progress::new(),
        calls: Arc::new(ApiCalls::default()),
        sdk_configs: Mutex::new(HashMap::new()),
    };
    let work = async {
        match cli.command {
            Command::Lint(args) => lint::run(&context, &args),
            Command::Apply(args) => apply::run(&context, &args).await,
            Command::Preview(args) => preview::run(&context, &args).await,
            Command::Enforce(args) => enforce::run(&context, &args).await,
        }
    };
    let result = tokio::select! {
        result = work => result,
        signal = portfolio_core::signal::shutdown() => Err(Error::Interrupted(signal)),
    };
    context.progress.finish();
    result
}

/// What every subcommand works with.
pub struct Context {
    /// Global flags.
    pub global: GlobalArgs,
    /// AWS flags.
    pub aws: AwsArgs,
    /// portfolio-ci.yaml (or the defaults).
    pub config: Config,
    /// The GitHub Actions runtime.
    pub actions: Actions,
    /// Progress on stderr.
    pub progress: Progress,
    /// AWS calls made.
    pub calls: Arc<ApiCalls>,
    /// One SDK configuration (and so one credential chain) per configured
    /// region, shared by every client of the run.
    sdk_configs: Mutex<HashMap<Option<String>, aws_config::SdkConfig>>,
}

/// An ECS cluster whose usage protects images, and the region it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The cluster name.
    pub name: String,
    /// The configured region of its environment (`None`: the default).
    pub region: Option<String>,
}

impl Context {
    /// The SDK configuration for `configured` (an environment's region from
    /// portfolio-ci.yaml); `--region` and the AWS environment come first.
    async fn sdk(&self, configured: Option<String>) -> aws_config::SdkConfig {
        let cached =
            |configs: &HashMap<_, aws_config::SdkConfig>| configs.get(&configured).cloned();
        if let Some(sdk) = self.sdk_configs.lock().ok().and_then(|c| cached(&c)) {
            return sdk;
        }
        let sdk = portfolio_core::aws::load(
            self.aws.region.clone(),
            configured.clone(),
            self.aws.max_attempts,
        )
        .await;
        if let Ok(mut configs) = self.sdk_configs.lock() {
            configs.insert(configured, sdk.clone());
        }
        sdk
    }

    /// An ECR client for `configured` (see [`Context::region_of`]).
    pub async fn ecr(&self, configured: Option<String>) -> Ecr {
        let sdk = self.sdk(configured).await;
        Ecr::new(aws_sdk_ecr::Client::new(&sdk), self.calls.clone())
    }

    /// An ECS client for `configured`.
    pub async fn ecs(&self, configured: Option<String>) -> Ecs {
        let sdk = self.sdk(configured).await;
        Ecs::new(aws_sdk_ecs::Client::new(&sdk), self.calls.clone())
    }

    /// The configured region of `repository`: the region of the environment
    /// whose service repository it is, else the file's top-level region.
    pub fn region_of(&self, repository: &str) -> Option<String> {
        let config = &self.config;
        config
            .environments
            .keys()
            .find(|env| {
                config.service_names().iter().any(|service| {
                    config
                        .service(service, env)
                        .is_ok_and(|s| s.repository == repository)
                })
            })
            .map_or_else(|| config.region.clone(), |env| config.region(env))
    }

    /// Prints `value` as the `--json` result when asked.
    pub fn print_json<T: Serialize>(&self, value: &T) -> Result<(), Error> {
        if self.global.json {
            print_json(value)?;
        }
        Ok(())
    }

    /// Human lines on stderr (unless `--json`).
    pub fn lines(&self, lines: &[String]) {
        if !self.global.json {
            for line in lines {
                self.progress.line(line);
            }
        }
    }

    /// Writes step outputs and the summary (no-ops outside Actions).
    pub fn publish(&self, outputs: &[(&str, String)], summary: &str) -> Result<(), Error> {
        for (name, value) in outputs {
            self.actions.set_output(name, value)?;
        }
        self.actions.append_summary(summary)?;
        Ok(())
    }

    /// The clusters whose usage protects images: `--cluster` (in the
    /// default region), else every environment's cluster in its region.
    pub fn clusters(&self, args: &ProtectionArgs) -> Result<Vec<Cluster>, Error> {
        if !args.clusters.is_empty() {
            return Ok(args
                .clusters
                .iter()
                .map(|name| Cluster {
                    name: name.clone(),
                    region: self.config.region.clone(),
                })
                .collect());
        }
        let mut clusters: Vec<Cluster> = Vec::new();
        for env in self.config.environments.keys() {
            let cluster = Cluster {
                name: self.config.cluster(env)?,
                region: self.config.region(env),
            };
            if !clusters.contains(&cluster) {
                clusters.push(cluster);
            }
        }
        Ok(clusters)
    }

    /// The policy given by `--policy` or portfolio-ci.yaml, if any.
    pub fn chosen_policy(&self, arg: &PolicyArg) -> Result<Option<LoadedPolicy>, Error> {
        let (path, origin) = match (&arg.policy, &self.config.ecr.lifecycle_policy) {
            (Some(path), _) => (path.clone(), "--policy"),
            (None, Some(path)) => (self.config.resolve(path), "ecr.lifecycle_policy"),
            (None, None) => return Ok(None),
        };
        let policy = Policy::from_file(&path)?;
        Ok(Some(LoadedPolicy {
            policy,
            source: format!("{} ({origin})", path.display()),
        }))
    }

    /// The chosen policy, else the built-in default.
    pub fn policy_or_default(&self, arg: &PolicyArg) -> Result<LoadedPolicy, Error> {
        match self.chosen_policy(arg)? {
            Some(loaded) => Ok(loaded),
            None => LoadedPolicy::default_policy(),
        }
    }
}

/// A policy and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    /// The validated policy.
    pub policy: Policy,
    /// `lifecycle.json (--policy)`, `built-in default`, ...
    pub source: String,
}

impl LoadedPolicy {
    /// The built-in default policy.
    pub fn default_policy() -> Result<LoadedPolicy, Error> {
        Ok(LoadedPolicy {
            policy: Policy::default_policy()?,
            source: "built-in default (keep 10 v*, expire untagged after 7 days)".into(),
        })
    }

    /// A repository's current policy text.
    pub fn from_repository(repository: &str, text: &str) -> Result<LoadedPolicy, Error> {
        let label = format!("current lifecycle policy of {repository}");
        Ok(LoadedPolicy {
            policy: Policy::parse(text, Path::new(&label))?,
            source: label,
        })
    }
}
