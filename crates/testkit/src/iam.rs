//! The IAM permission policies shipped as files
//! (`examples/aws/policies/<job>.json`): loading one and asking what it
//! allows, the way IAM evaluates an identity policy's statements: an
//! explicit Deny wins, else some Allow must match; `*` and `?` are
//! wildcards in actions and resources; action names are case-insensitive,
//! resource ARNs are not. Conditions are kept for checks of their own but
//! not evaluated here (a statement with a condition counts as matching).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};
use serde::Deserialize;

/// Where the policies live, relative to the repository root.
pub const POLICIES_DIR: &str = "examples/aws/policies";

/// A policy file that cannot be read or is not an IAM policy.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The policy file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a policy document.
    #[error("{path}: not an IAM policy document: {source}")]
    Parse {
        /// The policy file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// An action or resource is not a usable wildcard pattern.
    #[error("{path}: statement {statement}: bad pattern {pattern:?}: {source}")]
    Pattern {
        /// The policy file.
        path: PathBuf,
        /// The statement's Sid, or its position.
        statement: String,
        /// The pattern as written.
        pattern: String,
        /// Why.
        source: glob::PatternError,
    },
}

/// One value or a list of them, as IAM accepts for Action and Resource.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct Document {
    version: String,
    statement: Vec<RawStatement>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct RawStatement {
    sid: Option<String>,
    effect: Effect,
    action: OneOrMany,
    resource: OneOrMany,
    condition: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Effect {
    /// Grants what the statement names.
    Allow,
    /// Refuses what the statement names, whatever else allows it.
    Deny,
}

/// One statement of a policy.
#[derive(Debug)]
pub struct Statement {
    /// Its Sid, when it has one.
    pub sid: Option<String>,
    /// Allow or Deny.
    pub effect: Effect,
    /// The actions, as written.
    pub actions: Vec<String>,
    /// The resources, as written.
    pub resources: Vec<String>,
    /// The Condition block: operator -> { key -> value(s) }.
    pub condition: serde_json::Map<String, serde_json::Value>,
    action_patterns: Vec<Pattern>,
    resource_patterns: Vec<Pattern>,
}

const ACTION_MATCH: MatchOptions = MatchOptions {
    case_sensitive: false,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

const RESOURCE_MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

impl Statement {
    /// Whether the statement names `action` (wildcards honoured).
    pub fn names_action(&self, action: &str) -> bool {
        self.action_patterns
            .iter()
            .any(|p| p.matches_with(action, ACTION_MATCH))
    }

    /// Whether the statement covers the resource `arn` (wildcards honoured).
    pub fn covers_resource(&self, arn: &str) -> bool {
        self.resource_patterns
            .iter()
            .any(|p| p.matches_with(arn, RESOURCE_MATCH))
    }

    /// The values the Condition block gives `key` under any operator.
    pub fn condition_values(&self, key: &str) -> Vec<String> {
        self.condition
            .values()
            .filter_map(|keys| keys.get(key))
            .flat_map(|value| match value {
                serde_json::Value::String(one) => vec![one.clone()],
                serde_json::Value::Array(many) => many
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// The Sid, else `#<position>` (1-based).
    fn label(&self, position: usize) -> String {
        self.sid
            .clone()
            .unwrap_or_else(|| format!("#{}", position + 1))
    }
}

/// A permission policy read from a file.
#[derive(Debug)]
pub struct Policy {
    /// The file it was read from.
    pub path: PathBuf,
    /// The policy language version (`2012-10-17`).
    pub version: String,
    /// Its statements, in file order.
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Reads the policy document at `path`.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })?;
        let document: Document =
            serde_json::from_str(&text).map_err(|source| PolicyError::Parse {
                path: path.to_owned(),
                source,
            })?;
        let mut statements = Vec::new();
        for (position, raw) in document.statement.into_iter().enumerate() {
            let label = raw
                .sid
                .clone()
                .unwrap_or_else(|| format!("#{}", position + 1));
            let compile = |patterns: &[String]| -> Result<Vec<Pattern>, PolicyError> {
                patterns
                    .iter()
                    .map(|p| {
                        Pattern::new(p).map_err(|source| PolicyError::Pattern {
                            path: path.to_owned(),
                            statement: label.clone(),
                            pattern: p.clone(),
                            source,
                        })
                    })
                    .collect()
            };
            let actions = raw.action.into_vec();
            let resources = raw.resource.into_vec();
            statements.push(Statement {
                action_patterns: compile(&actions)?,
                resource_patterns: compile(&resources)?,
                sid: raw.sid,
                effect: raw.effect,
                actions,
                resources,
                condition: raw.condition.unwrap_or_default(),
            });
        }
        Ok(Policy {
            path: path.to_owned(),
            version: document.version,
            statements,
        })
    }

    /// Reads `examples/aws/policies/<job>.json` of this repository.
    pub fn of_job(job: &str) -> Result<Policy, PolicyError> {
        Policy::load(&policies_dir().join(format!("{job}.json")))
    }

    /// Whether some Allow statement names `action` and no Deny statement
    /// does, whatever the resource.
    pub fn allows(&self, action: &str) -> bool {
        self.decides(|s| s.names_action(action))
    }

    /// Whether `action` on the resource `arn` is allowed: some Allow
    /// statement names both, no Deny statement does.
    pub fn allows_on(&self, action: &str, arn: &str) -> bool {
        self.decides(|s| s.names_action(action) && s.covers_resource(arn))
    }

    fn decides(&self, matches: impl Fn(&Statement) -> bool) -> bool {
        let mut allowed = false;
        for statement in self.statements.iter().filter(|s| matches(s)) {
            match statement.effect {
                Effect::Deny => return false,
                Effect::Allow => allowed = true,
            }
        }
        allowed
    }

    /// Every action the Allow statements name, as written.
    pub fn allowed_actions(&self) -> BTreeSet<String> {
        self.statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .flat_map(|s| s.actions.iter().cloned())
            .collect()
    }

    /// Of `actions`, those the policy does not allow.
    pub fn missing<'a>(&self, actions: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        actions
            .into_iter()
            .filter(|action| !self.allows(action))
            .map(str::to_owned)
            .collect()
    }

    /// `(label, statement)` pairs: the Sid, else the position.
    pub fn labelled(&self) -> impl Iterator<Item = (String, &Statement)> {
        self.statements
            .iter()
            .enumerate()
            .map(|(position, s)| (s.label(position), s))
    }
}

/// Whether the action pattern `pattern` (as a policy writes it, `*` and
/// `?` wildcards) names `action`; a pattern that is not one names nothing.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    Pattern::new(pattern).is_ok_and(|p| p.matches_with(action, ACTION_MATCH))
}

/// `examples/aws/policies` of this repository.
pub fn policies_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        .join(POLICIES_DIR)
}

#[cfg(test)]
mod tests;
