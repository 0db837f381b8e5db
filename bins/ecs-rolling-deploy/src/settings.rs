//! Parse, then resolve: the command line, the environment and
//! portfolio-ci.yaml become one [`Settings`] (flags > environment > file >
//! built-in defaults): each service to deploy, the definition it will run,
//! and the deployment settings that apply to all of them. Every local input
//! (the configuration, task definition files and templates) is read,
//! rendered and validated here, before any AWS call; the run code never
//! sees clap types.

use std::path::{Path, PathBuf};
use std::time::Duration;

use portfolio_core::config::ServiceConfig;
use portfolio_core::release::Release;
use portfolio_core::{AwsSettings, Config, ConfigError, InvalidInput, RegionChoice};
use portfolio_taskdef::edits::{self, Pair};
use portfolio_taskdef::{KeepKeys, TaskDefinition};

use crate::cli::Cli;
use crate::definition::Render;
use crate::error::Error;

/// What a service will be updated to, as far as it is known before any
/// AWS call.
#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    /// A file or template, read, rendered, tagged and validated.
    Rendered(TaskDefinition),
    /// The service's live definition with the `--image` edits (read, edited
    /// and validated once the services are described).
    LiveWithImages,
    /// The live definition unchanged (`--force-new-deployment` alone).
    Live,
    /// A registered definition (`--task-definition-arn`), deployed as it is.
    Registered(String),
}

/// One service to deploy.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The name given on the command line (`backend`).
    pub key: String,
    /// ECS cluster.
    pub cluster: String,
    /// ECS service name.
    pub service: String,
    /// The service's resolved configuration, when portfolio-ci.yaml knows it.
    pub config: Option<ServiceConfig>,
    /// Smoke check URL, if any.
    pub health_url: Option<String>,
    /// The definition it will run.
    pub definition: Definition,
}

impl Target {
    /// `cluster/service`, for messages.
    pub fn label(&self) -> String {
        format!("{}/{}", self.cluster, self.service)
    }

    /// The task definition template from the configuration.
    pub fn template(&self) -> Option<&PathBuf> {
        self.config
            .as_ref()
            .and_then(|c| c.task_definition.as_ref())
    }
}

/// The deployment configuration fields the user set (a flag, else the
/// file's `deployment` section); UpdateService sends a
/// deploymentConfiguration only when one is set, merged into the
/// service's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    /// maximumPercent.
    pub maximum_percent: Option<i32>,
    /// minimumHealthyPercent.
    pub minimum_healthy_percent: Option<i32>,
    /// Circuit breaker on.
    pub circuit_breaker: Option<bool>,
    /// Circuit breaker rolls back.
    pub rollback: Option<bool>,
}

impl Overrides {
    /// True when nothing is set: the service's configuration is left alone.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }
}

/// Service settings UpdateService sets only when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceTags {
    /// `--enable-ecs-managed-tags`.
    pub enable_ecs_managed_tags: Option<bool>,
    /// `--propagate-tags`.
    pub propagate_tags: Option<String>,
}

/// Everything a run needs, resolved before any AWS call.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The environment.
    pub env: String,
    /// Services, in the order given (duplicates removed); none to only
    /// register [`Settings::register_only`].
    pub targets: Vec<Target>,
    /// The definition to register when no service is named.
    pub register_only: Option<RegisterOnly>,
    /// The deployment configuration fields to change.
    pub overrides: Overrides,
    /// The tag settings of the service to change.
    pub service_tags: ServiceTags,
    /// Follow the deployments (not `--no-wait`).
    pub wait: bool,
    /// `--max-poll-interval`.
    pub max_poll_interval: Option<Duration>,
    /// How long to follow.
    pub timeout: Duration,
    /// The AWS side, its region resolved.
    pub aws: AwsSettings,
    /// `--image` edits of a live definition.
    pub images: Vec<edits::Target<String>>,
    /// The tags every registered revision carries.
    pub tags: Vec<Pair>,
    /// The release this run deploys (commit, commit time, run), when a
    /// commit is known; recorded in [`Settings::tags`].
    pub release: Option<Release>,
    /// `--allow-older`.
    pub allow_older: bool,
    /// `--keep-null-value-keys`.
    pub keep_null_value_keys: KeepKeys,
    /// `--desired-count`.
    pub desired_count: Option<i32>,
    /// `--force-new-deployment`.
    pub force_new_deployment: bool,
    /// `--wait-for-rollback`.
    pub wait_for_rollback: bool,
    /// `--rollback-on-timeout`.
    pub rollback_on_timeout: bool,
    /// `--rollback-on-cancel`.
    pub rollback_on_cancel: bool,
    /// `--rollback-on-failure`.
    pub rollback_on_failure: bool,
    /// `--health-timeout`.
    pub health_timeout: Duration,
    /// `--log-lines`.
    pub log_lines: u32,
    /// `--github-deployment`.
    pub github_deployment: bool,
    /// `--run-task`: the one-off task before the update.
    pub run_task: Option<crate::run_task::TaskSettings>,
}

impl Settings {
    /// Resolves `cli`: loads portfolio-ci.yaml, settles the region (from
    /// the flag, the AWS environment and profile, the file; no AWS call),
    /// then [`Settings::from_config`].
    pub async fn resolve(cli: Cli) -> Result<Settings, Error> {
        let config = Config::load(cli.global.config.as_deref())?;
        let env = cli.env.name().to_owned();
        let configured = config.region(&env);
        let region = RegionChoice::resolve(cli.aws.region.clone(), configured).await;
        let mut settings = Settings::from_config(cli, &config, &region.name)?;
        settings.aws.chosen = Some(region);
        Ok(settings)
    }

    /// Resolves `cli` against `config`, in `region`: every service, the
    /// definition it will run (files and templates read, rendered and
    /// validated), the deployment settings.
    pub fn from_config(cli: Cli, config: &Config, region: &str) -> Result<Settings, Error> {
        let env = cli.env.name().to_owned();
        let overrides = overrides(&cli, config)?;
        let timeout = if let Some(timeout) = cli.timeout {
            timeout
        } else {
            let text = &config.deployment.timeout;
            humantime::parse_duration(text).map_err(|_| InvalidInput {
                source: config.source.clone(),
                line: None,
                field: "deployment.timeout".into(),
                reason: format!("'{text}' is not a duration such as 90s or 30m"),
            })?
        };
        let release = Release::discover(Path::new("."));
        let tags = tags(&cli, config, &env, release.as_ref());
        let render = Render {
            config,
            env: &env,
            region,
            images: &cli.images,
            vars: &cli.vars,
            tags: &tags,
        };
        let (targets, register_only) = match cli.services.services.is_empty() {
            false => (targets(&cli, config, &env, &render)?, None),
            true => (
                Vec::new(),
                Some(RegisterOnly {
                    definition: register_only(&cli, &render)?,
                    cluster: match &cli.cluster {
                        Some(cluster) => cluster.clone(),
                        None => config.cluster(&env)?,
                    },
                }),
            ),
        };
        let run_task = cli.run_task.resolve()?;
        let mut aws = cli.aws.settings(config.region(&env));
        aws.region = Some(region.to_owned());
        Ok(Settings {
            env,
            targets,
            register_only,
            overrides,
            service_tags: ServiceTags {
                enable_ecs_managed_tags: cli.enable_ecs_managed_tags,
                propagate_tags: cli.propagate_tags.clone(),
            },
            wait: !cli.no_wait,
            max_poll_interval: cli.max_poll_interval,
            timeout,
            aws,
            images: cli.images,
            tags,
            release,
            allow_older: cli.allow_older,
            keep_null_value_keys: keep_keys(&cli.keep_null_value_keys),
            desired_count: cli.desired_count,
            force_new_deployment: cli.force_new_deployment,
            wait_for_rollback: cli.wait_for_rollback,
            rollback_on_timeout: cli.rollback_on_timeout,
            rollback_on_cancel: cli.rollback_on_cancel,
            rollback_on_failure: cli.rollback_on_failure,
            health_timeout: cli.health_timeout,
            log_lines: cli.log_lines,
            github_deployment: cli.github_deployment,
            run_task,
        })
    }

    /// `ecs-rolling-deploy backend, frontend to prod`.
    pub fn describe(&self) -> String {
        if self.targets.is_empty() {
            return format!(
                "ecs-rolling-deploy: register a task definition for {}",
                self.env
            );
        }
        let names: Vec<&str> = self.targets.iter().map(|t| t.key.as_str()).collect();
        format!("ecs-rolling-deploy {} to {}", names.join(", "), self.env)
    }
}

/// `--keep-null-value-keys`, every list given.
fn keep_keys(lists: &[String]) -> KeepKeys {
    let mut keep = KeepKeys::none();
    keep.extend(lists.iter().map(String::as_str));
    keep
}

/// The services, each with its names from the configuration and the
/// definition it will run.
fn targets(
    cli: &Cli,
    config: &Config,
    env: &str,
    render: &Render<'_>,
) -> Result<Vec<Target>, Error> {
    if cli.desired_count.is_some_and(|n| n < 0) {
        return Err(InvalidInput::new("--desired-count", "expected 0 or more").into());
    }
    let env_cluster = match &cli.cluster {
        Some(cluster) => cluster.clone(),
        None => config.cluster(env)?,
    };
    let mut targets: Vec<Target> = Vec::new();
    for key in &cli.services.services {
        if key.trim().is_empty() {
            return Err(InvalidInput::new("--service", "must not be empty").into());
        }
        if targets.iter().any(|t| &t.key == key) {
            continue;
        }
        let service_config = match config.service(key, env) {
            Ok(service) => Some(service),
            // A service the file does not list is fine when it is named
            // explicitly in a given cluster (CI use).
            Err(ConfigError::UnknownService { .. }) if cli.cluster.is_some() => None,
            Err(err) => return Err(err.into()),
        };
        let health_url = match (&cli.health_url, cli.no_health_check) {
            (_, true) => None,
            (Some(url), false) => Some(url.clone()),
            (None, false) => service_config.as_ref().and_then(|s| s.health_url.clone()),
        };
        let mut target = Target {
            key: key.clone(),
            cluster: match (&cli.cluster, &service_config) {
                (None, Some(s)) => s.cluster.clone(),
                _ => env_cluster.clone(),
            },
            service: service_config
                .as_ref()
                .map_or_else(|| key.clone(), |s| s.service.clone()),
            config: service_config,
            health_url,
            definition: Definition::Live,
        };
        target.definition = definition(cli, &target, render)?;
        targets.push(target);
    }
    Ok(targets)
}

/// A run without `--service`: the definition to register, and the cluster
/// where `--run-task` runs it.
#[derive(Debug, Clone)]
pub struct RegisterOnly {
    /// The definition, from `--task-definition` or `--template`.
    pub definition: TaskDefinition,
    /// `--cluster`, else the environment's cluster.
    pub cluster: String,
}

/// Without `--service`: the definition to register only, from
/// `--task-definition` or `--template`.
fn register_only(cli: &Cli, render: &Render<'_>) -> Result<TaskDefinition, Error> {
    check_vars(cli)?;
    match (&cli.task_definition, &cli.template) {
        (Some(path), _) => render.definition(path, None),
        (None, Some(path)) => render.template(path, None),
        (None, None) => Err(InvalidInput::new(
            "--service",
            "name at least one service to deploy (or set PORTFOLIO_CI_SERVICE), or give \
             --task-definition FILE or --template FILE without a service to only register it",
        )
        .into()),
    }
}

/// `--var` fills a template's placeholders: with a definition file (which
/// is registered as written) it would silently do nothing.
fn check_vars(cli: &Cli) -> Result<(), Error> {
    match (&cli.task_definition, cli.vars.is_empty()) {
        (Some(path), false) => Err(InvalidInput::new(
            "--var",
            format!(
                "{} is a task definition, registered as written: --var only fills the \
                 ${{NAME}} placeholders of a template (give it as --template FILE)",
                path.display()
            ),
        )
        .into()),
        _ => Ok(()),
    }
}

/// Where the definition of `target` comes from; files and templates are
/// read, rendered and validated now.
fn definition(cli: &Cli, target: &Target, render: &Render<'_>) -> Result<Definition, Error> {
    check_vars(cli)?;
    if let Some(arn) = &cli.task_definition_arn {
        return Ok(Definition::Registered(arn.clone()));
    }
    match (&cli.task_definition, &cli.template, cli.images.is_empty()) {
        (Some(path), _, _) => Ok(Definition::Rendered(render.definition(path, Some(target))?)),
        (None, Some(path), _) => Ok(Definition::Rendered(render.template(path, Some(target))?)),
        (None, None, false) => Ok(Definition::LiveWithImages),
        (None, None, true) => match target.template() {
            Some(path) => Ok(Definition::Rendered(render.template(path, Some(target))?)),
            None if cli.force_new_deployment => Ok(Definition::Live),
            None => Err(InvalidInput::new(
                "--task-definition",
                format!(
                    "nothing to deploy to {}: give --task-definition FILE or --image \
                     [CONTAINER=]URI, set services.{}.task_definition in portfolio-ci.yaml, \
                     or --force-new-deployment to restart the live definition",
                    target.label(),
                    target.key
                ),
            )
            .into()),
        },
    }
}

/// The deployment configuration fields set by a flag, else by the file;
/// the built-in defaults set none.
fn overrides(cli: &Cli, config: &Config) -> Result<Overrides, Error> {
    let d = &config.deployment;
    let overrides = Overrides {
        maximum_percent: cli.maximum_percent.or(d.maximum_percent),
        minimum_healthy_percent: cli.minimum_healthy_percent.or(d.minimum_healthy_percent),
        circuit_breaker: cli.circuit_breaker.or(d.circuit_breaker),
        rollback: cli.rollback.or(d.rollback),
    };
    if let Some(max) = overrides.maximum_percent
        && !(100..=200).contains(&max)
    {
        return Err(InvalidInput::new(
            "--maximum-percent",
            format!("{max} is out of range: expected 100 to 200"),
        )
        .into());
    }
    if let Some(min) = overrides.minimum_healthy_percent
        && !(0..=100).contains(&min)
    {
        return Err(InvalidInput::new(
            "--minimum-healthy-percent",
            format!("{min} is out of range: expected 0 to 100"),
        )
        .into());
    }
    Ok(overrides)
}

/// `--task-definition-arn`: a task definition ARN
/// (`arn:PARTITION:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION`) or
/// `FAMILY:REVISION`.
pub fn parse_task_definition_arn(text: &str) -> Result<String, String> {
    let reference = match text.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            match parts.as_slice() {
                [partition, "ecs", region, account, resource]
                    if !partition.is_empty()
                        && !region.is_empty()
                        && account.len() == 12
                        && account.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    resource.strip_prefix("task-definition/")
                }
                _ => None,
            }
        }
        None => Some(text),
    };
    let valid = reference
        .and_then(|r| r.rsplit_once(':'))
        .is_some_and(|(family, revision)| {
            edits::is_container_name(family)
                && revision.parse::<u32>().is_ok_and(|n| n > 0)
                && revision.bytes().all(|b| b.is_ascii_digit())
        });
    match valid {
        true => Ok(text.to_owned()),
        false => Err(format!(
            "'{text}' is not a task definition ARN \
             (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION) or FAMILY:REVISION"
        )),
    }
}

/// The tags every registered revision carries: the project's, the
/// release's (commit, commit time, run), then `--tag`. The service tag is
/// added at registration, once it is known which services share the
/// revision.
fn tags(cli: &Cli, config: &Config, env: &str, release: Option<&Release>) -> Vec<Pair> {
    let mut tags = vec![
        Pair::new("portfolio-ci:project", &config.project),
        Pair::new("portfolio-ci:env", env),
        Pair::new("portfolio-ci:deployed-by", "ecs-rolling-deploy"),
    ];
    tags.extend(
        release
            .iter()
            .flat_map(|r| r.tags())
            .map(|(key, value)| Pair::new(key, value)),
    );
    tags.extend(cli.tags.iter().cloned());
    tags
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut all = vec!["ecs-rolling-deploy"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap()
    }

    fn plan(cli: Cli, config: &Config) -> Result<Settings, Error> {
        Settings::from_config(cli, config, "us-east-1")
    }

    #[test]
    fn local_defaults_come_from_the_architecture() {
        let plan = plan(
            cli(&["--service", "backend", "--force-new-deployment"]),
            &Config::default(),
        )
        .unwrap();
        let target = &plan.targets[0];
        assert_eq!(target.cluster, "portfolio-dev");
        assert_eq!(target.service, "backend");
        // The service's own deployment configuration stays: nothing to send.
        assert!(plan.overrides.is_empty(), "{:?}", plan.overrides);
        assert_eq!(plan.service_tags, ServiceTags::default());
        assert!(plan.wait);
        assert_eq!(plan.timeout, Duration::from_secs(30 * 60));
        assert_eq!(target.health_url, None);
    }

    #[test]
    fn flags_override_the_configuration() {
        let plan = plan(
            cli(&[
                "--force-new-deployment",
                "--service",
                "api",
                "--service",
                "api",
                "--cluster",
                "c1",
                "--env",
                "prod",
                "--rollback",
                "false",
                "--maximum-percent",
                "150",
                "--timeout",
                "90s",
                "--health-url",
                "http://x/health",
            ]),
            &Config::default(),
        )
        .unwrap();
        assert_eq!(plan.targets.len(), 1);
        assert_eq!(plan.targets[0].label(), "c1/api");
        assert_eq!(
            plan.targets[0].health_url.as_deref(),
            Some("http://x/health")
        );
        assert_eq!(
            plan.overrides,
            Overrides {
                maximum_percent: Some(150),
                rollback: Some(false),
                ..Overrides::default()
            }
        );
        assert_eq!(plan.timeout, Duration::from_secs(90));
    }

    #[test]
    fn unknown_service_without_cluster_and_bad_percent_are_usage_errors() {
        use portfolio_core::Failure;
        let err = plan(cli(&["--service", "nope"]), &Config::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("nope"), "{err}");
        let err = plan(
            cli(&["--service", "backend", "--maximum-percent", "300"]),
            &Config::default(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--maximum-percent"), "{err}");
    }

    #[test]
    fn a_service_or_a_definition_to_register_is_required() {
        use portfolio_core::Failure;
        let err = plan(cli(&[]), &Config::default()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("--service: "), "{err}");
        assert!(err.to_string().contains("only register"), "{err}");
    }

    #[test]
    fn the_file_sets_only_the_deployment_fields_it_names() {
        let config = Config::from_yaml(
            "deployment: {circuit_breaker: false}\n",
            std::path::Path::new("portfolio-ci.yaml"),
            std::path::Path::new("."),
        )
        .unwrap();
        let plan = plan(
            cli(&[
                "--service",
                "backend",
                "--force-new-deployment",
                "--rollback",
                "true",
            ]),
            &config,
        )
        .unwrap();
        assert_eq!(
            plan.overrides,
            Overrides {
                circuit_breaker: Some(false),
                rollback: Some(true),
                ..Overrides::default()
            }
        );
    }

    #[test]
    fn task_definition_arns_are_checked() {
        for good in [
            "portfolio-dev-backend:12",
            "arn:aws:ecs:us-east-1:123456789012:task-definition/portfolio-dev-backend:3",
            "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/x_y:1",
        ] {
            assert_eq!(parse_task_definition_arn(good).as_deref(), Ok(good));
        }
        for bad in [
            "portfolio-dev-backend",
            "backend:0",
            "backend:latest",
            "backend:+1",
            "a b:1",
            "arn:aws:ecs:us-east-1:123:task-definition/x:1",
            "arn:aws:ecs:us-east-1:123456789012:service/c/x:1",
            "arn:aws:iam::123456789012:task-definition/x:1",
        ] {
            let err = parse_task_definition_arn(bad).unwrap_err();
            assert!(err.contains("is not a task definition ARN"), "{bad}: {err}");
        }
    }

    #[test]
    fn task_definition_files_are_read_and_rendered_before_any_aws_call() {
        use portfolio_core::Failure;
        let err = plan(
            cli(&[
                "--service",
                "backend",
                "--task-definition",
                "/nonexistent.json",
            ]),
            &Config::default(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("/nonexistent.json"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("td.json");
        std::fs::write(
            &file,
            r#"{"family": "portfolio-dev-backend", "containerDefinitions": [{"name": "backend",
                "image": "r/b:1", "command": ["sh", "-c", "echo ${HOME}"]}]}"#,
        )
        .unwrap();
        let rendered = |flag: &str| {
            let plan = plan(
                cli(&["--service", "backend", flag, file.to_str().unwrap()]),
                &Config::default(),
            )
            .unwrap();
            let Definition::Rendered(definition) = &plan.targets[0].definition else {
                panic!("{:?}", plan.targets[0].definition)
            };
            assert!(
                definition.as_map()["tags"]
                    .to_string()
                    .contains("portfolio-ci:deployed-by")
            );
            definition.clone()
        };
        // A template is rendered; ${HOME} has no value.
        let err = plan(
            cli(&["--service", "backend", "--template", file.to_str().unwrap()]),
            &Config::default(),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("HOME"), "{err}");
        // A definition file is registered as written.
        let definition = rendered("--task-definition");
        assert_eq!(
            definition.container("backend").unwrap()["command"],
            serde_json::json!(["sh", "-c", "echo ${HOME}"])
        );
    }
}
