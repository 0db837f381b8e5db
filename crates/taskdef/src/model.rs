//! The task definition document: parsed from JSON or YAML, kept as an
//! ordered JSON object so that every field the tool does not edit stays as
//! it is and where it is (key order, unknown and newer ECS fields).
//!
//! Removal always uses `shift_remove`, which keeps the order of the keys
//! that remain.

use std::path::Path;

use serde_json::{Map, Value};

use crate::empty::{self, KeepKeys};
use crate::error::Error;
use crate::foreign::{self, Syntaxes};

/// Fields that DescribeTaskDefinition returns but RegisterTaskDefinition
/// refuses: stripped so the result registers as it is.
pub const READ_ONLY_FIELDS: [&str; 8] = [
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
];

/// A task definition in RegisterTaskDefinition's JSON shape.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDefinition {
    doc: Map<String, Value>,
    origin: String,
}

/// The syntax of a task definition file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON (`.json`, or text that starts with `{`).
    Json,
    /// YAML (`.yaml`, `.yml`, or anything else).
    Yaml,
}

impl Format {
    /// The format of `text` read from `origin`: by extension, else by content.
    pub fn detect(origin: &str, text: &str) -> Format {
        match Path::new(origin).extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("yaml" | "yml") => Format::Yaml,
            _ if text.trim_start().starts_with('{') => Format::Json,
            _ => Format::Yaml,
        }
    }
}

impl TaskDefinition {
    /// Parses `text` read from `origin` (a file name, `-` for stdin), JSON
    /// or YAML as [`Format::detect`] decides.
    pub fn parse(text: &str, origin: &str) -> Result<Self, Error> {
        Self::parse_as(text, origin, Format::detect(origin, text))
    }

    /// Parses `text` in the given format. Errors name `origin` and the line.
    pub fn parse_as(text: &str, origin: &str, format: Format) -> Result<Self, Error> {
        let value = match format {
            Format::Json => serde_json::from_str::<Value>(text).map_err(|err| Error::Parse {
                origin: origin.to_owned(),
                format: "JSON",
                line: (err.line() > 0).then_some(err.line()),
                message: portfolio_core::output::without_position(err.to_string()),
            })?,
            Format::Yaml => serde_yaml_ng::from_str::<Value>(text).map_err(|err| Error::Parse {
                origin: origin.to_owned(),
                format: "YAML",
                line: err.location().map(|l| l.line()),
                message: portfolio_core::output::without_position(err.to_string()),
            })?,
        };
        Self::from_value(value, origin)
    }

    /// A definition from a JSON value: either the definition itself or a
    /// whole DescribeTaskDefinition response (see [`Self::from_describe_response`]).
    pub fn from_value(value: Value, origin: &str) -> Result<Self, Error> {
        match value {
            Value::Object(doc) if is_describe_response(&doc) => {
                Self::from_describe_response(Value::Object(doc), origin)
            }
            Value::Object(doc) => Ok(TaskDefinition {
                doc,
                origin: origin.to_owned(),
            }),
            other => Err(Error::invalid(
                origin,
                "(document)",
                format!(
                    "expected a task definition object, found {}",
                    kind_of(&other)
                ),
            )),
        }
    }

    /// Turns a DescribeTaskDefinition response (`{"taskDefinition": {...},
    /// "tags": [...]}`, as ECS and `aws ecs describe-task-definition` return
    /// it) into a registrable definition: the tags move into it and the
    /// read-only fields are stripped. Every other field is kept as returned.
    pub fn from_describe_response(response: Value, origin: &str) -> Result<Self, Error> {
        let Value::Object(mut response) = response else {
            return Err(Error::invalid(
                origin,
                "(document)",
                "expected a DescribeTaskDefinition response object",
            ));
        };
        let Some(Value::Object(doc)) = response.shift_remove("taskDefinition") else {
            return Err(Error::invalid(
                origin,
                "taskDefinition",
                "expected an object in the DescribeTaskDefinition response",
            ));
        };
        let mut definition = TaskDefinition {
            doc,
            origin: origin.to_owned(),
        };
        if let Some(Value::Array(tags)) = response.shift_remove("tags")
            && !tags.is_empty()
        {
            definition.doc.insert("tags".to_owned(), Value::Array(tags));
        }
        definition.strip_read_only();
        Ok(definition)
    }

    /// Where the definition came from (a file, `-`, `service CLUSTER/NAME`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The document.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.doc
    }

    /// The document, to edit.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.doc
    }

    /// The document as a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.doc)
    }

    /// `family`, when it is a string.
    pub fn family(&self) -> Option<&str> {
        self.doc.get("family").and_then(Value::as_str)
    }

    /// The container definitions that are objects, in order.
    pub fn containers(&self) -> impl Iterator<Item = &Map<String, Value>> {
        self.doc
            .get("containerDefinitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
    }

    /// The names of the containers, in order.
    pub fn container_names(&self) -> Vec<String> {
        self.containers()
            .filter_map(|c| c.get("name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect()
    }

    /// The container named `name`.
    pub fn container(&self, name: &str) -> Option<&Map<String, Value>> {
        self.containers()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
    }

    /// The container named `name`, to edit.
    pub fn container_mut(&mut self, name: &str) -> Option<&mut Map<String, Value>> {
        self.doc
            .get_mut("containerDefinitions")
            .and_then(Value::as_array_mut)?
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
    }

    /// Each container's name and image, in order.
    pub fn images(&self) -> Vec<(String, String)> {
        self.containers()
            .filter_map(|c| {
                let name = c.get("name")?.as_str()?;
                let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
                Some((name.to_owned(), image.to_owned()))
            })
            .collect()
    }

    /// Removes [`READ_ONLY_FIELDS`]; returns the names of those removed.
    pub fn strip_read_only(&mut self) -> Vec<&'static str> {
        READ_ONLY_FIELDS
            .into_iter()
            .filter(|field| self.doc.shift_remove(*field).is_some())
            .collect()
    }

    /// The document RegisterTaskDefinition gets: read-only fields stripped
    /// and empty values dropped except under `keep` ([`crate::empty`]).
    /// Refused (exit 2, naming each field) while it holds a placeholder of
    /// another tool or an unfilled `${NAME}` ([`crate::foreign`]): ECS would
    /// run the placeholder text.
    pub fn to_register(&self, keep: &KeepKeys) -> Result<TaskDefinition, Error> {
        let found = foreign::find(self, Syntaxes::All);
        if !found.is_empty() {
            return Err(Error::Placeholders {
                origin: self.origin.clone(),
                found,
                registering: true,
            });
        }
        let mut registrable = self.clone();
        registrable.strip_read_only();
        empty::drop_empty(&mut registrable.doc, keep);
        Ok(registrable)
    }

    /// Pretty JSON (two-space indent, keys in document order) and a final newline.
    pub fn to_json_string(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.doc).unwrap_or_default();
        text.push('\n');
        text
    }
}

fn is_describe_response(doc: &Map<String, Value>) -> bool {
    doc.get("taskDefinition").is_some_and(Value::is_object)
        && !doc.contains_key("containerDefinitions")
}

/// A word for the JSON type of `value`, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests;
