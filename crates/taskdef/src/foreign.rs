//! Placeholders of other tools, left in a definition for another step to
//! fill: `{{name}}` (Jinja, Helm, mustache), `<IMAGE1_NAME>` (CodePipeline
//! and CodeDeploy), `$$$NAME$$$`, and `${NAME}` that no value filled.
//!
//! Rendering leaves them alone (each is reported as a warning; a field
//! that holds one is not checked, since its value is not known yet), but a
//! definition that still has one must not be registered. `${NAME}` (a
//! template's syntax: letters, digits, `_`) counts only outside the fields
//! a shell reads (`command`, `entryPoint`, `healthCheck.command`), where it
//! is the shell's own syntax.

use serde_json::Value;

use crate::model::TaskDefinition;
use crate::placeholders::element_label;

/// One placeholder left in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    /// The container it is in, if any.
    pub container: Option<String>,
    /// The field path (`containerDefinitions[web].environment[URL].value`).
    pub field: String,
    /// The placeholder as written (`{{url}}`).
    pub placeholder: String,
}

impl std::fmt::Display for Foreign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} in {}", self.placeholder, self.field)
    }
}

/// Which syntaxes [`find`] looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntaxes {
    /// `{{x}}`, `<X>` and `$$$X$$$` (a render reports unfilled `${X}` itself).
    OtherTools,
    /// Those and `${X}` outside the shell's fields: what registration refuses.
    All,
}

/// Every placeholder of `syntaxes` in the string values of `definition`,
/// in document order.
pub fn find(definition: &TaskDefinition, syntaxes: Syntaxes) -> Vec<Foreign> {
    let mut found = Vec::new();
    for (key, value) in definition.as_map() {
        let mut walker = Walker {
            syntaxes,
            found: &mut found,
        };
        walker.walk(value, key, None, false);
    }
    found
}

/// The container a field path is in (`containerDefinitions[web]...` -> `web`).
pub fn container_of(field: &str) -> Option<String> {
    let rest = field.strip_prefix("containerDefinitions[")?;
    rest.split_once(']').map(|(name, _)| name.to_owned())
}

/// True when `text` holds a placeholder of any syntax (`${X}` included): its
/// value is not known yet, so its format is not checked.
pub fn is_placeholder_text(text: &str) -> bool {
    !in_text(text, true).is_empty()
}

struct Walker<'a> {
    syntaxes: Syntaxes,
    found: &'a mut Vec<Foreign>,
}

impl Walker<'_> {
    fn walk(&mut self, value: &Value, path: &str, container: Option<&str>, shell: bool) {
        match value {
            Value::String(text) => {
                let dollar = self.syntaxes == Syntaxes::All && !shell;
                for placeholder in in_text(text, dollar) {
                    self.found.push(Foreign {
                        container: container.map(str::to_owned),
                        field: path.to_owned(),
                        placeholder,
                    });
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let label = element_label(item, index);
                    let path = format!("{path}[{label}]");
                    let container = match (container, path.strip_prefix("containerDefinitions[")) {
                        (None, Some(_)) => Some(label.as_str()),
                        _ => container,
                    };
                    self.walk(item, &path, container, shell);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let shell = shell
                        || (container.is_some()
                            && matches!(key.as_str(), "command" | "entryPoint"));
                    self.walk(item, &format!("{path}.{key}"), container, shell);
                }
            }
            _ => {}
        }
    }
}

/// The placeholders in `text`, as written; `${X}` only when `dollar_brace`.
fn in_text(text: &str, dollar_brace: bool) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &text[at..];
        let length = if rest.starts_with("$$$") {
            delimited(rest, "$$$", "$$$", is_word)
        } else if dollar_brace && rest.starts_with("${") && !text[..at].ends_with('$') {
            delimited(rest, "${", "}", crate::placeholders::is_name)
        } else if rest.starts_with("{{") {
            delimited(rest, "{{", "}}", |body| {
                !body.trim().is_empty() && !body.contains('\n')
            })
        } else if rest.starts_with('<') {
            delimited(rest, "<", ">", is_upper_name)
        } else {
            None
        };
        match length {
            Some(length) => {
                found.push(rest[..length].to_owned());
                at += length;
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    found
}

/// The length of `open BODY close` at the start of `text` when `body_ok`.
fn delimited(text: &str, open: &str, close: &str, body_ok: fn(&str) -> bool) -> Option<usize> {
    let body_and_rest = text.strip_prefix(open)?;
    let end = body_and_rest.find(close)?;
    body_ok(&body_and_rest[..end]).then_some(open.len() + end + close.len())
}

fn is_word(body: &str) -> bool {
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_upper_name(body: &str) -> bool {
    body.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && body
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests;
