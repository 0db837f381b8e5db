//! The task definition each service will run: a definition file, a
//! template (the service's in portfolio-ci.yaml, or `--template`), a
//! registered revision, or the live definition with new images. The
//! `portfolio-taskdef` crate reads, edits and validates it; this module
//! reads files and renders templates ([`Render`], called while the settings
//! are resolved, before any AWS call), edits the live definition once the
//! services are described ([`build`]), adds the deployment tags, and
//! registers each distinct definition once (services with the same
//! definition share a revision, tagged with all their names).
//!
//! A definition file (`--task-definition`, e.g. what render-taskdef wrote)
//! is not a template: its `${...}` text is registered as written (a
//! rendered `$${HOME}` is `${HOME}` for the shell, never expanded again),
//! and only `--image` and the tags change it. Templates get the
//! placeholders and the awslogs defaults of the service.

use std::path::Path;

use portfolio_core::Config;
use portfolio_taskdef::edits::{self, Edits, Pair};
use portfolio_taskdef::live;
use portfolio_taskdef::placeholders::{self, Vars};
use portfolio_taskdef::render::{self, Context, LogDefaults};
use portfolio_taskdef::validate::validate;
use portfolio_taskdef::{KeepKeys, TaskDefinition};
use serde_json::{Value, json};

use crate::error::Error;
use crate::settings::{Definition, Settings, Target};

/// What a service will be updated to.
#[derive(Debug, Clone)]
pub enum Source {
    /// A definition to register.
    Register(TaskDefinition),
    /// A registered definition, deployed as it is (the live one with
    /// --force-new-deployment alone, or --task-definition-arn).
    Existing(String),
}

/// What rendering a file or template for a service needs.
#[derive(Debug, Clone, Copy)]
pub struct Render<'a> {
    /// portfolio-ci.yaml.
    pub config: &'a Config,
    /// The environment.
    pub env: &'a str,
    /// The region of the clients, of awslogs and of `${REGION}`.
    pub region: &'a str,
    /// `--image`.
    pub images: &'a [edits::Target<String>],
    /// `--var`.
    pub vars: &'a [Pair],
    /// The tags of every registered revision.
    pub tags: &'a [Pair],
}

impl Render<'_> {
    /// Reads the definition file at `path` for `target` (none: register
    /// only): registered as written, with `--image` and the tags; validated.
    pub fn definition(
        &self,
        path: &Path,
        target: Option<&Target>,
    ) -> Result<TaskDefinition, Error> {
        let mut definition = read(path)?;
        let context = Context {
            default_container: service_of(target).map(|c| c.container.clone()),
            log_defaults: None,
            vars: None,
        };
        finish(&mut definition, self.images, self.tags, &context)?;
        Ok(definition)
    }

    /// Reads the template at `path` and renders it for `target` (none:
    /// register only): placeholders, awslogs defaults, `--image`, the tags;
    /// then validates it.
    pub fn template(&self, path: &Path, target: Option<&Target>) -> Result<TaskDefinition, Error> {
        let mut definition = read(path)?;
        let service = service_of(target);
        let context = Context {
            default_container: service.map(|c| c.container.clone()),
            log_defaults: service.map(|c| LogDefaults {
                group: c.log_group.clone(),
                region: self.region.to_owned(),
                stream_prefix: c.log_stream_prefix.clone(),
            }),
            vars: Some(self.placeholders(target)),
        };
        finish(&mut definition, self.images, self.tags, &context)?;
        Ok(definition)
    }

    /// The placeholder values of a template: the built-in names, then `--var`.
    fn placeholders(&self, target: Option<&Target>) -> Vars {
        let mut vars =
            placeholders::built_ins(self.config, self.env, self.region, service_of(target));
        if let Some(target) = target {
            vars.insert("CLUSTER".to_owned(), target.cluster.clone());
            vars.insert("SERVICE".to_owned(), target.key.clone());
        }
        for Pair { name, value } in self.vars {
            vars.insert(name.clone(), value.clone());
        }
        vars
    }
}

/// The configuration of `target`'s service, when portfolio-ci.yaml knows it.
fn service_of(target: Option<&Target>) -> Option<&portfolio_core::config::ServiceConfig> {
    target.and_then(|t| t.config.as_ref())
}

/// Reads and parses the file at `path` (JSON or YAML).
fn read(path: &Path) -> Result<TaskDefinition, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| portfolio_taskdef::Error::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(TaskDefinition::parse(&text, &path.display().to_string())?)
}

/// Renders `definition` with `images` and `context`, adds `tags`,
/// validates, and refuses what could not be registered (placeholders left
/// for another step) before any AWS call.
fn finish(
    definition: &mut TaskDefinition,
    images: &[edits::Target<String>],
    tags: &[Pair],
    context: &Context,
) -> Result<(), Error> {
    let edits = Edits {
        images: images.to_vec(),
        ..Edits::default()
    };
    render::render(definition, &edits, context)?;
    add_tags(definition, tags);
    validate(definition)?;
    definition.to_register(&KeepKeys::none())?;
    Ok(())
}

/// The definition `target` will be updated to, now that its live
/// definition (`live_arn`) is known: the rendered file, the live one with
/// the `--image` edits, or the live one unchanged.
pub async fn build(
    settings: &Settings,
    ecs: &aws_sdk_ecs::Client,
    target: &Target,
    live_arn: &str,
) -> Result<Source, Error> {
    match &target.definition {
        Definition::Rendered(definition) => Ok(Source::Register(definition.clone())),
        Definition::Live => Ok(Source::Existing(live_arn.to_owned())),
        Definition::Registered(arn) => Ok(Source::Existing(arn.clone())),
        Definition::LiveWithImages => {
            let mut definition = live::load_service(ecs, &target.cluster, &target.service).await?;
            let context = Context {
                default_container: target.config.as_ref().map(|c| c.container.clone()),
                log_defaults: None,
                vars: None,
            };
            finish(&mut definition, &settings.images, &settings.tags, &context)?;
            Ok(Source::Register(definition))
        }
    }
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
/// in order. Empty values are dropped except under `keep`.
pub async fn register_all(
    ecs: &aws_sdk_ecs::Client,
    targets: &[Target],
    sources: &[Source],
    keep: &KeepKeys,
) -> Result<Vec<String>, Error> {
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
            Source::Existing(arn) => arn.clone(),
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
        let arn = register(ecs, &tagged, keep).await?;
        for &i in &users {
            arns[i].clone_from(&arn);
        }
    }
    Ok(arns)
}

/// Registers `definition` as it is (empty values dropped but for `keep`);
/// ECS's refusal of it is an input error.
pub async fn register(
    ecs: &aws_sdk_ecs::Client,
    definition: &TaskDefinition,
    keep: &KeepKeys,
) -> Result<String, Error> {
    live::register_task_definition(ecs, definition, keep)
        .await
        .map_err(|err| match err {
            // ECS's refusal of the definition itself: the input is at fault.
            portfolio_taskdef::Error::Aws(aws)
                if aws.has_code("ClientException") || aws.has_code("InvalidParameterException") =>
            {
                Error::Rejected {
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
