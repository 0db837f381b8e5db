//! terraform's machine-readable UI (`-json`): one JSON object per line,
//! turned into progress lines, status updates and diagnostics.
//!
//! The messages terraform puts in this stream never contain sensitive
//! values (it redacts them), so they can be shown as they are.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// What one line of the stream means for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiEvent {
    /// A passing state (`aws_x.y: Creating...`): the live status line.
    Status(String),
    /// Something worth keeping in the log.
    Line(String),
    /// An error or warning, with where it points.
    Diagnostic(Diagnostic),
    /// The root module's outputs after apply: only the non-sensitive ones
    /// (terraform sends no value for sensitive outputs anyway).
    Outputs(BTreeMap<String, Value>),
    /// Nothing to show (values the runner reports itself).
    Quiet,
}

/// One terraform diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: String,
    /// One-line summary.
    pub summary: String,
    /// Longer explanation.
    pub detail: String,
    /// The file it points at, relative to the root module.
    pub file: Option<String>,
    /// 1-based line in that file.
    pub line: Option<usize>,
    /// The resource it concerns, if any.
    pub address: Option<String>,
}

impl Diagnostic {
    /// True for errors (warnings do not fail a run).
    pub fn is_error(&self) -> bool {
        self.severity == "error"
    }

    /// `summary (file:line)` for messages.
    pub fn headline(&self) -> String {
        let mut text = self.summary.clone();
        if let Some(address) = &self.address {
            text.push_str(&format!(" [{address}]"));
        }
        if let Some(file) = &self.file {
            text.push_str(&format!(" ({file}"));
            if let Some(line) = self.line {
                text.push_str(&format!(":{line}"));
            }
            text.push(')');
        }
        text
    }
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "@message", default)]
    message: String,
    #[serde(default)]
    diagnostic: Option<RawDiagnostic>,
    #[serde(default)]
    outputs: BTreeMap<String, RawOutput>,
}

#[derive(Deserialize)]
struct RawOutput {
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    value: Option<Value>,
}

#[derive(Deserialize)]
struct RawDiagnostic {
    #[serde(default)]
    severity: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    range: Option<Range>,
}

#[derive(Deserialize)]
struct Range {
    filename: String,
    start: Position,
}

#[derive(Deserialize)]
struct Position {
    line: usize,
}

/// Interprets one line of `terraform <command> -json` output.
pub fn parse_line(line: &str) -> UiEvent {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return UiEvent::Quiet;
    }
    let Ok(message) = serde_json::from_str::<Message>(trimmed) else {
        return UiEvent::Line(trimmed.to_owned());
    };
    let text = message.message.trim().to_owned();
    match message.kind.as_str() {
        "diagnostic" => match message.diagnostic {
            Some(raw) => UiEvent::Diagnostic(Diagnostic {
                severity: raw.severity,
                summary: raw.summary,
                detail: raw.detail,
                file: raw.range.as_ref().map(|r| r.filename.clone()),
                line: raw.range.map(|r| r.start.line),
                address: raw.address,
            }),
            None => UiEvent::Line(text),
        },
        "outputs" => {
            let values: BTreeMap<String, Value> = message
                .outputs
                .into_iter()
                .filter(|(_, o)| !o.sensitive)
                .filter_map(|(name, o)| o.value.map(|v| (name, v)))
                .collect();
            if values.is_empty() {
                UiEvent::Quiet
            } else {
                UiEvent::Outputs(values)
            }
        }
        "planned_change"
        | "apply_start"
        | "apply_progress"
        | "refresh_start"
        | "refresh_complete"
        | "provision_start"
        | "provision_complete"
        | "ephemeral_op_start"
        | "ephemeral_op_progress"
        | "ephemeral_op_complete" => UiEvent::Status(text),
        _ if text.is_empty() => UiEvent::Quiet,
        _ => UiEvent::Line(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_with_file_and_line() {
        let line = r#"{"@level":"error","@message":"Error: Unsupported argument","type":"diagnostic","diagnostic":{"severity":"error","summary":"Unsupported argument","detail":"An argument named \"bogus\" is not expected here.","range":{"filename":"main.tf","start":{"line":12,"column":3,"byte":200},"end":{"line":12,"column":8,"byte":205}}}}"#;
        let UiEvent::Diagnostic(d) = parse_line(line) else {
            panic!("not a diagnostic");
        };
        assert!(d.is_error());
        assert_eq!(d.file.as_deref(), Some("main.tf"));
        assert_eq!(d.line, Some(12));
        assert_eq!(d.headline(), "Unsupported argument (main.tf:12)");
    }

    #[test]
    fn progress_and_lines() {
        let status =
            r#"{"@message":"terraform_data.a: Creating...","type":"apply_start","hook":{}}"#;
        assert_eq!(
            parse_line(status),
            UiEvent::Status("terraform_data.a: Creating...".into())
        );
        let done = r#"{"@message":"Apply complete! Resources: 2 added, 0 changed, 0 destroyed.","type":"change_summary"}"#;
        assert!(matches!(parse_line(done), UiEvent::Line(l) if l.starts_with("Apply complete")));
        let planned = r#"{"@message":"Outputs: 2","type":"outputs","outputs":{"a":{"sensitive":false,"action":"create"}}}"#;
        assert_eq!(parse_line(planned), UiEvent::Quiet);
        let applied = r#"{"type":"outputs","outputs":{"name":{"sensitive":false,"type":"string","value":"x"},"pw":{"sensitive":true,"type":"string","value":"leak"}}}"#;
        let UiEvent::Outputs(values) = parse_line(applied) else {
            panic!("no outputs");
        };
        assert_eq!(values.len(), 1);
        assert_eq!(values["name"], "x");
        assert_eq!(parse_line("not json"), UiEvent::Line("not json".into()));
    }
}
