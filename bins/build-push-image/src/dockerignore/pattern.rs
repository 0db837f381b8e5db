//! One `.dockerignore` pattern, matched as moby's patternmatcher matches
//! it: `*` and `?` never cross `/`, `[...]` is a class, `\` escapes,
//! `**` crosses any number of directories (`**/` also none), a leading
//! `**` makes a suffix match and a trailing `**` a prefix match.

use regex::Regex;

/// How a pattern is compared with a path (the cheapest that is exact).
#[derive(Debug, Clone)]
enum Kind {
    /// The path equals the pattern.
    Exact,
    /// The path starts with this (the pattern without its trailing `**`).
    Prefix(String),
    /// The path ends with this (the pattern without its leading `**`);
    /// `**/name` also matches `name` itself.
    Suffix(String),
    /// Anything else, through a regular expression.
    Regex(Regex),
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The cleaned pattern, without its `!`.
    text: String,
    /// Whether it starts with `!` (re-includes).
    exception: bool,
    kind: Kind,
}

impl Pattern {
    /// Compiles one line as Docker does after reading the file: cleaned
    /// with Go's `filepath.Clean` (the `!` included), `!` taken off, the
    /// syntax checked. `Err` says what is wrong.
    pub fn new(line: &str) -> Result<Pattern, String> {
        let cleaned = clean(line);
        let (exception, text) = match cleaned.strip_prefix('!') {
            Some("") => return Err("a lone `!` excludes nothing: name what to re-include".into()),
            Some(rest) => (true, rest.to_owned()),
            None => (false, cleaned),
        };
        check_syntax(&text)?;
        let kind = compile(&text)?;
        Ok(Pattern {
            text,
            exception,
            kind,
        })
    }

    /// The cleaned pattern, without its `!`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the pattern re-includes (`!`).
    pub fn is_exception(&self) -> bool {
        self.exception
    }

    /// Whether the pattern matches `path` itself (slash-separated,
    /// relative to the context root); parents are the caller's business.
    pub fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.text,
            Kind::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Kind::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|name| path == name)
            }
            Kind::Regex(regex) => regex.is_match(path),
        }
    }
}

/// Translates the pattern, keeping the cheapest comparison that gives the
/// same answer as the regular expression Docker builds.
fn compile(pattern: &str) -> Result<Kind, String> {
    #[derive(PartialEq)]
    enum Detected {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut regex = String::from("^");
    let mut detected = Detected::Exact;
    let mut chars = pattern.chars().peekable();
    let mut first = true;
    while let Some(ch) = chars.next() {
        match ch {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    if detected == Detected::Exact {
                        detected = Detected::Prefix;
                    } else {
                        regex.push_str(".*");
                        detected = Detected::Regex;
                    }
                } else {
                    regex.push_str("(.*/)?");
                    detected = Detected::Regex;
                }
                if first {
                    detected = Detected::Suffix;
                }
            }
            '*' => {
                regex.push_str("[^/]*");
                detected = Detected::Regex;
            }
            '?' => {
                regex.push_str("[^/]");
                detected = Detected::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                regex.push('\\');
                regex.push(ch);
            }
            '\\' => match chars.next() {
                Some(next) => {
                    regex.push('\\');
                    regex.push(next);
                    detected = Detected::Regex;
                }
                None => regex.push_str("\\\\"),
            },
            '[' | ']' => {
                regex.push(ch);
                detected = Detected::Regex;
            }
            _ => regex.push(ch),
        }
        first = false;
    }
    Ok(match detected {
        Detected::Exact => Kind::Exact,
        Detected::Prefix => Kind::Prefix(pattern[..pattern.len() - 2].to_owned()),
        Detected::Suffix => Kind::Suffix(pattern[2..].to_owned()),
        Detected::Regex => {
            regex.push('$');
            Kind::Regex(Regex::new(&regex).map_err(|err| format!("not a valid pattern: {err}"))?)
        }
    })
}

/// Refuses what Go's `filepath.Match` calls a bad pattern, as Docker does
/// before the build: an unclosed or empty `[...]`, a `-` or `]` where a
/// class member is expected, a trailing `\`.
fn check_syntax(pattern: &str) -> Result<(), String> {
    let reason = |what: &str| format!("bad pattern `{pattern}`: {what}");
    let bad = |what: &str| Err(reason(what));
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    // One class member (maybe escaped) at `at`; where the next one starts.
    let member = |at: usize| -> Result<usize, &'static str> {
        match chars.get(at) {
            None => Err("a `[` is never closed"),
            Some(']' | '-') => Err("a class member is missing in `[...]`"),
            Some('\\') if at + 1 >= chars.len() => Err("it ends with `\\`"),
            Some('\\') => Ok(at + 2),
            Some(_) => Ok(at + 1),
        }
    };
    while let Some(&ch) = chars.get(at) {
        at += 1;
        match ch {
            '\\' if at >= chars.len() => return bad("it ends with `\\`"),
            '\\' => at += 1,
            '[' => {
                if chars.get(at) == Some(&'^') {
                    at += 1;
                }
                let mut members = 0;
                while !(members > 0 && chars.get(at) == Some(&']')) {
                    at = member(at).map_err(reason)?;
                    if chars.get(at) == Some(&'-') {
                        at = member(at + 1).map_err(reason)?;
                    }
                    members += 1;
                }
                at += 1;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Go's `filepath.Clean` on a slash-separated path: no empty or `.`
/// elements, `..` folded into its parent where it has one, no trailing
/// `/`; `.` for nothing.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}
