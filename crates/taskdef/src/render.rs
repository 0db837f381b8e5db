//! Applies [`Edits`] to a [`TaskDefinition`].
//!
//! A render is all or nothing: placeholders are resolved and every
//! container an edit names is checked before the definition changes. Edits
//! apply in this order: placeholders, images, environment (files, then
//! `--env`), `--unset-env`, secrets, docker labels, commands, S3
//! environment files, log drivers, awslogs defaults, log options, task
//! cpu/memory, roles, tags. An edit without a container name applies to
//! each container of `--container` (as the peer's comma-separated
//! `container-name`), else to the default one. Values replace
//! existing ones in place (same position); new ones are appended, so a
//! render is deterministic and applying it twice changes nothing more.
//!
//! The only edits not asked for make the result registrable: task-level
//! `cpu`/`memory` and environment values written as numbers or booleans
//! (natural in YAML) become strings, as RegisterTaskDefinition requires.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use crate::edits::{Edits, Pair, Target};
use crate::error::Error;
use crate::model::{TaskDefinition, kind_of};
use crate::placeholders::{self, Vars};

/// awslogs settings that a container without its own gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogDefaults {
    /// `awslogs-group` (`/ecs/portfolio-dev/backend`).
    pub group: String,
    /// `awslogs-region`.
    pub region: String,
    /// `awslogs-stream-prefix` (`ecs`).
    pub stream_prefix: String,
}

/// What a render knows besides the edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The container edits without a container name apply to when the
    /// definition has several (the service's container in portfolio-ci.yaml).
    pub default_container: Option<String>,
    /// awslogs defaults for the default container: filled in where its
    /// `logConfiguration` is missing or uses awslogs without them.
    pub log_defaults: Option<LogDefaults>,
    /// Placeholder values; `None` leaves `${...}` text alone (a registered
    /// definition is not a template).
    pub vars: Option<Vars>,
}

/// Renders `definition` in place; on error it is left unchanged.
pub fn render(
    definition: &mut TaskDefinition,
    edits: &Edits,
    context: &Context,
) -> Result<(), Error> {
    let mut work = definition.clone();
    if let Some(vars) = &context.vars {
        placeholders::resolve(&mut work, vars)?;
    }
    let resolver = Resolver::new(&work, context, &edits.containers)?;
    let images = resolver.all("--image", "CONTAINER=URI", &edits.images)?;
    let env = resolver.all("--env-var", "CONTAINER:NAME=VALUE", &edits.env)?;
    let unset = resolver.all("--unset-env", "CONTAINER:NAME", &edits.unset_env)?;
    let secrets = resolver.all("--secret", "CONTAINER:NAME=ARN", &edits.secrets)?;
    let labels = resolver.all(
        "--docker-label",
        "CONTAINER:KEY=VALUE",
        &edits.docker_labels,
    )?;
    let commands = resolver.all("--command", "CONTAINER:COMMAND", &edits.commands)?;
    let log_options = resolver.all("--log-option", "CONTAINER:KEY=VALUE", &edits.log_options)?;
    let log_drivers = resolver.all("--log-driver", "CONTAINER:DRIVER", &edits.log_drivers)?;
    let env_files = resolver.all(
        "--environment-file",
        "CONTAINER:ARN",
        &edits.environment_files,
    )?;
    let log_target = resolver.default.clone().zip(context.log_defaults.as_ref());

    let origin = work.origin().to_owned();
    let mut editor = Editor {
        work: &mut work,
        origin: &origin,
    };
    for (container, image) in images {
        editor
            .container(&container)?
            .insert("image".into(), json!(image));
    }
    // A name this call also sets as a secret ends up a secret (the later
    // edit wins). Its environment edit and unset are skipped rather than
    // applied and undone, so the secret keeps its place and a second
    // render of the result changes nothing.
    let secret_names: HashSet<(&str, &str)> = secrets
        .iter()
        .map(|(container, pair)| (container.as_str(), pair.name.as_str()))
        .collect();
    let overridden = |container: &str, name: &str| secret_names.contains(&(container, name));
    for (container, pair) in env {
        if overridden(&container, &pair.name) {
            continue;
        }
        editor.upsert_named(&container, "environment", "value", pair)?;
        editor.remove_named(&container, "secrets", &pair.name)?;
    }
    for (container, name) in unset {
        if overridden(&container, name) {
            continue;
        }
        editor.remove_named(&container, "environment", name)?;
        editor.remove_named(&container, "secrets", name)?;
    }
    for (container, pair) in secrets {
        editor.upsert_named(&container, "secrets", "valueFrom", pair)?;
        editor.remove_named(&container, "environment", &pair.name)?;
    }
    for (container, pair) in labels {
        editor
            .object(&container, "dockerLabels")?
            .insert(pair.name.clone(), json!(pair.value));
    }
    for (container, words) in commands {
        editor
            .container(&container)?
            .insert("command".into(), json!(words));
    }
    // As the peer's `env-files`: the listed files replace the container's.
    let mut replaced = HashSet::new();
    for (container, arn) in env_files {
        let files = editor.array(&container, "environmentFiles")?;
        if replaced.insert(container.clone()) {
            files.clear();
        }
        files.push(json!({"value": arn, "type": "s3"}));
    }
    for (container, driver) in log_drivers {
        editor
            .object(&container, "logConfiguration")?
            .insert("logDriver".into(), json!(driver));
    }
    if let Some((container, defaults)) = log_target {
        editor.log_defaults(&container, defaults)?;
    }
    for (container, pair) in log_options {
        editor
            .log_options(&container)?
            .insert(pair.name.clone(), json!(pair.value));
    }
    let task = work.as_map_mut();
    let settings = [
        ("cpu", &edits.cpu),
        ("memory", &edits.memory),
        ("taskRoleArn", &edits.task_role_arn),
        ("executionRoleArn", &edits.execution_role_arn),
    ];
    for (field, value) in settings {
        if let Some(value) = value {
            task.insert(field.into(), json!(value));
        }
    }
    for tag in &edits.tags {
        upsert(task_array(task, "tags", &origin)?, "key", "value", tag);
    }
    normalize(work.as_map_mut());
    *definition = work;
    Ok(())
}

/// Finds the containers each edit is for.
struct Resolver {
    known: Vec<String>,
    /// The service's (or the only) container: awslogs defaults go there.
    default: Option<String>,
    /// Where an edit without a container name goes: `--container`, else
    /// the default.
    unnamed: Vec<String>,
    origin: String,
}

impl Resolver {
    fn new(
        definition: &TaskDefinition,
        context: &Context,
        containers: &[String],
    ) -> Result<Self, Error> {
        let known = definition.container_names();
        let default = match &context.default_container {
            Some(name) if known.contains(name) => Some(name.clone()),
            _ if known.len() == 1 => known.first().cloned(),
            _ => None,
        };
        let mut resolver = Resolver {
            unnamed: default.iter().cloned().collect(),
            known,
            default,
            origin: definition.origin().to_owned(),
        };
        if !containers.is_empty() {
            resolver.unnamed = containers
                .iter()
                .map(|name| resolver.resolve("--container", "NAME", Some(name)))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
        }
        Ok(resolver)
    }

    fn resolve(
        &self,
        flag: &str,
        form: &'static str,
        named: Option<&str>,
    ) -> Result<Vec<String>, Error> {
        match (named, self.unnamed.is_empty()) {
            (Some(name), _) if self.known.iter().any(|k| k == name) => Ok(vec![name.to_owned()]),
            (Some(name), _) => Err(Error::UnknownContainer {
                origin: self.origin.clone(),
                flag: flag.to_owned(),
                name: name.to_owned(),
                known: self.known.clone(),
            }),
            (None, false) => Ok(self.unnamed.clone()),
            (None, true) if self.known.is_empty() => Err(Error::invalid(
                &self.origin,
                "containerDefinitions",
                format!("{flag}: the definition has no named container to edit"),
            )),
            (None, true) => Err(Error::AmbiguousContainer {
                origin: self.origin.clone(),
                flag: flag.to_owned(),
                form,
                known: self.known.clone(),
            }),
        }
    }

    fn all<'e, T>(
        &self,
        flag: &str,
        form: &'static str,
        edits: &'e [Target<T>],
    ) -> Result<Vec<(String, &'e T)>, Error> {
        let mut resolved = Vec::new();
        for edit in edits {
            for container in self.resolve(flag, form, edit.container.as_deref())? {
                resolved.push((container, &edit.value));
            }
        }
        Ok(resolved)
    }
}

/// Edits containers of a definition whose names were resolved.
struct Editor<'a> {
    work: &'a mut TaskDefinition,
    origin: &'a str,
}

impl Editor<'_> {
    fn container(&mut self, name: &str) -> Result<&mut Map<String, Value>, Error> {
        let origin = self.origin;
        self.work.container_mut(name).ok_or_else(|| {
            Error::invalid(
                origin,
                format!("containerDefinitions[{name}]"),
                "expected an object",
            )
        })
    }

    fn array(&mut self, container: &str, field: &str) -> Result<&mut Vec<Value>, Error> {
        let origin = self.origin;
        let path = || format!("containerDefinitions[{container}].{field}");
        child(
            self.container(container)?,
            field,
            json!([]),
            Value::as_array_mut,
            origin,
            path,
        )
    }

    fn object(&mut self, container: &str, field: &str) -> Result<&mut Map<String, Value>, Error> {
        let origin = self.origin;
        let path = || format!("containerDefinitions[{container}].{field}");
        child(
            self.container(container)?,
            field,
            json!({}),
            Value::as_object_mut,
            origin,
            path,
        )
    }

    fn upsert_named(
        &mut self,
        container: &str,
        field: &str,
        value_key: &str,
        pair: &Pair,
    ) -> Result<(), Error> {
        upsert(self.array(container, field)?, "name", value_key, pair);
        Ok(())
    }

    fn remove_named(&mut self, container: &str, field: &str, name: &str) -> Result<(), Error> {
        let present = self.container(container)?.contains_key(field);
        if present {
            self.array(container, field)?
                .retain(|entry| entry.get("name").and_then(Value::as_str) != Some(name));
        }
        Ok(())
    }

    fn log_defaults(&mut self, container: &str, defaults: &LogDefaults) -> Result<(), Error> {
        let config = self.object(container, "logConfiguration")?;
        let driver = config
            .entry("logDriver")
            .or_insert_with(|| json!("awslogs"));
        if driver.as_str() != Some("awslogs") {
            return Ok(());
        }
        let wanted = [
            ("awslogs-group", &defaults.group),
            ("awslogs-region", &defaults.region),
            ("awslogs-stream-prefix", &defaults.stream_prefix),
        ];
        let options = self.log_options(container)?;
        for (key, value) in wanted {
            options.entry(key).or_insert_with(|| json!(value));
        }
        Ok(())
    }

    fn log_options(&mut self, container: &str) -> Result<&mut Map<String, Value>, Error> {
        let origin = self.origin;
        let config = self.object(container, "logConfiguration")?;
        config
            .entry("logDriver")
            .or_insert_with(|| json!("awslogs"));
        let path = || format!("containerDefinitions[{container}].logConfiguration.options");
        child(
            config,
            "options",
            json!({}),
            Value::as_object_mut,
            origin,
            path,
        )
    }
}

/// `map[field]` as the array or object that `empty` and `cast` stand for,
/// created when missing, null or `""`; another kind is an error naming `path`.
fn child<'m, T>(
    map: &'m mut Map<String, Value>,
    field: &str,
    empty: Value,
    cast: fn(&mut Value) -> Option<&mut T>,
    origin: &str,
    path: impl FnOnce() -> String,
) -> Result<&'m mut T, Error> {
    let expected = kind_of(&empty);
    let value = map.entry(field.to_owned()).or_insert(Value::Null);
    if value.is_null() || value.as_str() == Some("") {
        *value = empty;
    }
    let kind = kind_of(value);
    cast(value)
        .ok_or_else(|| Error::invalid(origin, path(), format!("expected {expected}, found {kind}")))
}

/// The task-level array `field`, created when missing.
fn task_array<'m>(
    task: &'m mut Map<String, Value>,
    field: &str,
    origin: &str,
) -> Result<&'m mut Vec<Value>, Error> {
    child(task, field, json!([]), Value::as_array_mut, origin, || {
        field.to_owned()
    })
}

/// Sets `value_key` of the entry whose `name_key` is `pair.name`, in place,
/// or appends a new entry.
fn upsert(list: &mut Vec<Value>, name_key: &str, value_key: &str, pair: &Pair) {
    let existing = list
        .iter_mut()
        .filter_map(Value::as_object_mut)
        .find(|entry| entry.get(name_key).and_then(Value::as_str) == Some(&pair.name));
    match existing {
        Some(entry) => {
            entry.insert(value_key.to_owned(), json!(pair.value));
        }
        None => list.push(json!({ name_key: pair.name, value_key: pair.value })),
    }
}

/// Numbers and booleans where RegisterTaskDefinition wants strings.
fn normalize(task: &mut Map<String, Value>) {
    for field in ["cpu", "memory"] {
        if let Some(value) = task.get_mut(field) {
            stringify(value);
        }
    }
    let containers = task
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut);
    for container in containers {
        let environment = container
            .get_mut("environment")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut);
        for entry in environment {
            if let Some(value) = entry.get_mut("value") {
                stringify(value);
            }
        }
    }
}

fn stringify(value: &mut Value) {
    match value {
        Value::Number(n) => *value = Value::String(n.to_string()),
        Value::Bool(b) => *value = Value::String(b.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
