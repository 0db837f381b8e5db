//! The GitHub Actions runtime: step outputs, the job summary, the job's
//! `PATH` additions and workflow commands (`::group::`, `::error::`, `::warning::`, `::add-mask::`).
//!
//! Everything here is silent outside Actions (`GITHUB_ACTIONS` is not
//! `true`), so tools call it unconditionally. Workflow commands go to stderr,
//! which the runner scans like stdout, so that stdout stays free for the
//! `--json` result.

use std::collections::hash_map::RandomState;
use std::fs::OpenOptions;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where a diagnostic points: a file and, optionally, a line.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    /// Path of the file, relative to the workspace where possible.
    pub file: &'a str,
    /// 1-based line number.
    pub line: Option<usize>,
}

/// The Actions runtime of this process, read once from the environment.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    enabled: bool,
    output_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
    path_file: Option<PathBuf>,
    runner_temp: Option<PathBuf>,
}

impl Actions {
    /// Reads `GITHUB_ACTIONS`, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`,
    /// `GITHUB_PATH` and `RUNNER_TEMP`.
    pub fn from_env() -> Self {
        let enabled = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            enabled,
            output_file: path("GITHUB_OUTPUT"),
            summary_file: path("GITHUB_STEP_SUMMARY"),
            path_file: path("GITHUB_PATH"),
            runner_temp: path("RUNNER_TEMP"),
        }
    }

    /// An enabled runtime that writes outputs and the summary to the given
    /// files (tests of what a tool publishes).
    pub fn for_files(output: &Path, summary: &Path) -> Self {
        Self {
            enabled: true,
            output_file: Some(output.to_path_buf()),
            summary_file: Some(summary.to_path_buf()),
            path_file: None,
            runner_temp: None,
        }
    }

    /// A runtime that does nothing (outside Actions).
    pub fn disabled() -> Self {
        Self::default()
    }

    /// True when running under GitHub Actions.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// `RUNNER_TEMP`, the runner's per-job temporary directory, under Actions.
    pub fn runner_temp(&self) -> Option<&Path> {
        self.runner_temp.as_deref().filter(|_| self.enabled)
    }

    /// Sets a step output. Multi-line values use the delimiter form.
    pub fn set_output(&self, name: &str, value: &str) -> io::Result<()> {
        match (&self.output_file, self.enabled) {
            (Some(path), true) => append(path, &output_entry(name, value)),
            _ => Ok(()),
        }
    }

    /// Prepends `dir` to `PATH` for the job's later steps (a line in
    /// `$GITHUB_PATH`, as GitHub documents "Adding a system path").
    pub fn add_path(&self, dir: &Path) -> io::Result<()> {
        match (&self.path_file, self.enabled) {
            (Some(file), true) => append(file, &format!("{}\n", dir.display())),
            _ => Ok(()),
        }
    }

    /// Appends Markdown to the job summary.
    pub fn append_summary(&self, markdown: &str) -> io::Result<()> {
        match (&self.summary_file, self.enabled) {
            (Some(path), true) => {
                let mut text = markdown.to_owned();
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                append(path, &text)
            }
            _ => Ok(()),
        }
    }

    /// Tells the runner to mask `secret` in all later log output. Call it
    /// before anything could print the secret. Each line is masked on its own.
    pub fn mask(&self, secret: &str) {
        if !self.enabled {
            return;
        }
        for line in secret.lines().filter(|l| !l.trim().is_empty()) {
            command("add-mask", &[], line);
        }
    }

    /// An `::error::` annotation, optionally pointing at a file and line.
    pub fn error(&self, message: &str, at: Option<Location<'_>>) {
        if self.enabled {
            command("error", &location_properties(at), message);
        }
    }

    /// A `::warning::` annotation, optionally pointing at a file and line.
    pub fn warning(&self, message: &str, at: Option<Location<'_>>) {
        if self.enabled {
            command("warning", &location_properties(at), message);
        }
    }

    /// Opens a collapsible log group; it closes when the guard drops.
    pub fn group(&self, title: &str) -> Group {
        if self.enabled {
            command("group", &[], title);
        }
        Group {
            enabled: self.enabled,
        }
    }
}

/// Closes its `::group::` when dropped.
#[derive(Debug)]
#[must_use = "the group closes when this guard is dropped"]
pub struct Group {
    enabled: bool,
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.enabled {
            command("endgroup", &[], "");
        }
    }
}

fn location_properties(at: Option<Location<'_>>) -> Vec<(&'static str, String)> {
    let mut props = Vec::new();
    if let Some(at) = at {
        props.push(("file", at.file.to_owned()));
        if let Some(line) = at.line {
            props.push(("line", line.to_string()));
        }
    }
    props
}

fn command(name: &str, properties: &[(&str, String)], message: &str) {
    eprintln!("{}", format_command(name, properties, message));
}

/// Formats a workflow command with the runner's escaping rules.
pub fn format_command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let mut line = format!("::{name}");
    for (i, (key, value)) in properties.iter().enumerate() {
        line.push(if i == 0 { ' ' } else { ',' });
        line.push_str(key);
        line.push('=');
        line.push_str(&escape_property(value));
    }
    line.push_str("::");
    line.push_str(&escape_data(message));
    line
}

fn escape_data(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(value: &str) -> String {
    escape_data(value).replace(':', "%3A").replace(',', "%2C")
}

/// One `$GITHUB_OUTPUT` entry: `name=value`, or the delimiter form when the
/// value spans lines (with a delimiter that cannot occur in the value).
pub fn output_entry(name: &str, value: &str) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let mut delimiter = random_delimiter();
    while value.contains(&delimiter) {
        delimiter = random_delimiter();
    }
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

fn random_delimiter() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("ghadelimiter_{:016x}", hasher.finish())
}

fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests;
