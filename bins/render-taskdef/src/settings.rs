//! Parse, then resolve: the command line, the environment and
//! portfolio-ci.yaml become one [`Settings`]. Flags win over environment
//! variables, which win over portfolio-ci.yaml, which wins over the
//! built-in defaults. Every local input (the configuration, dotenv files)
//! is read and checked here, before any AWS call.

use std::fmt;
use std::path::{Path, PathBuf};

use portfolio_core::config::ServiceConfig;
use portfolio_core::{AwsSettings, Config, InvalidInput, RegionChoice};
use portfolio_taskdef::placeholders::{Vars, built_ins};
use portfolio_taskdef::{Context, Edits, LogDefaults};

use crate::cli::Cli;
use crate::error::Error;

/// Where the definition comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--task-definition FILE` (`-`: stdin).
    File(PathBuf),
    /// The service's template in portfolio-ci.yaml.
    Template(PathBuf),
    /// `--from-service`.
    Service {
        /// ECS cluster.
        cluster: String,
        /// ECS service.
        service: String,
    },
    /// `--family FAMILY[:REVISION]`.
    Family(String),
}

impl Source {
    /// True for templates, whose `${NAME}` placeholders are resolved.
    pub fn is_template(&self) -> bool {
        matches!(self, Source::File(_) | Source::Template(_))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) | Source::Template(path) => write!(f, "{}", path.display()),
            Source::Service { cluster, service } => write!(f, "service {cluster}/{service}"),
            Source::Family(family) => write!(f, "task definition {family}"),
        }
    }
}

/// Everything a run needs, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The definition to render.
    pub source: Source,
    /// What to change.
    pub edits: Edits,
    /// Default container, awslogs defaults and placeholder values.
    pub context: Context,
    /// The AWS side (`--from-service`, `--family`), its region resolved.
    pub aws: AwsSettings,
    /// `--output`.
    pub output: Option<PathBuf>,
    /// `--diff`.
    pub diff: bool,
    /// `--strict`: placeholders left for another step are an error.
    pub strict: bool,
    /// Warnings about the command line (deprecated spellings).
    pub warnings: Vec<String>,
}

/// The configuration as far as this run needs it.
struct Scope {
    config: Config,
    env: String,
    service: Option<ServiceConfig>,
}

impl Settings {
    /// Resolves `cli` (and the `warnings` its parsing produced).
    pub async fn resolve(cli: Cli, warnings: Vec<String>) -> Result<Settings, Error> {
        let scope = scope(&cli)?;
        let source = source(&cli, scope.as_ref())?;
        let mut edits = Edits {
            containers: cli.container.clone(),
            environment_files: cli.environment_file.clone(),
            log_drivers: cli.log_driver.clone(),
            images: cli.image.clone(),
            unset_env: cli.unset_env.clone(),
            secrets: cli.secret.clone(),
            docker_labels: cli.docker_label.clone(),
            commands: cli.command.clone(),
            log_options: cli.log_option.clone(),
            cpu: cli.cpu.clone(),
            memory: cli.memory.clone(),
            task_role_arn: cli.task_role_arn.clone(),
            execution_role_arn: cli.execution_role_arn.clone(),
            tags: cli.tag.clone(),
            ..Edits::default()
        };
        for file in &cli.env_file {
            edits.add_env_file(file.container.as_deref(), Path::new(&file.value))?;
        }
        edits.env.extend(cli.env_var.iter().cloned());

        // The one region of the ECS client, awslogs and `${REGION}`:
        // --region, portfolio-ci.yaml, the AWS environment and profile,
        // then the spec's region.
        let configured = scope.as_ref().and_then(|s| s.config.region(&s.env));
        let region = RegionChoice::resolve(cli.aws.region.clone(), configured).await;
        let context = context(&cli, scope.as_ref(), &region.name, source.is_template());
        let mut aws = cli.aws.settings(None);
        aws.chosen = Some(region);
        Ok(Settings {
            source,
            edits,
            context,
            aws,
            output: cli.output,
            diff: cli.diff,
            strict: cli.strict,
            warnings,
        })
    }
}

/// Loads portfolio-ci.yaml when the run names an environment or a service.
fn scope(cli: &Cli) -> Result<Option<Scope>, Error> {
    let service = cli.service.service.as_deref();
    if cli.env.env.is_none() && service.is_none() {
        return Ok(None);
    }
    let config = Config::load(cli.global.config.as_deref())?;
    let env = cli.env.name().to_owned();
    config.environment(&env)?;
    let service = match service {
        Some(name) => Some(config.service(name, &env)?),
        None => None,
    };
    Ok(Some(Scope {
        config,
        env,
        service,
    }))
}

fn source(cli: &Cli, scope: Option<&Scope>) -> Result<Source, Error> {
    let service = scope.and_then(|s| s.service.as_ref());
    if let Some(path) = &cli.task_definition {
        return Ok(Source::File(path.clone()));
    }
    if let Some(family) = &cli.family {
        return Ok(Source::Family(family.clone()));
    }
    if let Some(named) = &cli.from_service {
        let (cluster, name) = match (named.split_once('/'), service) {
            (Some((cluster, name)), _) => (cluster.to_owned(), name.to_owned()),
            (None, _) if !named.is_empty() => (
                scope.map_or(Ok("default".to_owned()), |s| s.config.cluster(&s.env))?,
                named.clone(),
            ),
            (None, Some(service)) => (service.cluster.clone(), service.service.clone()),
            (None, None) => {
                return Err(InvalidInput::new(
                    "--from-service",
                    "name the service ([CLUSTER/]SERVICE) or give --service and --env",
                )
                .into());
            }
        };
        if cluster.is_empty() || name.is_empty() {
            return Err(InvalidInput::new(
                "--from-service",
                format!("expected [CLUSTER/]SERVICE, got '{named}'"),
            )
            .into());
        }
        return Ok(Source::Service {
            cluster,
            service: name,
        });
    }
    match (service, scope) {
        (Some(service), Some(scope)) => match &service.task_definition {
            Some(path) => Ok(Source::Template(path.clone())),
            None => Err(InvalidInput {
                source: scope.config.source.clone(),
                line: None,
                field: format!("services.{}.task_definition", service.name),
                reason: "not set: set it, or give --task-definition, --from-service or --family"
                    .into(),
            }
            .into()),
        },
        _ => Err(InvalidInput::new(
            "source",
            "give --task-definition FILE, --from-service [CLUSTER/]SERVICE, --family FAMILY, or --service with --env",
        )
        .into()),
    }
}

fn context(cli: &Cli, scope: Option<&Scope>, region: &str, template: bool) -> Context {
    let service = scope.and_then(|s| s.service.as_ref());
    let mut vars = scope.map_or_else(Vars::new, |scope| {
        built_ins(&scope.config, &scope.env, region, service)
    });
    for var in &cli.var {
        vars.insert(var.name.clone(), var.value.clone());
    }
    Context {
        default_container: service.map(|s| s.container.clone()),
        log_defaults: service.map(|s| LogDefaults {
            group: s.log_group.clone(),
            region: region.to_owned(),
            stream_prefix: s.log_stream_prefix.clone(),
        }),
        vars: template.then_some(vars),
    }
}
