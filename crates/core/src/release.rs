//! Where a release came from, and which of two releases is newer.
//!
//! A [`Release`] is the commit a run deploys (`GITHUB_SHA`, else `git
//! rev-parse HEAD` in the working directory), that commit's committer time
//! (from git), and the workflow run that deployed it (`GITHUB_RUN_ID` and
//! its web address). The tools record it as resource tags ([`Release::tags`],
//! read back by [`Release::from_tags`]), so a later run can tell what a
//! service runs without any other store.
//!
//! [`order`] compares two releases: by git ancestry when both commits are in
//! the local history (`git merge-base --is-ancestor`), else by committer
//! time. The committer time, not the author time, is what moves forward when
//! a commit lands on a branch (a rebase or a merge sets it).

use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::git;

/// The tag holding the full commit SHA.
pub const COMMIT_TAG: &str = "portfolio-ci:commit";
/// The tag holding the commit's committer time (RFC 3339, UTC, seconds).
pub const COMMIT_TIME_TAG: &str = "portfolio-ci:commit-time";
/// The tag holding the workflow run id.
pub const RUN_ID_TAG: &str = "portfolio-ci:run-id";
/// The tag holding the workflow run's web address.
pub const RUN_URL_TAG: &str = "portfolio-ci:run-url";

/// The GitHub web server when `GITHUB_SERVER_URL` is unset.
const DEFAULT_SERVER: &str = "https://github.com";

/// A deployed commit and the run that deployed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    /// Full commit SHA.
    pub commit: String,
    /// Committer time, RFC 3339 in UTC (`2026-12-03T15:17:17Z`), when known.
    pub committed_at: Option<String>,
    /// The workflow run id (`GITHUB_RUN_ID`), when deployed by a workflow.
    pub run_id: Option<String>,
    /// The workflow run's web address.
    pub run_url: Option<String>,
}

/// How [`order`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// One commit is an ancestor of the other in the local history.
    Ancestry,
    /// The committer times differ (a commit is missing from the local
    /// history, as in a shallow clone, or the two have diverged).
    CommitTime,
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Basis::Ancestry => "by git ancestry",
            Basis::CommitTime => "by commit time",
        })
    }
}

/// One release compared with another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// The same commit.
    Same,
    /// Newer than the other.
    Newer(Basis),
    /// Older than the other.
    Older(Basis),
    /// Cannot be told (why).
    Unknown(String),
}

impl Release {
    /// The release of this run: `GITHUB_SHA`, else `HEAD` of the repository
    /// `dir` is in; its committer time from git in `dir`; the run from
    /// `GITHUB_RUN_ID`, `GITHUB_REPOSITORY` and `GITHUB_SERVER_URL`. None when
    /// no commit is known (no Actions, not a git repository).
    pub fn discover(dir: &Path) -> Option<Release> {
        Release::discover_with(dir, var)
    }

    /// [`Release::discover`] with the variables `var` returns.
    pub fn discover_with(dir: &Path, var: impl Fn(&str) -> Option<String>) -> Option<Release> {
        let commit = var("GITHUB_SHA").or_else(|| git::output(dir, &["rev-parse", "HEAD"]))?;
        let committed_at = commit_time(dir, &commit);
        let run_id = var("GITHUB_RUN_ID");
        let run_url = match (&run_id, var("GITHUB_REPOSITORY")) {
            (Some(run), Some(repository)) => {
                let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| DEFAULT_SERVER.into());
                Some(run_url(&server, &repository, run))
            }
            _ => None,
        };
        Some(Release {
            commit,
            committed_at,
            run_id,
            run_url,
        })
    }

    /// The tags that record this release, those known.
    pub fn tags(&self) -> Vec<(&'static str, String)> {
        [
            (COMMIT_TAG, Some(&self.commit)),
            (COMMIT_TIME_TAG, self.committed_at.as_ref()),
            (RUN_ID_TAG, self.run_id.as_ref()),
            (RUN_URL_TAG, self.run_url.as_ref()),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v.clone())))
        .collect()
    }

    /// The release recorded in `tags` (key, value), when they name a commit.
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Release> {
        let mut release = Release {
            commit: String::new(),
            committed_at: None,
            run_id: None,
            run_url: None,
        };
        for (key, value) in tags {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                COMMIT_TAG => value.clone_into(&mut release.commit),
                COMMIT_TIME_TAG => release.committed_at = Some(value.to_owned()),
                RUN_ID_TAG => release.run_id = Some(value.to_owned()),
                RUN_URL_TAG => release.run_url = Some(value.to_owned()),
                _ => {}
            }
        }
        (!release.commit.is_empty()).then_some(release)
    }

    /// The commit's first seven characters, as git abbreviates it.
    pub fn short(&self) -> &str {
        self.commit.get(..7).unwrap_or(&self.commit)
    }

    /// The committer time, when known and well formed.
    fn time(&self) -> Option<SystemTime> {
        self.committed_at
            .as_deref()
            .and_then(|t| humantime::parse_rfc3339(t).ok())
    }
}

/// `0123456 (committed 2026-12-03T15:17:17Z, run 42)`: the short commit,
/// then what is known of it.
impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short())?;
        let mut parts = Vec::new();
        if let Some(at) = &self.committed_at {
            parts.push(format!("committed {at}"));
        }
        if let Some(run) = &self.run_id {
            parts.push(format!("run {run}"));
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        Ok(())
    }
}

/// Where `ours` stands against `other`, with the local history of `dir`:
/// by ancestry when both commits are there and one descends from the other,
/// else by committer time (the tag's, else git's); unknown when neither
/// tells.
pub fn order(dir: &Path, ours: &Release, other: &Release) -> Order {
    if ours.commit.eq_ignore_ascii_case(&other.commit) {
        return Order::Same;
    }
    let local = git::has_commit(dir, &ours.commit) && git::has_commit(dir, &other.commit);
    if local {
        if git::is_ancestor(dir, &other.commit, &ours.commit) == Some(true) {
            return Order::Newer(Basis::Ancestry);
        }
        if git::is_ancestor(dir, &ours.commit, &other.commit) == Some(true) {
            return Order::Older(Basis::Ancestry);
        }
    }
    let time = |release: &Release| {
        release.time().or_else(|| {
            commit_time(dir, &release.commit).and_then(|t| humantime::parse_rfc3339(&t).ok())
        })
    };
    match (time(ours), time(other)) {
        (Some(a), Some(b)) if a > b => Order::Newer(Basis::CommitTime),
        (Some(a), Some(b)) if a < b => Order::Older(Basis::CommitTime),
        (Some(_), Some(_)) => Order::Unknown(format!(
            "{} and {} have the same commit time and neither descends from the other",
            ours.short(),
            other.short()
        )),
        (None, _) => Order::Unknown(format!("the commit time of {} is unknown", ours.short())),
        (_, None) => Order::Unknown(format!(
            "{} is not in the local history and its commit time is not recorded",
            other.short()
        )),
    }
}

/// The web address of workflow run `run` of `repository` on `server`.
pub fn run_url(server: &str, repository: &str, run: &str) -> String {
    format!(
        "{}/{repository}/actions/runs/{run}",
        server.trim_end_matches('/')
    )
}

/// The committer time of `commit` in the history of `dir`, RFC 3339 UTC.
fn commit_time(dir: &Path, commit: &str) -> Option<String> {
    let seconds: u64 = git::output(
        dir,
        &[
            "show",
            "-s",
            "--format=%ct",
            &format!("{commit}^{{commit}}"),
        ],
    )?
    .parse()
    .ok()?;
    let time = UNIX_EPOCH + Duration::from_secs(seconds);
    Some(humantime::format_rfc3339_seconds(time).to_string())
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests;
