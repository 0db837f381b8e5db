//! One run of the tool: pick the source, load it, render, validate, write,
//! report. Flags win over environment variables, which win over
//! portfolio-ci.yaml, which wins over the built-in defaults.

use std::fmt;
use std::path::{Path, PathBuf};

use portfolio_core::config::ServiceConfig;
use portfolio_core::output::{Progress, print_json};
use portfolio_core::{Actions, Config, Exit, InvalidInput};
use serde_json::json;

use crate::cli::Args;
use crate::edits::Edits;
use crate::error::RenderError;
use crate::live;
use crate::output;
use crate::placeholders::{Vars, built_ins};
use crate::render::{Context, LogDefaults, render};
use crate::taskdef::TaskDefinition;
use crate::validate::validate;

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

/// The configuration as far as this run needs it.
struct Setting {
    config: Config,
    env: String,
    service: Option<ServiceConfig>,
}

/// Runs render-taskdef with parsed arguments.
pub async fn run(args: Args) -> Result<Exit, RenderError> {
    let actions = Actions::from_env();
    let progress = Progress::new();
    let setting = setting(&args)?;
    let source = source(&args, setting.as_ref())?;
    let mut edits = Edits {
        images: args.image.clone(),
        unset_env: args.unset_env.clone(),
        secrets: args.secret.clone(),
        docker_labels: args.docker_label.clone(),
        commands: args.command.clone(),
        log_options: args.log_option.clone(),
        cpu: args.cpu.clone(),
        memory: args.memory.clone(),
        task_role_arn: args.task_role_arn.clone(),
        execution_role_arn: args.execution_role_arn.clone(),
        tags: args.tag.clone(),
        ..Edits::default()
    };
    for file in &args.env_file {
        edits.add_env_file(file.container.as_deref(), Path::new(&file.value))?;
    }
    edits.env.extend(args.env_vars().cloned());

    if !source.is_template() {
        progress.status(&format!("loading {source}"));
    }
    let region = region(&args, setting.as_ref()).await;
    let mut definition = load(&source, &args, &region).await?;
    let mut before = definition.clone();
    before.strip_read_only();
    let context = context(&args, setting.as_ref(), &region, source.is_template());
    render(&mut definition, &edits, &context)?;
    definition.strip_read_only();
    validate(&definition)?;

    let text = definition.to_json_string();
    let before_text = before.to_json_string();
    let diff = args
        .diff
        .then(|| output::unified_diff(&before_text, &text, &source.to_string(), "rendered"));
    let family = definition.family().unwrap_or("task-definition").to_owned();
    let path = match (&args.output, actions.runner_temp()) {
        (Some(path), _) => {
            output::write_atomically(path, &text)?;
            Some(path.clone())
        }
        (None, Some(dir)) => Some(output::write_new_file(dir, &family, &text)?),
        (None, None) => None,
    };
    progress.finish();

    if let Some(path) = &path {
        set_output(&actions, "task-definition", &path.display().to_string())?;
    }
    if let Some(diff) = &diff {
        let _group = actions.group(&format!("diff against {source}"));
        eprint!("{}", if diff.is_empty() { "no change\n" } else { diff });
    }
    let images = definition.images();
    let summary = summary(&source, &family, &images, path.as_deref(), diff.as_deref());
    actions
        .append_summary(&summary)
        .map_err(|source| RenderError::Write {
            path: PathBuf::from("$GITHUB_STEP_SUMMARY"),
            source,
        })?;
    let destination = path
        .as_ref()
        .map_or("stdout".to_owned(), |p| p.display().to_string());
    progress.line(&format!("rendered {family} from {source} to {destination}"));

    if args.global.json {
        let mut result = json!({
            "path": path,
            "source": source.to_string(),
            "family": family,
            "images": images.iter().map(|(c, i)| json!({"container": c, "image": i})).collect::<Vec<_>>(),
            "changed": before_text != text,
        });
        if let Some(diff) = diff {
            result["diff"] = json!(diff);
        }
        if path.is_none() {
            result["taskDefinition"] = definition.into_value();
        }
        print_json(&result).map_err(|source| RenderError::Write {
            path: PathBuf::from("-"),
            source,
        })?;
    } else if path.is_none() {
        output::write_stdout(&text)?;
    }
    Ok(Exit::OK)
}

fn set_output(actions: &Actions, name: &str, value: &str) -> Result<(), RenderError> {
    actions
        .set_output(name, value)
        .map_err(|source| RenderError::Write {
            path: PathBuf::from("$GITHUB_OUTPUT"),
            source,
        })
}

/// Loads portfolio-ci.yaml when the run names an environment or a service.
fn setting(args: &Args) -> Result<Option<Setting>, RenderError> {
    let env = args.environment()?;
    if env.is_none() && args.service.is_none() {
        return Ok(None);
    }
    let config = Config::load(args.global.config.as_deref())?;
    let Some(env) = env else {
        return Err(InvalidInput::new(
            "--env",
            format!(
                "--service needs an environment: --env ENV or $PORTFOLIO_CI_ENV (configured: {})",
                config
                    .environments
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into());
    };
    config.environment(&env)?;
    let service = match &args.service {
        Some(name) => Some(config.service(name, &env)?),
        None => None,
    };
    Ok(Some(Setting {
        config,
        env,
        service,
    }))
}

fn source(args: &Args, setting: Option<&Setting>) -> Result<Source, RenderError> {
    let service = setting.and_then(|s| s.service.as_ref());
    if let Some(path) = &args.task_definition {
        return Ok(Source::File(path.clone()));
    }
    if let Some(family) = &args.family {
        return Ok(Source::Family(family.clone()));
    }
    if let Some(named) = &args.from_service {
        let (cluster, name) = match (named.split_once('/'), service) {
            (Some((cluster, name)), _) => (cluster.to_owned(), name.to_owned()),
            (None, _) if !named.is_empty() => (
                setting.map_or(Ok("default".to_owned()), |s| s.config.cluster(&s.env))?,
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
    match (service, setting) {
        (Some(service), Some(setting)) => match &service.task_definition {
            Some(path) => Ok(Source::Template(path.clone())),
            None => Err(RenderError::Invalid(InvalidInput {
                source: setting.config.source.clone(),
                line: None,
                field: format!("services.{}.task_definition", service.name),
                reason: "not set: set it, or give --task-definition, --from-service or --family".into(),
            })),
        },
        _ => Err(InvalidInput::new(
            "source",
            "give --task-definition FILE, --from-service [CLUSTER/]SERVICE, --family FAMILY, or --service with --env",
        )
        .into()),
    }
}

async fn load(source: &Source, args: &Args, region: &str) -> Result<TaskDefinition, RenderError> {
    match source {
        Source::File(path) | Source::Template(path) => {
            let origin = path.display().to_string();
            let read = if origin == "-" {
                std::io::read_to_string(std::io::stdin())
            } else {
                std::fs::read_to_string(path)
            };
            let text = read.map_err(|source| RenderError::Read {
                path: path.clone(),
                source,
            })?;
            TaskDefinition::parse(&text, &origin)
        }
        Source::Service { cluster, service } => {
            let client = ecs_client(args, region).await;
            live::load_service(&client, cluster, service).await
        }
        Source::Family(family) => {
            let client = ecs_client(args, region).await;
            live::load_family(&client, family).await
        }
    }
}

async fn ecs_client(args: &Args, region: &str) -> aws_sdk_ecs::Client {
    let sdk = portfolio_core::aws::load(Some(region.to_owned()), None, args.aws.max_attempts).await;
    aws_sdk_ecs::Client::new(&sdk)
}

/// The region of the ECS client, awslogs and `${REGION}`, resolved once:
/// --region, the AWS environment and profile, portfolio-ci.yaml, then the
/// spec's region.
async fn region(args: &Args, setting: Option<&Setting>) -> String {
    let configured = setting.and_then(|s| s.config.region(&s.env));
    portfolio_core::aws::region(args.aws.region.clone(), configured).await
}

fn context(args: &Args, setting: Option<&Setting>, region: &str, template: bool) -> Context {
    let service = setting.and_then(|s| s.service.as_ref());
    let mut vars = setting.map_or_else(Vars::new, |setting| {
        built_ins(&setting.config, &setting.env, region, service)
    });
    for var in &args.var {
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

/// The job summary: source, family, images, where it went, the diff.
fn summary(
    source: &Source,
    family: &str,
    images: &[(String, String)],
    path: Option<&Path>,
    diff: Option<&str>,
) -> String {
    let mut text = format!(
        "### render-taskdef: `{family}`\n\nSource: {source}\n\n| container | image |\n| --- | --- |\n"
    );
    for (container, image) in images {
        text.push_str(&format!("| {container} | `{image}` |\n"));
    }
    if let Some(path) = path {
        text.push_str(&format!("\nWritten to `{}`\n", path.display()));
    }
    match diff {
        Some("") => text.push_str("\nNo change against the source.\n"),
        Some(diff) => text.push_str(&format!("\n<details><summary>Diff against the source</summary>\n\n```diff\n{diff}```\n</details>\n")),
        None => {}
    }
    text
}
