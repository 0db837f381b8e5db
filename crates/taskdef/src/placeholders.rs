//! `${NAME}` placeholders in templates.
//!
//! Every string value of the document (not the keys) is scanned. `${NAME}`
//! (NAME: letters, digits and `_`, not starting with a digit) is replaced
//! by its value; `$${` stands for a literal `${` (for shell text in
//! `command`). A placeholder without a value, or a malformed one, is an
//! error naming it and the field it is in.

use std::collections::BTreeMap;

use portfolio_core::config::{Config, ServiceConfig};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::foreign::{Foreign, container_of};
use crate::model::TaskDefinition;

/// Placeholder values by name.
pub type Vars = BTreeMap<String, String>;

/// The built-in placeholders, in the order `--help` lists them: the first
/// four for any environment, the rest with a service.
pub const BUILT_IN_NAMES: &[&str] = &[
    "ENV",
    "PROJECT",
    "CLUSTER",
    "REGION",
    "SERVICE",
    "FAMILY",
    "CONTAINER",
    "REPOSITORY",
    "LOG_GROUP",
    "CPU",
    "MEMORY",
    "PORT",
    "HEALTH_PATH",
];

/// The built-in placeholder values of a template rendered for `env` of
/// `config` in `region` (and for `service`, when one is named): `ENV`,
/// `PROJECT`, `CLUSTER`, `REGION`, then `SERVICE`, `FAMILY`, `CONTAINER`,
/// `REPOSITORY`, `LOG_GROUP`, `CPU`, `MEMORY`, `PORT` and `HEALTH_PATH`
/// (so the service's size and port in portfolio-ci.yaml reach the
/// template). `--var` values go on top.
pub fn built_ins(
    config: &Config,
    env: &str,
    region: &str,
    service: Option<&ServiceConfig>,
) -> Vars {
    let mut vars = Vars::new();
    let mut set = |name: &str, value: String| {
        vars.insert(name.to_owned(), value);
    };
    set("ENV", env.to_owned());
    set("PROJECT", config.project.clone());
    if let Ok(cluster) = config.cluster(env) {
        set("CLUSTER", cluster);
    }
    set("REGION", region.to_owned());
    if let Some(service) = service {
        set("CLUSTER", service.cluster.clone());
        set("SERVICE", service.service.clone());
        set("FAMILY", service.family.clone());
        set("CONTAINER", service.container.clone());
        set("REPOSITORY", service.repository.clone());
        set("LOG_GROUP", service.log_group.clone());
        set("CPU", service.cpu.to_string());
        set("MEMORY", service.memory.to_string());
        set("PORT", service.port.to_string());
        set("HEALTH_PATH", service.health_path.clone());
    }
    vars
}

/// Replaces every placeholder of `definition` with its value in `vars`.
/// Nothing changes unless every placeholder resolves.
pub fn resolve(definition: &mut TaskDefinition, vars: &Vars) -> Result<(), Error> {
    let (resolved, missing) = expanded(definition, vars);
    if !missing.is_empty() {
        return Err(Error::Unresolved {
            origin: definition.origin().to_owned(),
            placeholders: missing,
        });
    }
    *definition.as_map_mut() = resolved;
    Ok(())
}

/// Replaces the placeholders of `definition` that have a value in `vars`
/// and leaves the others as written, for another step to fill; returns
/// those left, each with its field.
pub fn fill(definition: &mut TaskDefinition, vars: &Vars) -> Vec<Foreign> {
    let (resolved, missing) = expanded(definition, vars);
    *definition.as_map_mut() = resolved;
    missing
        .into_iter()
        .map(|(name, field)| Foreign {
            container: container_of(&field),
            placeholder: format!("${{{name}}}"),
            field,
        })
        .collect()
}

/// The document with every placeholder that has a value replaced, and the
/// names (as written) and fields of those without one, left as written.
fn expanded(
    definition: &TaskDefinition,
    vars: &Vars,
) -> (Map<String, Value>, Vec<(String, String)>) {
    let mut missing = Vec::new();
    let mut resolved = definition.as_map().clone();
    for (key, value) in &mut resolved {
        walk(value, key, vars, &mut missing);
    }
    (resolved, missing)
}

fn walk(value: &mut Value, path: &str, vars: &Vars, missing: &mut Vec<(String, String)>) {
    match value {
        Value::String(text) if text.contains("${") => {
            let (expanded, names) = expand_keeping(text, vars);
            *text = expanded;
            missing.extend(names.into_iter().map(|name| (name, path.to_owned())));
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let label = element_label(item, index);
                walk(item, &format!("{path}[{label}]"), vars, missing);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                walk(item, &format!("{path}.{key}"), vars, missing);
            }
        }
        _ => {}
    }
}

/// How an array element is named in a field path: its `name` (containers,
/// environment entries) or its `key` (tags) when it has one, else its index.
pub fn element_label(item: &Value, index: usize) -> String {
    ["name", "key"]
        .iter()
        .find_map(|field| item.get(field).and_then(Value::as_str))
        .map_or_else(|| index.to_string(), str::to_owned)
}

/// Expands the placeholders of `text`; on failure, the names that did not
/// resolve (a malformed placeholder is reported as written).
pub fn expand(text: &str, vars: &Vars) -> Result<String, Vec<String>> {
    let (out, missing) = expand_keeping(text, vars);
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

/// Expands the placeholders of `text` that have a value and keeps the
/// others as written; returns the text and the names that did not resolve.
fn expand_keeping(text: &str, vars: &Vars) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            out.push_str("${");
            rest = escaped;
        } else if let Some(body) = after.strip_prefix('{') {
            let Some(end) = body.find('}') else {
                missing.push(format!("{body} (no closing brace)"));
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &body[..end];
            match vars.get(name) {
                Some(value) if is_name(name) => out.push_str(value),
                _ => {
                    missing.push(name.to_owned());
                    out.push_str(&rest[start..start + 2 + end + 1]);
                }
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    (out, missing)
}

/// True for a placeholder name: letters, digits and `_`, not starting with a digit.
pub fn is_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests;
