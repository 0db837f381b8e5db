//! The task definition each service will run: a file, the service's
//! template from portfolio-ci.yaml, or the live definition with new images.
//! render-taskdef's library reads, edits and validates it; this module
//! picks the source, adds the deployment tags, and registers each distinct
//! definition once (services with the same definition share a revision,
//! tagged with all their names).

use portfolio_core::{Config, InvalidInput};
use portfolio_taskdef::TaskDefinition;
use portfolio_taskdef::edits::{Edits, Pair};
use portfolio_taskdef::live;
use portfolio_taskdef::placeholders::{self, Vars};
use portfolio_taskdef::render::{self, Context, LogDefaults};
use portfolio_taskdef::validate::validate;
use serde_json::{Value, json};

use crate::cli::Cli;
use crate::error::DeployError;
use crate::target::Target;

/// What a service will be updated to.
#[derive(Debug, Clone)]
pub enum Source {
    /// A definition to register.
    Register(TaskDefinition),
    /// The live definition, unchanged (--force-new-deployment alone).
    Live(String),
}

/// Builds the definition of `target` (nothing is registered yet).
pub async fn build(
    cli: &Cli,
    config: &Config,
    region: &str,
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    live_arn: &str,
) -> Result<Source, DeployError> {
    let edits = Edits {
        images: cli.images.clone(),
        ..Edits::default()
    };
    let (mut definition, template) = match (&cli.task_definition, cli.images.is_empty()) {
        (Some(path), _) => (read(path)?, true),
        (None, false) => (
            live::load_service(ecs, &target.cluster, &target.service).await?,
            false,
        ),
        (None, true) => match target.template() {
            Some(path) => (read(path)?, true),
            None if cli.force_new_deployment => return Ok(Source::Live(live_arn.to_owned())),
            None => {
                return Err(InvalidInput::new(
                    "--task-definition",
                    format!(
                        "nothing to deploy to {}: give --task-definition FILE or --image \
                         [CONTAINER=]URI, set services.{}.task_definition in portfolio-ci.yaml, \
                         or --force-new-deployment to restart the live definition",
                        target.label(),
                        target.key
                    ),
                )
                .into());
            }
        },
    };
    let context = Context {
        default_container: target.config.as_ref().map(|c| c.container.clone()),
        log_defaults: target
            .config
            .as_ref()
            .filter(|_| template)
            .map(|c| LogDefaults {
                group: c.log_group.clone(),
                region: region.to_owned(),
                stream_prefix: c.log_stream_prefix.clone(),
            }),
        vars: template.then(|| vars(cli, config, region, target)),
    };
    render::render(&mut definition, &edits, &context)?;
    add_tags(&mut definition, &tags(cli, config));
    validate(&definition)?;
    Ok(Source::Register(definition))
}

fn read(path: &std::path::Path) -> Result<TaskDefinition, DeployError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        InvalidInput::in_file(
            path,
            "(file)",
            format!("cannot read the task definition: {err}"),
        )
    })?;
    Ok(TaskDefinition::parse(&text, &path.display().to_string())?)
}

/// The placeholder values of a template: the built-in names, then `--var`.
fn vars(cli: &Cli, config: &Config, region: &str, target: &Target) -> Vars {
    let mut vars = placeholders::built_ins(config, &cli.env, region, target.config.as_ref());
    vars.insert("CLUSTER".to_owned(), target.cluster.clone());
    vars.insert("SERVICE".to_owned(), target.key.clone());
    for Pair { name, value } in &cli.vars {
        vars.insert(name.clone(), value.clone());
    }
    vars
}

/// The tags every registered revision carries, then `--tag`. The service
/// tag is added at registration, once it is known which services share the
/// revision.
fn tags(cli: &Cli, config: &Config) -> Vec<Pair> {
    let mut tags = vec![
        Pair::new("portfolio-ci:project", &config.project),
        Pair::new("portfolio-ci:env", &cli.env),
        Pair::new("portfolio-ci:deployed-by", "ecs-rolling-deploy"),
    ];
    if let Ok(sha) = std::env::var("GITHUB_SHA")
        && !sha.is_empty()
    {
        tags.push(Pair::new("portfolio-ci:commit", sha));
    }
    tags.extend(cli.tags.iter().cloned());
    tags
}

/// Sets each tag in the definition's `tags` (replacing the same key in place).
pub fn add_tags(definition: &mut TaskDefinition, tags: &[Pair]) {
    let doc = definition.as_map_mut();
    let list = doc.entry("tags").or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    let Value::Array(items) = list else { return };
    for tag in tags {
        let entry = json!({"key": tag.name, "value": tag.value});
        match items
            .iter_mut()
            .find(|item| item.get("key").and_then(Value::as_str) == Some(tag.name.as_str()))
        {
            Some(item) => *item = entry,
            None => items.push(entry),
        }
    }
}

/// The tag naming the services that run a revision.
pub const SERVICE_TAG: &str = "portfolio-ci:service";

/// Registers each distinct definition once, tagged with the names of the
/// services that deploy it (space-separated); returns the ARN per source,
/// in order.
pub async fn register_all(
    ecs: &aws_sdk_ecs::Client,
    targets: &[Target],
    sources: &[Source],
) -> Result<Vec<String>, DeployError> {
    // Distinct definitions, each with the indexes of the sources using it.
    let mut distinct: Vec<(&TaskDefinition, Vec<usize>)> = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        if let Source::Register(definition) = source {
            match distinct
                .iter_mut()
                .find(|(known, _)| known.as_map() == definition.as_map())
            {
                Some((_, users)) => users.push(index),
                None => distinct.push((definition, vec![index])),
            }
        }
    }
    let mut arns: Vec<String> = sources
        .iter()
        .map(|source| match source {
            Source::Live(arn) => arn.clone(),
            Source::Register(_) => String::new(),
        })
        .collect();
    for (definition, users) in distinct {
        let names: Vec<&str> = users
            .iter()
            .filter_map(|&i| targets.get(i).map(|t| t.key.as_str()))
            .collect();
        let mut tagged = definition.clone();
        add_tags(&mut tagged, &[Pair::new(SERVICE_TAG, names.join(" "))]);
        let arn = register(ecs, &tagged).await?;
        for &i in &users {
            arns[i].clone_from(&arn);
        }
    }
    Ok(arns)
}

async fn register(
    ecs: &aws_sdk_ecs::Client,
    definition: &TaskDefinition,
) -> Result<String, DeployError> {
    live::register_task_definition(ecs, definition)
        .await
        .map_err(|err| match err {
            // ECS's refusal of the definition itself: the input is at fault.
            portfolio_taskdef::Error::Aws(aws)
                if aws.has_code("ClientException") || aws.has_code("InvalidParameterException") =>
            {
                DeployError::Rejected {
                    operation: aws.operation,
                    what: definition.origin().to_owned(),
                    message: aws.message,
                }
            }
            other => other.into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_replace_in_place_and_append() {
        let mut definition = TaskDefinition::parse(
            r#"{"family":"f","tags":[{"key":"a","value":"1"},{"key":"b","value":"2"}]}"#,
            "t.json",
        )
        .unwrap();
        add_tags(&mut definition, &[Pair::new("a", "9"), Pair::new("c", "3")]);
        assert_eq!(
            definition.as_map()["tags"],
            json!([
                {"key": "a", "value": "9"},
                {"key": "b", "value": "2"},
                {"key": "c", "value": "3"}
            ])
        );
    }
}
