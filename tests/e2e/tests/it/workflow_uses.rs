//! The `uses:` references of workflows and composite actions: read from the
//! YAML (so none is missed) and from the lines (for the trailing comment
//! that names a pinned version, which YAML drops).

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

/// One `uses:` of a workflow job, a workflow step or a composite step.
#[derive(Debug, Clone)]
pub(crate) struct Uses {
    /// The file and line it is written on.
    pub(crate) at: String,
    /// The value: `owner/repo[/path]@ref`, `./path` or `docker://image`.
    pub(crate) reference: String,
    /// The comment after it on its line, if any.
    pub(crate) comment: Option<String>,
}

impl Uses {
    /// `owner/repo` and the ref, for an action or reusable workflow of a
    /// repository (not a local path, not a Docker image).
    pub(crate) fn repository_ref(&self) -> Option<(String, &str)> {
        if self.reference.starts_with("./") || self.reference.starts_with("docker://") {
            return None;
        }
        let (path, git_ref) = self.reference.split_once('@')?;
        let mut parts = path.splitn(3, '/');
        let owner = parts.next()?;
        let repo = parts.next()?;
        Some((format!("{owner}/{repo}"), git_ref))
    }
}

/// Every `uses:` value in a workflow or action file, from its YAML.
fn from_yaml(doc: &Value) -> Vec<String> {
    let steps_uses = |steps: Option<&Value>| -> Vec<String> {
        steps
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|step| step.get("uses")?.as_str().map(str::to_owned))
            .collect()
    };
    let mut found = steps_uses(doc.get("runs").and_then(|r| r.get("steps")));
    if let Some(jobs) = doc.get("jobs").and_then(Value::as_mapping) {
        for job in jobs.values() {
            found.extend(job.get("uses").and_then(Value::as_str).map(str::to_owned));
            found.extend(steps_uses(job.get("steps")));
        }
    }
    found
}

/// Every `uses:` in `text` (the contents of `name`), with its comment.
/// Panics when the lines and the YAML disagree, so that a `uses:` written
/// in a form the line reader does not see cannot escape a check.
pub(crate) fn in_text(text: &str, name: &str) -> Vec<Uses> {
    let doc: Value = serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let trimmed = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
        let Some(rest) = trimmed.strip_prefix("uses:") else {
            continue;
        };
        let (value, comment) = match rest.split_once(" #") {
            Some((value, comment)) => (value, Some(comment.trim().to_owned())),
            None => (rest, None),
        };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        found.push(Uses {
            at: format!("{name}:{}", n + 1),
            reference: value.to_owned(),
            comment: comment.filter(|c| !c.is_empty()),
        });
    }
    let mut from_lines: Vec<&str> = found.iter().map(|u| u.reference.as_str()).collect();
    let mut expected = from_yaml(&doc);
    from_lines.sort_unstable();
    expected.sort();
    assert_eq!(
        from_lines, expected,
        "{name}: the `uses:` lines and the YAML disagree"
    );
    found
}

/// Every `uses:` in the file at `path`.
pub(crate) fn in_file(path: &Path) -> Vec<Uses> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path
        .strip_prefix(e2e::repo_root())
        .unwrap_or(path)
        .display()
        .to_string();
    in_text(&text, &name)
}

/// The YAML files directly in `dir`, sorted (none when it does not exist).
pub(crate) fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// This repository's workflows (the application's and its own) and
/// composite actions: every file whose `uses:` a runner resolves.
pub(crate) fn shipped_files() -> Vec<PathBuf> {
    let root = e2e::repo_root();
    let mut files = yaml_files(&root.join("workflows"));
    files.extend(yaml_files(&root.join(".github/workflows")));
    files.extend(composite_actions());
    files
}

/// The `action.yml` of every composite action under `actions/`.
pub(crate) fn composite_actions() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(e2e::repo_root().join("actions"))
        .unwrap()
        .map(|e| e.unwrap().path().join("action.yml"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}
