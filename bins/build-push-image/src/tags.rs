//! Which tags an image gets, from the commit and the ref being built.
//!
//! - `sha-<7>` of the commit;
//! - for a `v`-semver git tag `vX.Y.Z`: `vX.Y.Z` and `vX.Y` (a pre-release
//!   `vX.Y.Z-rc.1` gets only itself), kept by the spec's `v*` lifecycle rule;
//! - a branch `feature/login` becomes `feature-login`, a pull request
//!   `pr-<number>`, another git tag its sanitised name;
//! - `latest` only when asked, plus every extra `--tag`.

use crate::git::GitInfo;

/// Longest tag a registry accepts.
const MAX_TAG: usize = 128;

/// Whether `tag` is a valid image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_valid(tag: &str) -> bool {
    let mut chars = tag.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    tag.len() <= MAX_TAG
        && (first.is_ascii_alphanumeric() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Turns a ref name into a valid tag: other characters become `-`, leading
/// `.` and `-` go, at most 128 characters. `None` when nothing is left.
pub fn sanitise(name: &str) -> Option<String> {
    let replaced: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = replaced.trim_start_matches(['.', '-']);
    let tag: String = trimmed.chars().take(MAX_TAG).collect();
    (!tag.is_empty()).then_some(tag)
}

/// `(major, minor, patch, pre-release)` of a `vX.Y.Z[-pre][+build]` tag.
fn semver(tag: &str) -> Option<(u64, u64, u64, bool)> {
    let rest = tag.strip_prefix('v')?;
    let rest = rest.split('+').next()?;
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) if !pre.is_empty() => (core, true),
        Some(_) => return None,
        None => (rest, false),
    };
    let mut parts = core.split('.');
    let mut number = || -> Option<u64> {
        let part = parts.next()?;
        if part.is_empty() || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        part.parse().ok()
    };
    let version = (number()?, number()?, number()?, pre);
    parts.next().is_none().then_some(version)
}

/// The tags for `git`, plus `latest` when asked and the `extra` tags, in a
/// stable order without duplicates.
pub fn compute(git: &GitInfo, latest: bool, extra: &[String]) -> Vec<String> {
    let mut tags = Vec::new();
    if let Some(sha) = &git.sha
        && sha.len() >= 7
    {
        tags.push(format!("sha-{}", &sha[..7]));
    }
    match git.reference.as_deref() {
        Some(r) if r.starts_with("refs/tags/") => {
            let name = &r["refs/tags/".len()..];
            match semver(name) {
                Some((major, minor, _, pre)) => {
                    tags.extend(sanitise(name));
                    if !pre {
                        tags.push(format!("v{major}.{minor}"));
                    }
                }
                None => tags.extend(sanitise(name)),
            }
        }
        Some(r) if r.starts_with("refs/heads/") => tags.extend(sanitise(&r["refs/heads/".len()..])),
        Some(r) if r.starts_with("refs/pull/") => {
            if let Some(number) = r["refs/pull/".len()..].split('/').next() {
                tags.extend(sanitise(&format!("pr-{number}")));
            }
        }
        _ => {}
    }
    if latest {
        tags.push("latest".to_owned());
    }
    tags.extend(extra.iter().cloned());
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    tags
}

/// The tags of [`compute`] that follow the newest build of the ref rather
/// than name one image: the branch tag, `pr-<n>` and the `vX.Y` of a
/// release. An immutable repository keeps them where they are (see
/// [`crate::mutability`]).
pub fn moving(git: &GitInfo) -> Vec<String> {
    let reference = git.reference.as_deref().unwrap_or_default();
    if let Some(name) = reference.strip_prefix("refs/tags/") {
        return match semver(name) {
            Some((major, minor, _, false)) => vec![format!("v{major}.{minor}")],
            _ => Vec::new(),
        };
    }
    if reference.starts_with("refs/heads/") || reference.starts_with("refs/pull/") {
        let without_commit = GitInfo {
            sha: None,
            ..git.clone()
        };
        return compute(&without_commit, false, &[]);
    }
    Vec::new()
}

/// The semantic version of a `v`-semver tag ref, for the OCI version label.
pub fn version(git: &GitInfo) -> Option<String> {
    let name = git.reference.as_deref()?.strip_prefix("refs/tags/")?;
    semver(name).map(|_| name.trim_start_matches('v').to_owned())
}

#[cfg(test)]
mod tests;
