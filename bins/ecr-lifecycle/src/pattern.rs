//! Tag matching as ECR does it: whole-tag globs where `*` matches any run of
//! characters (`tagPatternList`, [`portfolio_core::tag_glob`]) and plain
//! prefixes (`tagPrefixList`).
//!
//! Besides matching, [`overlap`] answers whether two matchers can accept the
//! same tag, which the linter uses to find keep-N rules whose slots an
//! earlier rule claims.

use portfolio_core::tag_glob;

/// One entry of a rule's tag list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// `tagPrefixList` entry: the tag starts with it.
    Prefix(String),
    /// `tagPatternList` entry: the whole tag matches the glob.
    Pattern(String),
}

impl Matcher {
    /// True when `tag` satisfies this entry.
    pub fn matches(&self, tag: &str) -> bool {
        match self {
            Matcher::Prefix(prefix) => tag.starts_with(prefix.as_str()),
            Matcher::Pattern(pattern) => tag_glob::matches(pattern, tag),
        }
    }

    /// The entry as a glob (a prefix `p` is the glob `p*`).
    pub fn as_glob(&self) -> String {
        match self {
            Matcher::Prefix(prefix) => format!("{prefix}*"),
            Matcher::Pattern(pattern) => pattern.clone(),
        }
    }

    /// The entry as written in the policy.
    pub fn text(&self) -> &str {
        match self {
            Matcher::Prefix(text) | Matcher::Pattern(text) => text,
        }
    }
}

/// True when some string matches both globs.
pub fn overlap(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // reachable[i][j]: a[i..] and b[j..] can match a common string.
    let mut reachable = vec![vec![false; b.len() + 1]; a.len() + 1];
    for i in (0..=a.len()).rev() {
        for j in (0..=b.len()).rev() {
            reachable[i][j] = match (a.get(i), b.get(j)) {
                (None, None) => true,
                (Some('*'), _) => reachable[i + 1][j] || (j < b.len() && reachable[i][j + 1]),
                (_, Some('*')) => reachable[i][j + 1] || (i < a.len() && reachable[i + 1][j]),
                (Some(x), Some(y)) => x == y && reachable[i + 1][j + 1],
                _ => false,
            };
        }
    }
    reachable[0][0]
}

#[cfg(test)]
mod tests;
