//! Version constraints as terraform's `required_version` writes them
//! (HashiCorp's go-version): comma-separated `OP VERSION` terms that must
//! all hold, with `=` (or no operator), `!=`, `>`, `>=`, `<`, `<=` and the
//! pessimistic `~>`, whose last written segment may grow (`~> 1.2` is
//! `>= 1.2, < 2.0`; `~> 1.2.3` is `>= 1.2.3, < 1.3.0`; `~> 1` is `>= 1`).
//! A version may omit trailing segments (`1.10` is `1.10.0`) and carry a
//! pre-release (`1.10.0-rc1`).

use std::fmt;

use semver::{Prerelease, Version};

/// A conjunction of version terms, e.g. `>= 1.10, < 2.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    op: Op,
    /// The version written, missing segments as 0.
    version: Version,
    /// How many numeric segments were written (1 to 3).
    segments: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Pessimistic,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Pessimistic => "~>",
        }
    }
}

impl Constraint {
    /// Parses `text`; the error says which term is not a constraint.
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let terms = text
            .split(',')
            .map(|term| parse_term(term.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Constraint { terms })
    }

    /// The one version this constraint allows, when it names exactly one:
    /// a single `=` term (or a bare version) with all three segments.
    pub fn exact(&self) -> Option<&Version> {
        match self.terms.as_slice() {
            [term] if term.op == Op::Eq && term.segments == 3 => Some(&term.version),
            _ => None,
        }
    }

    /// True when `version` satisfies every term. A pre-release satisfies a
    /// term only when the term itself names a pre-release (as go-version).
    pub fn matches(&self, version: &Version) -> bool {
        self.terms.iter().all(|term| term.matches(version))
    }

    /// Adds the terms of `other` (both must hold).
    pub fn and(mut self, other: Constraint) -> Constraint {
        self.terms.extend(other.terms);
        self
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|t| format!("{} {}", t.op.symbol(), written(&t.version, t.segments)))
            .collect();
        f.write_str(&terms.join(", "))
    }
}

/// The version as it was written: `segments` numeric parts and the pre-release.
fn written(version: &Version, segments: usize) -> String {
    let parts = [version.major, version.minor, version.patch];
    let mut text = parts[..segments]
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".");
    if !version.pre.is_empty() {
        text.push('-');
        text.push_str(version.pre.as_str());
    }
    text
}

impl Term {
    fn matches(&self, v: &Version) -> bool {
        if !v.pre.is_empty() && self.version.pre.is_empty() {
            return false;
        }
        let c = &self.version;
        match self.op {
            Op::Eq => v == c,
            Op::Ne => v != c,
            Op::Gt => v > c,
            Op::Ge => v >= c,
            Op::Lt => v < c,
            Op::Le => v <= c,
            Op::Pessimistic => {
                if v.pre.is_empty() != c.pre.is_empty() || v < c {
                    return false;
                }
                // Every written segment but the last is fixed.
                let fixed = [v.major == c.major, v.minor == c.minor];
                fixed[..self.segments - 1].iter().all(|same| *same)
            }
        }
    }
}

fn parse_term(term: &str) -> Result<Term, String> {
    let (op, rest) = [
        ("~>", Op::Pessimistic),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
    ]
    .iter()
    .find_map(|(symbol, op)| term.strip_prefix(symbol).map(|rest| (*op, rest)))
    .unwrap_or((Op::Eq, term));
    let text = rest.trim();
    let text = text.strip_prefix('v').unwrap_or(text);
    let bad = || {
        format!(
            "'{term}' is not a version constraint such as 1.9.8, >= 1.10 or ~> 1.9 \
             (operators =, !=, >, >=, <, <=, ~>)"
        )
    };
    let (numbers, pre) = match text.split_once('-') {
        Some((numbers, pre)) => (numbers, Prerelease::new(pre).map_err(|_| bad())?),
        None => (text, Prerelease::EMPTY),
    };
    let parts = numbers
        .split('.')
        .map(|p| p.parse::<u64>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    if parts.is_empty() || parts.len() > 3 {
        return Err(bad());
    }
    let at = |i: usize| parts.get(i).copied().unwrap_or(0);
    let mut version = Version::new(at(0), at(1), at(2));
    version.pre = pre;
    Ok(Term {
        op,
        version,
        segments: parts.len(),
    })
}

#[cfg(test)]
mod tests;
