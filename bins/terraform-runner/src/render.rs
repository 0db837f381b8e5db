//! The plan summary as Markdown (job summary, PR comment) and as log lines.
//!
//! Markdown is built under a size budget: the structured summary (counts,
//! resources by action, outputs) comes first, then the attribute detail;
//! whatever does not fit is left out and counted, with a pointer to the job
//! log, which always gets the full detail. The result never exceeds the
//! limit it is given (GitHub rejects comments over 65,536 characters).

use serde_json::Value;

use crate::summary::{Action, PlanSummary};

/// GitHub's limit for a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;
/// The limit used for the job summary (GitHub accepts 1 MiB per step).
pub const STEP_SUMMARY_LIMIT: usize = 1_000_000;
/// Longest rendering of one attribute value.
const VALUE_WIDTH: usize = 120;
/// Room kept for the closing lines and the truncation note.
const RESERVE: usize = 600;

/// What a report is about.
#[derive(Debug, Clone)]
pub struct Heading<'a> {
    /// `plan`, `apply` or `destroy`.
    pub operation: &'a str,
    /// The environment.
    pub env: &'a str,
    /// The root module, as given.
    pub dir: &'a str,
    /// sha256 of the plan file, when one was written or verified.
    pub plan_sha256: Option<&'a str>,
    /// Where the full log is (the workflow run), when known.
    pub log_url: Option<&'a str>,
}

/// The order in which actions are listed: the dangerous ones first.
const ORDER: [Action; 5] = [
    Action::Replace,
    Action::Delete,
    Action::Update,
    Action::Create,
    Action::Forget,
];

/// Markdown of at most `limit` bytes (so also at most `limit` characters).
pub fn markdown(heading: &Heading<'_>, summary: &PlanSummary, limit: usize) -> String {
    let mut out = Budget::new(limit.saturating_sub(RESERVE));
    out.push(&format!(
        "### Terraform {}: `{}` in `{}`\n",
        heading.operation, heading.env, heading.dir
    ));
    if summary.has_changes {
        out.push(&format!("**{}.**\n", summary.counts.sentence()));
    } else {
        out.push("**No changes.** The infrastructure matches the configuration.\n");
    }
    let c = &summary.counts;
    out.push("| add | change | destroy | replace |\n| ---: | ---: | ---: | ---: |");
    out.push(&format!(
        "| {} | {} | {} | {} |\n",
        c.add, c.change, c.destroy, c.replace
    ));
    for action in ORDER {
        let resources: Vec<_> = summary.with_action(action).collect();
        if resources.is_empty() {
            continue;
        }
        out.push(&format!("**{} ({})**\n", action.verb(), resources.len()));
        for resource in resources {
            out.push(&format!("- `{}`", resource.address));
        }
        out.push("");
    }
    if !summary.outputs.is_empty() {
        out.push("**Outputs**\n\n| output | action | after |\n| --- | --- | --- |");
        for output in &summary.outputs {
            out.push(&format!(
                "| `{}` | {} | {} |",
                output.name,
                output.action.verb(),
                output.after.as_ref().map_or_else(
                    || "-".to_owned(),
                    |v| format!("`{}`", short(v).replace('|', "\\|"))
                )
            ));
        }
        out.push("");
    }
    let details = detail_lines(summary);
    if !details.is_empty() {
        if out.push("<details><summary>Changed attributes</summary>\n\n```diff") {
            for line in &details {
                out.push(line);
            }
            out.force("```\n</details>\n");
        } else {
            out.omitted += details.len();
        }
    }
    if let Some(sha) = heading.plan_sha256 {
        out.force(&format!("Plan file sha256: `{sha}`"));
    }
    let mut text = out.finish(heading.log_url);
    truncate(&mut text, limit);
    text
}

/// The full detail, one line per resource and per changed attribute, in the
/// style of terraform's own plan output. Masked like the summary.
pub fn detail_lines(summary: &PlanSummary) -> Vec<String> {
    let mut lines = Vec::new();
    for action in ORDER {
        for resource in summary.with_action(action) {
            lines.push(format!("{} {}", action.symbol(), resource.address));
            for attr in &resource.attributes {
                let line = match (&attr.before, &attr.after) {
                    (Some(before), Some(after)) => {
                        format!("    {} = {} -> {}", attr.name, short(before), short(after))
                    }
                    (None, Some(after)) => format!("    {} = {}", attr.name, short(after)),
                    (Some(before), None) => {
                        format!("    {} = {} -> null", attr.name, short(before))
                    }
                    (None, None) => continue,
                };
                lines.push(line);
            }
        }
    }
    for output in &summary.outputs {
        let after = output.after.as_ref().map_or("null".to_owned(), short);
        lines.push(format!(
            "{} output.{} = {after}",
            output.action.symbol(),
            output.name
        ));
    }
    lines
}

/// A value as compact JSON (strings as they are), cut to [`VALUE_WIDTH`].
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    let mut text = text.replace(['\n', '\r'], " ");
    if text.len() > VALUE_WIDTH {
        truncate(&mut text, VALUE_WIDTH);
        text.push('…');
    }
    text
}

/// Cuts `text` to at most `limit` bytes on a character boundary.
fn truncate(text: &mut String, limit: usize) {
    if text.len() > limit {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

/// Markdown under construction that refuses lines past its budget and
/// counts what it refused.
struct Budget {
    text: String,
    max: usize,
    omitted: usize,
}

impl Budget {
    fn new(max: usize) -> Self {
        Self {
            text: String::new(),
            max,
            omitted: 0,
        }
    }

    /// Appends `line` if it fits and nothing was left out before it.
    fn push(&mut self, line: &str) -> bool {
        if self.omitted > 0 || self.text.len() + line.len() + 1 > self.max {
            self.omitted += 1;
            return false;
        }
        self.text.push_str(line);
        self.text.push('\n');
        true
    }

    /// Appends `line` even past the budget (closing fences, from the reserve).
    fn force(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn finish(mut self, log_url: Option<&str>) -> String {
        if self.omitted > 0 {
            let log = log_url.map_or_else(
                || "the job log".to_owned(),
                |u| format!("[the job log]({u})"),
            );
            self.text.push_str(&format!(
                "\n_Truncated: {} more lines are not shown here. The full plan is in {log}._\n",
                self.omitted
            ));
        }
        self.text
    }
}

#[cfg(test)]
mod tests;
