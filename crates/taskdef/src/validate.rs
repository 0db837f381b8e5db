//! Checks a rendered definition before anything is written: the mistakes
//! that RegisterTaskDefinition or the first deployment would otherwise
//! find late. Each error names the source, the container and the field.
//!
//! Empty values (`null`, `""`, `[]`, `{}`) count as absent, as they are
//! once dropped for registration ([`crate::empty`]). A value that holds a
//! placeholder of another step ([`crate::foreign`]) is not known yet, so
//! its format is not checked.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::edits::is_container_name;
use crate::empty::{KeepKeys, drop_empty};
use crate::error::Error;
use crate::foreign::is_placeholder_text as unknown;
use crate::model::{TaskDefinition, kind_of};
use crate::reference;

/// Checks `definition`; the first problem found is the error.
pub fn validate(definition: &TaskDefinition) -> Result<(), Error> {
    let mut doc = definition.as_map().clone();
    drop_empty(&mut doc, &KeepKeys::none());
    let checker = Checker {
        origin: definition.origin(),
        doc: &doc,
    };
    checker.family()?;
    let containers = checker.containers()?;
    checker.fargate()?;
    checker.roles()?;
    checker.ports(&containers)?;
    Ok(())
}

struct Checker<'a> {
    origin: &'a str,
    doc: &'a Map<String, Value>,
}

/// One container and how it is named in messages.
struct Container<'a> {
    label: String,
    map: &'a Map<String, Value>,
}

impl Container<'_> {
    fn field(&self, name: &str) -> String {
        format!("containerDefinitions[{}].{name}", self.label)
    }
}

impl<'a> Checker<'a> {
    fn error(&self, field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::invalid(self.origin, field, reason)
    }

    fn string(&self, field: &str) -> Result<Option<&'a str>, Error> {
        match self.doc.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.error(
                field,
                format!("expected a string, found {}", kind_of(other)),
            )),
        }
    }

    fn family(&self) -> Result<(), Error> {
        match self.string("family")? {
            None => Err(self.error("family", "missing: every task definition needs a family")),
            Some(family) if is_container_name(family) || unknown(family) => Ok(()),
            Some(family) => Err(self.error(
                "family",
                format!("'{family}' is not valid (up to 255 letters, digits, '-' and '_')"),
            )),
        }
    }

    fn containers(&self) -> Result<Vec<Container<'a>>, Error> {
        let field = "containerDefinitions";
        let list = match self.doc.get(field) {
            Some(Value::Array(list)) if !list.is_empty() => list,
            Some(Value::Array(_)) | None => {
                return Err(self.error(field, "at least one container definition is required"));
            }
            Some(other) => {
                return Err(self.error(
                    field,
                    format!("expected an array, found {}", kind_of(other)),
                ));
            }
        };
        let mut containers = Vec::with_capacity(list.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, item) in list.iter().enumerate() {
            let Value::Object(map) = item else {
                return Err(self.error(
                    format!("{field}[{index}]"),
                    format!("expected an object, found {}", kind_of(item)),
                ));
            };
            let name = match map.get("name") {
                Some(Value::String(name)) if is_container_name(name) => name.as_str(),
                Some(Value::String(name)) => {
                    return Err(self.error(
                        format!("{field}[{index}].name"),
                        format!(
                            "'{name}' is not a valid container name (letters, digits, '-' and '_')"
                        ),
                    ));
                }
                _ => {
                    return Err(self.error(
                        format!("{field}[{index}].name"),
                        "missing: every container needs a name",
                    ));
                }
            };
            if let Some(first) = seen.insert(name, index) {
                return Err(self.error(
                    format!("{field}[{index}].name"),
                    format!("duplicate container name '{name}' (also {field}[{first}])"),
                ));
            }
            let container = Container {
                label: name.to_owned(),
                map,
            };
            self.container(&container)?;
            containers.push(container);
        }
        let essential = containers
            .iter()
            .any(|c| !matches!(c.map.get("essential"), Some(Value::Bool(false))));
        if !essential {
            return Err(self.error(
                format!("{field}[*].essential"),
                "no essential container: at least one container must have essential true (the default)",
            ));
        }
        Ok(containers)
    }

    fn container(&self, container: &Container<'_>) -> Result<(), Error> {
        match container.map.get("image") {
            Some(Value::String(image)) if unknown(image) => {}
            Some(Value::String(image)) => reference::check_image(image)
                .map_err(|why| self.error(container.field("image"), why))?,
            Some(other) => {
                return Err(self.error(
                    container.field("image"),
                    format!("expected a string, found {}", kind_of(other)),
                ));
            }
            None => {
                return Err(self.error(
                    container.field("image"),
                    "missing: every container needs an image",
                ));
            }
        }
        if let Some(essential) = container.map.get("essential")
            && !essential.is_boolean()
        {
            return Err(self.error(
                container.field("essential"),
                format!("expected true or false, found {}", kind_of(essential)),
            ));
        }
        self.named_entries(container, "environment", "value")?;
        self.named_entries(container, "secrets", "valueFrom")?;
        for (index, secret) in entries(container.map, "secrets") {
            if let Some(source) = secret.get("valueFrom").and_then(Value::as_str)
                && !unknown(source)
            {
                reference::check_secret_source(source).map_err(|why| {
                    self.error(
                        format!("{}[{index}].valueFrom", container.field("secrets")),
                        why,
                    )
                })?;
            }
        }
        Ok(())
    }

    /// `environment` / `secrets`: objects with a string `name` and a string `value_key`.
    fn named_entries(
        &self,
        container: &Container<'_>,
        list: &str,
        value_key: &str,
    ) -> Result<(), Error> {
        match container.map.get(list) {
            None | Some(Value::Array(_)) => {}
            Some(other) => {
                return Err(self.error(
                    container.field(list),
                    format!("expected an array, found {}", kind_of(other)),
                ));
            }
        }
        for (index, entry) in entries(container.map, list) {
            let at = format!("{}[{index}]", container.field(list));
            if !entry.get("name").is_some_and(Value::is_string) {
                return Err(self.error(format!("{at}.name"), "expected a string name"));
            }
            if !entry.get(value_key).is_some_and(Value::is_string) {
                return Err(self.error(
                    format!("{at}.{value_key}"),
                    format!("expected a string {value_key}"),
                ));
            }
        }
        Ok(())
    }

    fn fargate(&self) -> Result<(), Error> {
        let fargate = self
            .doc
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .is_some_and(|list| list.iter().any(|v| v.as_str() == Some("FARGATE")));
        let cpu = self.units("cpu", parse_cpu)?;
        let memory = self.units("memory", parse_memory)?;
        if !fargate {
            return Ok(());
        }
        match self.string("networkMode")? {
            Some("awsvpc") => {}
            Some(mode) if unknown(mode) => return Ok(()),
            other => {
                return Err(self.error(
                    "networkMode",
                    format!(
                        "Fargate requires awsvpc, found {}",
                        other.map_or("none (bridge)".to_owned(), |m| format!("'{m}'"))
                    ),
                ));
            }
        }
        let pending = ["cpu", "memory"].iter().any(|field| {
            self.doc
                .get(*field)
                .and_then(Value::as_str)
                .is_some_and(unknown)
        });
        if pending {
            return Ok(());
        }
        let (Some(cpu), Some(memory)) = (cpu, memory) else {
            let missing = if cpu.is_none() { "cpu" } else { "memory" };
            return Err(self.error(missing, "Fargate requires task-level cpu and memory"));
        };
        match fargate_memory(cpu) {
            None => Err(self.error(
                "cpu",
                format!(
                    "{cpu} is not a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192, 16384)"
                ),
            )),
            Some(sizes) if sizes.contains(memory) => Ok(()),
            Some(sizes) => Err(self.error(
                "memory",
                format!(
                    "{memory} MiB is not valid with cpu {cpu} on Fargate (allowed: {})",
                    sizes.describe()
                ),
            )),
        }
    }

    fn units(&self, field: &str, parse: fn(&str) -> Option<u32>) -> Result<Option<u32>, Error> {
        match self.doc.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if unknown(text) => Ok(None),
            Some(Value::String(text)) => parse(text).map(Some).ok_or_else(|| {
                self.error(field, format!("'{text}' is not a size (e.g. \"256\" or \"0.25 vCPU\", \"512\" or \"1 GB\")"))
            }),
            Some(other) => Err(self.error(field, format!("expected a string, found {}", kind_of(other)))),
        }
    }

    fn roles(&self) -> Result<(), Error> {
        for field in ["taskRoleArn", "executionRoleArn"] {
            if let Some(arn) = self.string(field)?
                && !unknown(arn)
            {
                reference::check_role_arn(arn).map_err(|why| self.error(field, why))?;
            }
        }
        Ok(())
    }

    /// Two mappings of one port, and host ports that differ from container
    /// ports where the task has its own network interface.
    fn ports(&self, containers: &[Container<'_>]) -> Result<(), Error> {
        let mode = self.string("networkMode")?.unwrap_or("bridge");
        let shared_namespace = matches!(mode, "awsvpc" | "host");
        let mut taken: HashMap<(i64, String), String> = HashMap::new();
        for container in containers {
            match container.map.get("portMappings") {
                None | Some(Value::Array(_)) => {}
                Some(other) => {
                    return Err(self.error(
                        container.field("portMappings"),
                        format!("expected an array, found {}", kind_of(other)),
                    ));
                }
            }
            for (index, mapping) in entries(container.map, "portMappings") {
                let at = format!("{}[{index}]", container.field("portMappings"));
                let port = |key: &str| -> Result<Option<i64>, Error> {
                    match mapping.get(key) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::String(text)) if unknown(text) => Ok(None),
                        Some(Value::Number(n)) => match n.as_i64() {
                            Some(p) if (0..=65535).contains(&p) => Ok(Some(p)),
                            _ => Err(self.error(
                                format!("{at}.{key}"),
                                format!("{n} is not a port (0-65535)"),
                            )),
                        },
                        Some(other) => Err(self.error(
                            format!("{at}.{key}"),
                            format!("expected a number, found {}", kind_of(other)),
                        )),
                    }
                };
                let container_port = port("containerPort")?;
                let host_port = port("hostPort")?;
                let protocol = mapping
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("tcp")
                    .to_ascii_lowercase();
                let bound = if shared_namespace {
                    if let (Some(c), Some(h)) = (container_port, host_port)
                        && c != h
                    {
                        return Err(self.error(
                            format!("{at}.hostPort"),
                            format!("{h} differs from containerPort {c}: in {mode} mode they must be equal (or hostPort omitted)"),
                        ));
                    }
                    container_port
                } else {
                    host_port.filter(|p| *p != 0)
                };
                let Some(bound) = bound else { continue };
                if let Some(first) = taken.insert((bound, protocol.clone()), at.clone()) {
                    return Err(self.error(
                        at,
                        format!(
                            "port {bound}/{protocol} is already mapped by {first} ({mode} mode)"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The object entries of array `list` of `map`, with their index.
fn entries<'m>(
    map: &'m Map<String, Value>,
    list: &str,
) -> impl Iterator<Item = (usize, &'m Map<String, Value>)> {
    map.get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.as_object().map(|m| (i, m)))
}

/// CPU units from `"256"` or `"0.25 vCPU"`.
pub fn parse_cpu(text: &str) -> Option<u32> {
    parse_scaled(text, &["vcpu"], 1024.0)
}

/// Memory in MiB from `"512"` or `"1 GB"`.
pub fn parse_memory(text: &str) -> Option<u32> {
    parse_scaled(text, &["gb", "gib"], 1024.0)
}

fn parse_scaled(text: &str, units: &[&str], scale: f64) -> Option<u32> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if let Some(number) = units.iter().find_map(|unit| lower.strip_suffix(unit)) {
        let value: f64 = number.trim().parse().ok()?;
        let scaled = value * scale;
        return (scaled > 0.0 && scaled <= f64::from(u32::MAX) && scaled.fract() == 0.0)
            .then_some(scaled as u32);
    }
    text.parse().ok().filter(|v| *v > 0)
}

/// The memory sizes Fargate allows with one CPU size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemorySizes {
    /// These exact sizes (MiB).
    List(&'static [u32]),
    /// From `min` to `max` MiB in steps of `step`.
    Range {
        /// Smallest.
        min: u32,
        /// Largest.
        max: u32,
        /// Increment.
        step: u32,
    },
}

impl MemorySizes {
    /// True when `memory` MiB is allowed.
    pub fn contains(self, memory: u32) -> bool {
        match self {
            MemorySizes::List(sizes) => sizes.contains(&memory),
            MemorySizes::Range { min, max, step } => {
                (min..=max).contains(&memory) && (memory - min).is_multiple_of(step)
            }
        }
    }

    fn describe(self) -> String {
        match self {
            MemorySizes::List(sizes) => sizes
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            MemorySizes::Range { min, max, step } => format!("{min} to {max} in steps of {step}"),
        }
    }
}

/// The official Fargate table: memory allowed for each task CPU size.
pub fn fargate_memory(cpu: u32) -> Option<MemorySizes> {
    Some(match cpu {
        256 => MemorySizes::List(&[512, 1024, 2048]),
        512 => MemorySizes::Range {
            min: 1024,
            max: 4096,
            step: 1024,
        },
        1024 => MemorySizes::Range {
            min: 2048,
            max: 8192,
            step: 1024,
        },
        2048 => MemorySizes::Range {
            min: 4096,
            max: 16384,
            step: 1024,
        },
        4096 => MemorySizes::Range {
            min: 8192,
            max: 30720,
            step: 1024,
        },
        8192 => MemorySizes::Range {
            min: 16384,
            max: 61440,
            step: 4096,
        },
        16384 => MemorySizes::Range {
            min: 32768,
            max: 122_880,
            step: 8192,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
