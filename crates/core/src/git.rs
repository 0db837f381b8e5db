//! `git` in a working directory, for what the tools read from the local
//! history: a commit, its committer time, whether one commit descends from
//! another. Every call is read-only and quiet (stdin closed, stderr
//! dropped); `git` missing or the directory not being a repository reads as
//! "not known", never as an error.

use std::path::Path;
use std::process::{Command, Stdio};

/// `git <args>` in `dir`: its trimmed stdout when it succeeds and printed
/// something.
pub fn output(dir: &Path, args: &[&str]) -> Option<String> {
    let output = command(dir, args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (output.status.success() && !text.is_empty()).then(|| text.to_owned())
}

/// `git <args>` in `dir`: its exit code (none when git could not run or
/// was killed by a signal).
pub fn status(dir: &Path, args: &[&str]) -> Option<i32> {
    command(dir, args)
        .stdout(Stdio::null())
        .status()
        .ok()
        .and_then(|s| s.code())
}

/// Whether `commit` is a commit object of the local history.
pub fn has_commit(dir: &Path, commit: &str) -> bool {
    status(dir, &["cat-file", "-e", &format!("{commit}^{{commit}}")]) == Some(0)
}

/// Whether `ancestor` is an ancestor of `descendant` (or the same commit),
/// as `git merge-base --is-ancestor` answers; none when git cannot tell
/// (a commit missing from the local history).
pub fn is_ancestor(dir: &Path, ancestor: &str, descendant: &str) -> Option<bool> {
    match status(dir, &["merge-base", "--is-ancestor", ancestor, descendant]) {
        Some(0) => Some(true),
        Some(1) => Some(false),
        _ => None,
    }
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    command
}
