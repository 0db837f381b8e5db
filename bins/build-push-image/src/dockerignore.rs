//! `.dockerignore` as the builders apply it, so that the context digest
//! covers what the build really receives.
//!
//! The file is read as moby's `ignorefile` reads it (comments are lines
//! starting with `#`, whitespace trimmed, patterns cleaned like Go's
//! `filepath.Clean`, a leading `/` dropped) and each pattern is matched as
//! moby's patternmatcher does ([`pattern`]). What differs between builders
//! is how the patterns meet the tree while it is walked:
//!
//! - [`Flavour::BuildKit`] (docker buildx): a path inherits the patterns
//!   its parent directory matched; an excluded directory is entered only
//!   when a `!` pattern could re-include something below it.
//! - [`Flavour::Classic`] (docker without buildx): the same inheritance,
//!   a stricter test for entering an excluded directory, only
//!   `<context>/.dockerignore`, and the Dockerfile and `.dockerignore` sent
//!   but dropped from the context when the patterns exclude them.
//! - [`Flavour::Buildah`] (buildah, podman): each path matched with at
//!   most one of its parents, so `**/*.txt` then `!keep` re-includes
//!   `keep/a.txt`, which both Docker builders leave out.
//!
//! A path is sent when its flavour's patterns do not exclude it; the
//! directories above a sent path are created on the way.

mod pattern;

use std::path::{Path, PathBuf};

use portfolio_core::InvalidInput;

pub use pattern::Pattern;

/// How a builder applies the patterns (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// BuildKit (`docker buildx build`).
    BuildKit,
    /// Docker's classic builder (`docker build` without buildx).
    Classic,
    /// buildah and podman.
    Buildah,
}

impl Flavour {
    /// Every flavour.
    pub const ALL: [Flavour; 3] = [Flavour::BuildKit, Flavour::Classic, Flavour::Buildah];
}

/// The patterns of one `.dockerignore`, in order.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    patterns: Vec<Pattern>,
}

impl Patterns {
    /// Reads the text of `file` as Docker reads a `.dockerignore`; a
    /// pattern Docker refuses is an error naming the file and line.
    pub fn parse(text: &str, file: &Path) -> Result<Patterns, InvalidInput> {
        let mut patterns = Vec::new();
        for (index, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = if index == 0 {
                line.strip_prefix('\u{feff}').unwrap_or(line)
            } else {
                line
            };
            if line.starts_with('#') {
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (bang, rest) = match line.strip_prefix('!') {
                Some(rest) => ("!", rest.trim()),
                None => ("", line),
            };
            let mut cleaned = if rest.is_empty() {
                String::new()
            } else {
                pattern::clean(rest)
            };
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            let pattern = Pattern::new(&format!("{bang}{cleaned}")).map_err(|reason| {
                InvalidInput::in_file(file, "pattern", reason).at_line(index + 1)
            })?;
            patterns.push(pattern);
        }
        Ok(Patterns { patterns })
    }

    /// The same patterns followed by `!path` (a file Docker's classic
    /// builder always sends).
    fn with_exception(&self, path: &str) -> Patterns {
        let mut patterns = self.patterns.clone();
        if let Ok(pattern) = Pattern::new(&format!("!{path}")) {
            patterns.push(pattern);
        }
        Patterns { patterns }
    }

    fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(Pattern::is_exception)
    }

    fn exceptions(&self) -> impl Iterator<Item = &str> {
        self.patterns
            .iter()
            .filter(|p| p.is_exception())
            .map(Pattern::text)
    }

    /// Whether `path` or one of its parents is excluded, each pattern
    /// tried on the path and every parent (patternmatcher's
    /// `MatchesOrParentMatches`).
    pub fn excludes_path_or_parent(&self, path: &str) -> bool {
        let mut excluded = false;
        for pattern in &self.patterns {
            if pattern.is_exception() != excluded {
                continue;
            }
            if pattern.matches(path) || parents(path).any(|parent| pattern.matches(parent)) {
                excluded = !pattern.is_exception();
            }
        }
        excluded
    }

    /// Whether `path` is excluded, given which patterns its parent
    /// directory matched (`None` at the top); also which patterns `path`
    /// matched, for its children. A pattern skipped because it could not
    /// change the outcome counts as not matched, as in Docker.
    fn excludes_below(&self, path: &str, parent: Option<&[bool]>) -> (bool, Vec<bool>) {
        let mut excluded = false;
        let mut matched = vec![false; self.patterns.len()];
        for (index, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.is_some_and(|parent| parent[index]);
            if !hit {
                if pattern.is_exception() != excluded {
                    continue;
                }
                hit = pattern.matches(path)
                    || (parent.is_none() && parents(path).any(|p| pattern.matches(p)));
            }
            matched[index] = hit;
            if hit {
                excluded = !pattern.is_exception();
            }
        }
        (excluded, matched)
    }

    /// Whether `path` is excluded, each pattern tried on the path and on
    /// the one parent with as many elements as the pattern (buildah).
    fn excludes_with_one_parent(&self, path: &str) -> bool {
        let mut excluded = false;
        let parent_dirs: Vec<&str> = match path.rsplit_once('/') {
            Some((parent, _)) => parent.split('/').collect(),
            None => Vec::new(),
        };
        for pattern in &self.patterns {
            if pattern.is_exception() != excluded {
                continue;
            }
            let depth = pattern.text().split('/').count();
            let hit = pattern.matches(path)
                || (!parent_dirs.is_empty()
                    && depth <= parent_dirs.len()
                    && pattern.matches(&parent_dirs[..depth].join("/")));
            if hit {
                excluded = !pattern.is_exception();
            }
        }
        excluded
    }
}

/// Every proper parent of a relative slash path, shortest first.
fn parents(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(at, _)| &path[..at])
}

/// A `!` pattern's text as BuildKit tests it against a directory: without
/// a trailing `/**` or `/*`.
fn without_trailing_glob(text: &str) -> &str {
    let text = text.strip_suffix("/**").unwrap_or(text);
    text.strip_suffix("/*").unwrap_or(text)
}

/// The `.dockerignore` of one flavour, and what it drops at the end.
#[derive(Debug, Clone)]
struct Rules {
    flavour: Flavour,
    patterns: Patterns,
    /// Classic: files sent but removed from the context afterwards.
    removed: Vec<String>,
    /// BuildKit: whether every `!` pattern is a plain path (so only a
    /// directory on its way can hold a re-included file).
    prefix_exceptions_only: bool,
}

/// Where one flavour stands in a directory being walked.
#[derive(Debug, Clone)]
pub enum DirState {
    /// The builder does not look below this directory.
    Pruned,
    /// The builder walks it; the patterns that matched it.
    Walked(Vec<bool>),
}

/// What every flavour sends, decided path by path while the context is
/// walked from the root.
#[derive(Debug, Clone)]
pub struct Selection {
    rules: Vec<Rules>,
}

/// The verdict on one path of the walk.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Some flavour sends the path itself.
    pub sent: bool,
    /// Some flavour looks below it (directories only).
    pub descend: bool,
    /// The state to pass for its children, one per flavour.
    pub states: Vec<DirState>,
}

impl Selection {
    /// The ignore files of `context` built with `dockerfile`, one set of
    /// rules per flavour in `flavours`: BuildKit and buildah read
    /// `<dockerfile>.dockerignore` when it exists, else
    /// `<context>/.dockerignore`; the classic builder only the latter.
    pub fn load(
        context: &Path,
        dockerfile: &Path,
        flavours: &[Flavour],
    ) -> Result<Selection, crate::Error> {
        let mut beside = dockerfile.as_os_str().to_owned();
        beside.push(".dockerignore");
        let beside = PathBuf::from(beside);
        let in_context = context.join(".dockerignore");
        let relative_dockerfile = relative_to(context, dockerfile);
        let mut rules = Vec::new();
        for &flavour in flavours {
            let file = match flavour {
                Flavour::BuildKit | Flavour::Buildah if beside.is_file() => &beside,
                _ => &in_context,
            };
            let patterns = if file.is_file() {
                let text =
                    std::fs::read_to_string(file).map_err(|source| crate::Error::Context {
                        path: file.clone(),
                        source,
                    })?;
                Patterns::parse(&text, file).map_err(portfolio_core::Error::from)?
            } else {
                Patterns::default()
            };
            rules.push(Rules::new(
                flavour,
                patterns,
                relative_dockerfile.as_deref(),
            ));
        }
        Ok(Selection { rules })
    }

    /// The state of every flavour at the context root.
    pub fn root(&self) -> Vec<DirState> {
        vec![DirState::Walked(Vec::new()); self.rules.len()]
    }

    /// Decides on `path` (relative, slash-separated), found in a directory
    /// whose states are `parent` (from [`Selection::root`] or an earlier
    /// [`Verdict`]).
    pub fn decide(&self, path: &str, is_dir: bool, parent: &[DirState]) -> Verdict {
        let mut verdict = Verdict {
            sent: false,
            descend: false,
            states: Vec::with_capacity(self.rules.len()),
        };
        for (rules, state) in self.rules.iter().zip(parent) {
            let DirState::Walked(matched) = state else {
                verdict.states.push(DirState::Pruned);
                continue;
            };
            let top = !path.contains('/');
            let (excluded, matched) = match rules.flavour {
                Flavour::BuildKit | Flavour::Classic => rules
                    .patterns
                    .excludes_below(path, (!top).then_some(matched.as_slice())),
                Flavour::Buildah => (rules.patterns.excludes_with_one_parent(path), Vec::new()),
            };
            let sent = !excluded && !rules.removed.iter().any(|r| r == path);
            let descend = is_dir && (!excluded || rules.enters_excluded(path));
            verdict.sent |= sent;
            verdict.descend |= descend;
            verdict.states.push(if descend {
                DirState::Walked(matched)
            } else {
                DirState::Pruned
            });
        }
        verdict
    }
}

impl Rules {
    fn new(flavour: Flavour, patterns: Patterns, dockerfile: Option<&str>) -> Rules {
        let mut removed = Vec::new();
        if flavour == Flavour::Classic {
            // The client always sends these two, the daemon then drops
            // them when the original patterns exclude them.
            for file in std::iter::once(".dockerignore").chain(dockerfile) {
                if patterns.excludes_path_or_parent(file) {
                    removed.push(file.to_owned());
                }
            }
        }
        let mut effective = patterns;
        for file in &removed {
            if effective.excludes_path_or_parent(file) {
                effective = effective.with_exception(file);
            }
        }
        let prefix_exceptions_only = effective
            .exceptions()
            .all(|text| !without_trailing_glob(text).contains(['*', '[', ']', '?', '^', '\\']));
        Rules {
            flavour,
            patterns: effective,
            removed,
            prefix_exceptions_only,
        }
    }

    /// Whether the builder still walks the excluded directory `dir`,
    /// looking for files a `!` pattern re-includes.
    fn enters_excluded(&self, dir: &str) -> bool {
        if !self.patterns.has_exceptions() {
            return false;
        }
        let mut exceptions = self.patterns.exceptions();
        let dir_slash = format!("{dir}/");
        match self.flavour {
            Flavour::BuildKit => {
                !self.prefix_exceptions_only
                    || exceptions.any(|text| {
                        format!("{}/", without_trailing_glob(text)).starts_with(&dir_slash)
                    })
            }
            Flavour::Classic => exceptions.any(|text| format!("{text}/").starts_with(&dir_slash)),
            Flavour::Buildah => {
                let dir = dir.trim_matches('/');
                exceptions.any(|text| format!("{}/", text.trim_matches('/')).starts_with(dir))
            }
        }
    }
}

/// `path` relative to `root` as a slash path, when it is inside.
fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let root = std::fs::canonicalize(root).ok()?;
    let path = std::fs::canonicalize(path).ok()?;
    let relative = path.strip_prefix(&root).ok()?;
    Some(relative.to_str()?.to_owned())
}

#[cfg(test)]
mod tests;
