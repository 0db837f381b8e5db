//! The lifecycle policy: its JSON document as ECR accepts it, parsing from
//! JSON or YAML, validation exactly as ECR validates, and the checked model
//! that the evaluator runs.
//!
//! A [`Document`] is what the file says (serde, unknown fields rejected); a
//! [`Policy`] is a validated document with rules sorted by priority. The
//! canonical text that `apply` puts is the document serialised compactly,
//! so two files that differ only in layout or key order compare equal.

pub mod locate;
mod validate;

use std::path::{Path, PathBuf};

use portfolio_core::InvalidInput;
use portfolio_core::output::without_position;
use serde::{Deserialize, Serialize};

use crate::pattern::Matcher;
use locate::{Format, Step};

pub use validate::MAX_POLICY_CHARS;

/// The project's default policy (architecture spec): keep the last 10 images
/// tagged `v*`, expire untagged images 7 days after push.
pub const DEFAULT_POLICY: &str = r#"{"rules":[{"rulePriority":1,"description":"Keep the last 10 images tagged v*","selection":{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":10},"action":{"type":"expire"}},{"rulePriority":2,"description":"Expire untagged images 7 days after push","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}"#;

/// A lifecycle policy document as written (`{"rules": [...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// The rules, in any order.
    pub rules: Vec<RuleDocument>,
}

/// One rule as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleDocument {
    /// Order of application: lower first; unique.
    pub rule_priority: i64,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Which images the rule selects.
    pub selection: SelectionDocument,
    /// What happens to its targets.
    pub action: ActionDocument,
}

/// `selection` as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SelectionDocument {
    /// `tagged`, `untagged` or `any`.
    pub tag_status: TagStatus,
    /// Whole-tag globs (AND across entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_pattern_list: Option<Vec<String>>,
    /// Tag prefixes (AND across entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_prefix_list: Option<Vec<String>>,
    /// `standard` (default) or `archive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<StorageClass>,
    /// How targets are chosen.
    pub count_type: CountType,
    /// `days` with the `since*` count types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_unit: Option<String>,
    /// The count or the number of days.
    pub count_number: i64,
}

/// `action` as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActionDocument {
    /// `expire` or `transition`.
    #[serde(rename = "type")]
    pub kind: ActionKind,
    /// `archive` with `transition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_storage_class: Option<StorageClass>,
}

/// `selection.tagStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagStatus {
    /// Images with at least one tag matching the list.
    Tagged,
    /// Images without tags.
    Untagged,
    /// Every image.
    Any,
}

/// `selection.storageClass` and `action.targetStorageClass`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageClass {
    /// Pullable images (the default).
    #[default]
    Standard,
    /// Archived images.
    Archive,
}

/// `selection.countType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CountType {
    /// Keep the newest N, target the rest.
    ImageCountMoreThan,
    /// Target images pushed more than N days ago.
    SinceImagePushed,
    /// Target images last pulled more than N days ago.
    SinceImagePulled,
    /// Target archived images archived more than N days ago.
    SinceImageTransitioned,
}

/// `action.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// Delete the image.
    Expire,
    /// Move the image to the archive storage class.
    Transition,
}

/// A validated policy: rules sorted by priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The rules, lowest priority number first.
    pub rules: Vec<Rule>,
    /// The document it was built from.
    pub document: Document,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `rulePriority`.
    pub priority: u32,
    /// `description`, if any.
    pub description: Option<String>,
    /// The storage class it selects from.
    pub storage_class: StorageClass,
    /// Its tag filter.
    pub filter: TagFilter,
    /// How it picks targets.
    pub count: Count,
    /// What it does to them.
    pub action: ActionKind,
}

/// Which images a rule selects by tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagFilter {
    /// Every entry must match at least one of the image's tags.
    Tagged(Vec<Matcher>),
    /// Images without tags.
    Untagged,
    /// Every image.
    Any,
}

/// How a rule picks its targets among the images it selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Everything after the newest N.
    MoreThan(u32),
    /// Pushed (or restored) more than N days ago.
    SincePushed(u32),
    /// Last pulled (or pushed, or restored) more than N days ago.
    SincePulled(u32),
    /// Archived more than N days ago.
    SinceTransitioned(u32),
}

impl TagFilter {
    /// True when an image with `tags` is selected.
    pub fn selects(&self, tags: &[String]) -> bool {
        match self {
            TagFilter::Any => true,
            TagFilter::Untagged => tags.is_empty(),
            TagFilter::Tagged(list) => list
                .iter()
                .all(|matcher| tags.iter().any(|tag| matcher.matches(tag))),
        }
    }
}

impl Rule {
    /// The rule as it claims images, for reports:
    /// `rule 1 (tagPrefixList [v], imageCountMoreThan 10)`.
    pub fn claim_text(&self) -> String {
        let filter = match &self.filter {
            TagFilter::Any => "any".to_owned(),
            TagFilter::Untagged => "untagged".to_owned(),
            TagFilter::Tagged(list) => {
                let kind = match list.first() {
                    Some(Matcher::Prefix(_)) => "tagPrefixList",
                    _ => "tagPatternList",
                };
                let entries: Vec<&str> = list.iter().map(Matcher::text).collect();
                format!("{kind} [{}]", entries.join(", "))
            }
        };
        let count = match self.count {
            Count::MoreThan(n) => format!("imageCountMoreThan {n}"),
            Count::SincePushed(n) => format!("sinceImagePushed {n} days"),
            Count::SincePulled(n) => format!("sinceImagePulled {n} days"),
            Count::SinceTransitioned(n) => format!("sinceImageTransitioned {n} days"),
        };
        let archive = match self.storage_class {
            StorageClass::Standard => "",
            StorageClass::Archive => ", archive",
        };
        format!("rule {} ({filter}, {count}{archive})", self.priority)
    }
}

impl Policy {
    /// The project's default policy ([`DEFAULT_POLICY`]).
    pub fn default_policy() -> Result<Policy, InvalidInput> {
        Policy::parse(DEFAULT_POLICY, Path::new("built-in default policy"))
    }

    /// Reads and validates a JSON or YAML policy file.
    pub fn from_file(path: &Path) -> Result<Policy, InvalidInput> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            InvalidInput::in_file(path, "policy", format!("cannot read the file: {err}"))
        })?;
        Policy::parse(&text, path)
    }

    /// Parses `text` (JSON, or YAML by the file's extension or when it is not
    /// JSON) as if read from `source`, and validates it. Every error names
    /// the field and, when it can be placed, its line.
    pub fn parse(text: &str, source: &Path) -> Result<Policy, InvalidInput> {
        let (document, format) = parse_document(text, source)?;
        let line = |path: &[Step<'_>]| locate::line(text, format, path);
        validate::validate(document, source, &line)
    }

    /// The canonical compact JSON that `apply` puts.
    pub fn canonical_text(&self) -> String {
        canonical(&self.document)
    }
}

/// Compact JSON of a document, fields in schema order.
pub fn canonical(document: &Document) -> String {
    serde_json::to_string(document).unwrap_or_default()
}

/// Pretty JSON of a document, for diffs.
pub fn pretty(document: &Document) -> String {
    serde_json::to_string_pretty(document).unwrap_or_default()
}

fn parse_document(text: &str, source: &Path) -> Result<(Document, Format), InvalidInput> {
    let yaml = matches!(
        source.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    if !yaml {
        let mut json = serde_json::Deserializer::from_str(text);
        match serde_path_to_error::deserialize(&mut json) {
            Ok(document) => return Ok((document, Format::Json)),
            // A syntax error in a .json file is reported as such; other
            // files may still be YAML.
            Err(err) if !err.inner().is_syntax() && !err.inner().is_eof() => {
                let line = err.inner().line();
                return Err(shape_error(source, err.path(), err.inner(), line));
            }
            Err(err) if has_extension(source, "json") => {
                let inner = err.inner();
                let what = if inner.is_eof() {
                    "the file ends before the JSON document does (truncated?)"
                } else {
                    "not valid JSON"
                };
                let error = InvalidInput::in_file(
                    source,
                    ".",
                    format!("{what}: {}", without_position(inner.to_string())),
                );
                return Err(at_line(error, inner.line()));
            }
            Err(_) => {}
        }
    }
    let yaml = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(yaml)
        .map(|document| (document, Format::Yaml))
        .map_err(|err| {
            let line = err.inner().location().map_or(0, |at| at.line());
            shape_error(source, err.path(), err.inner(), line)
        })
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some(extension)
}

/// The error at `path` of the document, at 1-based `line` (0: unknown).
fn shape_error(
    source: &Path,
    path: &serde_path_to_error::Path,
    error: &dyn std::fmt::Display,
    line: usize,
) -> InvalidInput {
    let error = InvalidInput::in_file(
        PathBuf::from(source),
        path.to_string(),
        without_position(error.to_string()),
    );
    at_line(error, line)
}

fn at_line(error: InvalidInput, line: usize) -> InvalidInput {
    if line > 0 { error.at_line(line) } else { error }
}

#[cfg(test)]
mod tests;
