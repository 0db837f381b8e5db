//! Empty values (`null`, `""`, `[]`, `{}`, and arrays or objects holding
//! only those) as console exports and older DescribeTaskDefinition output
//! carry them (`"secrets": null`, `"ulimits": []`). ECS treats them as
//! absent at best and refuses some of them, so they are dropped, at any
//! depth, before a definition is registered, as
//! aws-actions/amazon-ecs-deploy-task-definition does. Keys named in
//! [`KeepKeys`] (its `keep-null-value-keys`) are never dropped.
//!
//! Two kinds of entry keep an empty string, because ECS reads it as a
//! value: an `environment` variable whose `value` is `""` (set, but
//! empty), and a `proxyConfiguration.properties` entry's `name`/`value`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The keys whose empty values are kept (`--keep-null-value-keys a,b`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeepKeys(BTreeSet<String>);

impl KeepKeys {
    /// No key is kept: every empty value is dropped.
    pub fn none() -> Self {
        Self::default()
    }

    /// Keys from a comma-separated list (spaces around names and empty
    /// names ignored, as the peer's input).
    pub fn parse(list: &str) -> Self {
        KeepKeys(
            list.split(',')
                .map(str::trim)
                .filter(|key| !key.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Adds the keys of each comma-separated list.
    pub fn extend<'a>(&mut self, lists: impl IntoIterator<Item = &'a str>) {
        for list in lists {
            self.0.extend(Self::parse(list).0);
        }
    }

    /// True when `key` keeps its empty value.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }
}

/// True for an empty value: `null`, `""`, or an array or object whose
/// every element is empty (a kept key is never empty, nor what holds it).
pub fn is_empty(value: &Value, keep: &KeepKeys) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.iter().all(|item| is_empty(item, keep)),
        Value::Object(map) => map
            .iter()
            .all(|(key, child)| !keep.contains(key) && is_empty(child, keep)),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Drops every empty value of `doc` except under a kept key, then gives
/// back the empty strings ECS reads as values (see the module).
pub fn drop_empty(doc: &mut Map<String, Value>, keep: &KeepKeys) {
    clean_map(doc, keep);
    restore_empty_strings(doc);
}

fn clean_map(map: &mut Map<String, Value>, keep: &KeepKeys) {
    map.retain(|key, value| keep.contains(key) || !is_empty(value, keep));
    for value in map.values_mut() {
        clean(value, keep);
    }
}

fn clean(value: &mut Value, keep: &KeepKeys) {
    match value {
        Value::Object(map) => clean_map(map, keep),
        Value::Array(items) => {
            items.retain(|item| !is_empty(item, keep));
            for item in items {
                clean(item, keep);
            }
        }
        _ => {}
    }
}

/// `environment[].value` and `proxyConfiguration.properties[].name/value`
/// are `""` where dropping left them out.
fn restore_empty_strings(doc: &mut Map<String, Value>) {
    let containers = doc
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut);
    for container in containers {
        fill(container.get_mut("environment"), &["value"]);
    }
    let properties = doc
        .get_mut("proxyConfiguration")
        .and_then(Value::as_object_mut)
        .and_then(|proxy| proxy.get_mut("properties"));
    fill(properties, &["name", "value"]);
}

fn fill(list: Option<&mut Value>, keys: &[&str]) {
    let entries = list
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut);
    for entry in entries {
        for key in keys {
            entry
                .entry(*key)
                .or_insert_with(|| Value::String(String::new()));
        }
    }
}

#[cfg(test)]
mod tests;
