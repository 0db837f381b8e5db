//! The sensitive values of a plan, collected so they can be redacted
//! wherever they appear and masked in the GitHub Actions log.
//!
//! `before_sensitive`/`after_sensitive` are not enough on their own:
//! terraform does not always carry the marks into derived attributes (the
//! `output` of a `terraform_data` whose `input` holds a sensitive value is
//! unmarked in `before`). So every value that is marked anywhere in the
//! plan — sensitive variables, marked attributes, sensitive outputs, the
//! prior state's sensitive values — is collected, and any string that
//! contains one is redacted too.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use serde_json::Value;

use crate::summary::SENSITIVE;

/// Shortest secret redacted inside longer strings; shorter ones are only
/// redacted where a whole value equals them (so `1` does not mask every 1).
const MIN_SUBSTRING: usize = 4;

/// Sensitive values. Its `Debug` shows only how many there are.
#[derive(Default, Clone)]
pub struct Secrets {
    strings: BTreeSet<String>,
    others: Vec<Value>,
    /// Finds the longer secrets inside strings; built on first use (one
    /// pass per string, however many secrets a plan has).
    matcher: OnceLock<Option<AhoCorasick>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({})", self.strings.len() + self.others.len())
    }
}

impl Secrets {
    /// Adds the parts of `value` that `marks` flags as sensitive (`true`
    /// for the whole value, or an object/array mirroring its shape).
    pub fn collect_marked(&mut self, value: &Value, marks: &Value) {
        match (value, marks) {
            (_, Value::Bool(true)) => self.collect_all(value),
            (Value::Object(map), Value::Object(marks)) => {
                for (key, mark) in marks {
                    if let Some(v) = map.get(key) {
                        self.collect_marked(v, mark);
                    }
                }
            }
            (Value::Array(items), Value::Array(marks)) => {
                for (v, mark) in items.iter().zip(marks) {
                    self.collect_marked(v, mark);
                }
            }
            _ => {}
        }
    }

    /// Adds every leaf of `value`.
    pub fn collect_all(&mut self, value: &Value) {
        match value {
            Value::Null => {}
            Value::String(s) if !s.is_empty() => {
                if self.strings.insert(s.clone()) {
                    self.matcher = OnceLock::new();
                }
            }
            Value::String(_) => {}
            Value::Object(map) => map.values().for_each(|v| self.collect_all(v)),
            Value::Array(items) => items.iter().for_each(|v| self.collect_all(v)),
            other => {
                if !self.others.contains(other) {
                    self.others.push(other.clone());
                }
            }
        }
    }

    /// True when nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty() && self.others.is_empty()
    }

    /// The string secrets, for `::add-mask::`.
    pub fn strings(&self) -> impl Iterator<Item = &str> {
        self.strings.iter().map(String::as_str)
    }

    /// `value` with every sensitive value, and every string containing one,
    /// replaced.
    pub fn redact(&self, value: Value) -> Value {
        if self.is_empty() {
            return value;
        }
        match value {
            Value::String(s) => Value::String(self.redact_str(s)),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, self.redact(v))).collect())
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact(v)).collect())
            }
            other if self.others.contains(&other) => Value::String(SENSITIVE.to_owned()),
            other => other,
        }
    }

    fn redact_str(&self, text: String) -> String {
        if self.strings.contains(&text) {
            return SENSITIVE.to_owned();
        }
        match self.matcher() {
            Some(matcher) if matcher.is_match(&text) => {
                matcher.replace_all(&text, &vec![SENSITIVE; matcher.patterns_len()])
            }
            Some(_) => text,
            // No automaton (none needed, or it could not be built): the
            // plain search, so a secret is never let through.
            None => self
                .strings
                .iter()
                .filter(|s| s.len() >= MIN_SUBSTRING)
                .fold(text, |text, secret| {
                    text.replace(secret.as_str(), SENSITIVE)
                }),
        }
    }

    fn matcher(&self) -> Option<&AhoCorasick> {
        self.matcher
            .get_or_init(|| {
                let long: Vec<&str> = self
                    .strings
                    .iter()
                    .map(String::as_str)
                    .filter(|s| s.len() >= MIN_SUBSTRING)
                    .collect();
                if long.is_empty() {
                    return None;
                }
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(long)
                    .ok()
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn collects_marked_and_redacts_everywhere() {
        let mut secrets = Secrets::default();
        secrets.collect_marked(
            &json!({"input": {"password": "hunter22", "user": "app"}, "port": 5432}),
            &json!({"input": {"password": true}}),
        );
        secrets.collect_marked(&json!(1234), &json!(true));
        assert_eq!(format!("{secrets:?}"), "Secrets(2)");
        let redacted = secrets.redact(json!({
            "output": {"password": "hunter22", "user": "app"},
            "dsn": "postgres://app:hunter22@db",
            "pin": 1234,
            "port": 5432
        }));
        assert_eq!(
            redacted,
            json!({
                "output": {"password": SENSITIVE, "user": "app"},
                "dsn": format!("postgres://app:{SENSITIVE}@db"),
                "pin": SENSITIVE,
                "port": 5432
            })
        );
    }

    #[test]
    fn short_secrets_only_whole() {
        let mut secrets = Secrets::default();
        secrets.collect_all(&json!("ab"));
        assert_eq!(secrets.redact(json!("ab")), json!(SENSITIVE));
        assert_eq!(secrets.redact(json!("abc")), json!("abc"));
    }
}
