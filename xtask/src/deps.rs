//! The dependency tree's house rules, checked by tests over `cargo metadata`
//! (what `cargo deny check licenses bans sources` would check, without
//! installing it in every CI run; the advisory database is not reachable here):
//!
//! - licences: every package's `license` SPDX expression is satisfiable with
//!   [`ALLOWED_LICENSES`] (and [`ALLOWED_EXCEPTIONS`]); a package without one is
//!   an unpublished workspace member or listed in [`NO_LICENSE_FIELD`];
//! - duplicates: no crate in two semver-major versions (`0.x` counts as a major)
//!   unless [`DUPLICATE_MAJORS`] lists exactly those versions with the reason;
//! - sources: every package comes from crates.io or is a workspace member.
//!
//! `cargo nextest run -p xtask deps` runs them; each violation is printed on
//! its own line. Test-only: nothing here is part of the `xtask` binary.
#![cfg(test)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

/// Licences a dependency may be used under: the permissive licences the tree
/// actually uses. Copyleft (GPL, LGPL, MPL) and `Unlicense` are not here: every
/// crate in the tree that offers one of them also offers MIT or Apache-2.0.
const ALLOWED_LICENSES: &[&str] = &[
    // The Rust ecosystem's usual pair, and the workspace's own licence.
    "MIT",
    "Apache-2.0",
    // Offered next to MIT or Apache-2.0 (constant_time_eq, dunce).
    "MIT-0",
    "CC0-1.0",
    // Offered next to Apache-2.0 (ryu).
    "BSL-1.0",
    // zerocopy offers it next to MIT; subtle, matchit and aws-lc-sys need BSD-3-Clause.
    "BSD-2-Clause",
    "BSD-3-Clause",
    // ring, rustls-webpki, untrusted, aws-lc-rs.
    "ISC",
    // The ICU4X crates (url's IDNA), unicode-ident.
    "Unicode-3.0",
    // const_format, foldhash, zlib-rs, tinyvec.
    "Zlib",
    // webpki-root-certs: Mozilla's root certificates as data (reqwest's rustls verifier).
    "CDLA-Permissive-2.0",
];

/// SPDX exceptions allowed after `WITH`: they only add permissions.
const ALLOWED_EXCEPTIONS: &[&str] = &[
    // wasi, wit-bindgen (Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT).
    "LLVM-exception",
];

/// Packages that may lack a `license` field, besides unpublished workspace
/// members: (name, reason). Empty: every crates.io package declares one.
const NO_LICENSE_FIELD: &[(&str, &str)] = &[];

/// A crate allowed in more than one semver-major version.
struct Duplicate {
    /// The crate's name.
    name: &'static str,
    /// Exactly the majors the tree holds (`1`, `0.22`, `0.0.3`), oldest first.
    majors: &'static [&'static str],
    /// Who pulls each version, and why it cannot be one version yet.
    reason: &'static str,
}

/// Duplicate majors the tree is allowed to hold. A new duplicate, a new major
/// of a listed crate, or an entry the tree no longer needs fails the test.
const DUPLICATE_MAJORS: &[Duplicate] = &[
    Duplicate {
        name: "base64",
        majors: &["0.22", "0.23"],
        reason: "build-push-image, octocrab, oci-client and wiremock use 0.22; reqwest 0.13 and hyper-util use 0.23",
    },
    Duplicate {
        name: "sha2",
        majors: &["0.10", "0.11"],
        reason: "build-push-image and octocrab use 0.10; aws-sigv4 and oci-client use 0.11",
    },
    Duplicate {
        name: "digest",
        majors: &["0.10", "0.11"],
        reason: "follows sha2 and hmac (0.10 via sha2 0.10, sha1, hmac 0.12; 0.11 via sha2 0.11, hmac 0.13)",
    },
    Duplicate {
        name: "block-buffer",
        majors: &["0.10", "0.12"],
        reason: "follows digest 0.10 / 0.11",
    },
    Duplicate {
        name: "crypto-common",
        majors: &["0.1", "0.2"],
        reason: "follows digest 0.10 / 0.11",
    },
    Duplicate {
        name: "cpufeatures",
        majors: &["0.2", "0.3"],
        reason: "sha1 and sha2 0.10 use 0.2; sha2 0.11 and chacha20 use 0.3",
    },
    Duplicate {
        name: "hmac",
        majors: &["0.12", "0.13"],
        reason: "octocrab uses 0.12 (JWT signing); aws-sigv4 uses 0.13",
    },
    Duplicate {
        name: "http",
        majors: &["0.2", "1"],
        reason: "aws-smithy-protocol-test (dev-dependency of aws-smithy-mocks) still uses 0.2; everything else 1",
    },
    Duplicate {
        name: "getrandom",
        majors: &["0.2", "0.3", "0.4"],
        reason: "ring and octocrab use 0.2; rand_core 0.9 (rand 0.9, the workspace's) uses 0.3; tempfile, zip, jobserver, quinn-proto and rand 0.10 use 0.4",
    },
    Duplicate {
        name: "r-efi",
        majors: &["5", "6"],
        reason: "UEFI-only dependency of getrandom 0.3 (5) and 0.4 (6)",
    },
    Duplicate {
        name: "rand",
        majors: &["0.9", "0.10"],
        reason: "the workspace (ecs-sim, testkit) uses 0.9; proptest and quinn-proto use 0.10",
    },
    Duplicate {
        name: "rand_core",
        majors: &["0.9", "0.10"],
        reason: "follows rand 0.9 / 0.10",
    },
    Duplicate {
        name: "syn",
        majors: &["2", "3"],
        reason: "proc macros moving to syn 3 (serde_derive, thiserror-impl, clap_derive, tokio-macros) while tracing-attributes, snafu-derive, strum_macros, darling and the AWS SDK's macros use 2",
    },
    Duplicate {
        name: "windows-sys",
        majors: &["0.52", "0.61"],
        reason: "Windows-only: ring uses 0.52, tokio, mio, rustix, tempfile and the rest 0.61",
    },
];

/// The crates.io index as `cargo metadata` names it (git and sparse protocol).
const CRATES_IO: &[&str] = &[
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// What the checks read from `cargo metadata --format-version 1`.
#[derive(Debug, Deserialize)]
struct Metadata {
    /// Every package of the resolved tree, for every target platform.
    packages: Vec<Package>,
    /// Ids of the workspace's own packages.
    workspace_members: Vec<String>,
    /// The dependency graph, for naming who pulls a package.
    resolve: Option<Resolve>,
}

/// One package of the tree.
#[derive(Debug, Deserialize)]
struct Package {
    /// The package id (`registry+...#name@version`, `path+file://...#version`).
    id: String,
    /// The crate's name.
    name: String,
    /// Its version.
    version: String,
    /// The SPDX licence expression, if the manifest declares one.
    license: Option<String>,
    /// Where it comes from; `None` for path packages.
    source: Option<String>,
    /// Registries it may be published to; `Some([])` is `publish = false`.
    publish: Option<Vec<String>>,
}

/// The resolved dependency graph.
#[derive(Debug, Deserialize)]
struct Resolve {
    /// One node per package.
    nodes: Vec<Node>,
}

/// A package and the ids of its dependencies.
#[derive(Debug, Deserialize)]
struct Node {
    /// The package id.
    id: String,
    /// Ids of the packages it depends on (any kind, any platform).
    dependencies: Vec<String>,
}

/// Runs `cargo metadata --format-version 1 --locked` on this workspace, with
/// the `cargo` that runs the tests (`$CARGO`) when there is one.
fn cargo_metadata() -> Result<Metadata, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let output = Command::new(&cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", PathBuf::from(&cargo).display()))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata's JSON: {e}"))
}

/// A parsed SPDX licence expression.
#[derive(Debug, PartialEq)]
enum Expr {
    /// A licence id (`MIT`, `GPL-2.0-or-later`, `LicenseRef-x`).
    License(String),
    /// `LICENSE WITH EXCEPTION`.
    With(String, String),
    /// Both sides apply.
    And(Box<Expr>, Box<Expr>),
    /// Either side may be chosen.
    Or(Box<Expr>, Box<Expr>),
}

/// A token of an SPDX expression.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A licence or exception id.
    Id(String),
    /// `AND`.
    And,
    /// `OR`, or the legacy `/` (`MIT/Apache-2.0`).
    Or,
    /// `WITH`.
    With,
    /// `(`.
    Open,
    /// `)`.
    Close,
}

/// Splits an expression into tokens; operators are matched case-insensitively
/// (old manifests write `or`), `/` is read as `OR`.
fn tokenize(expr: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if word.is_empty() {
            return;
        }
        tokens.push(match word.to_ascii_uppercase().as_str() {
            "AND" => Token::And,
            "OR" => Token::Or,
            "WITH" => Token::With,
            _ => Token::Id(word.clone()),
        });
        word.clear();
    };
    for c in expr.chars() {
        match c {
            '(' | ')' | '/' => {
                flush(&mut word, &mut tokens);
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Or,
                });
            }
            c if c.is_whitespace() => flush(&mut word, &mut tokens),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// A recursive-descent parser of SPDX expressions: `OR` binds loosest, then
/// `AND`, then `WITH`; parentheses group.
struct Parser {
    /// The expression's tokens.
    tokens: Vec<Token>,
    /// The next token's index.
    next: usize,
}

impl Parser {
    /// Parses a whole expression.
    fn parse(expr: &str) -> Result<Expr, String> {
        let mut parser = Self {
            tokens: tokenize(expr),
            next: 0,
        };
        let parsed = parser.or()?;
        match parser.tokens.get(parser.next) {
            None => Ok(parsed),
            Some(token) => Err(format!("unexpected {token:?} after a complete expression")),
        }
    }

    /// The next token, consumed.
    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    /// Consumes the next token if it is `token`.
    fn eat(&mut self, token: &Token) -> bool {
        let found = self.tokens.get(self.next) == Some(token);
        if found {
            self.next += 1;
        }
        found
    }

    /// `and ("OR" and)*`
    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat(&Token::Or) {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    /// `with ("AND" with)*`
    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.with()?;
        while self.eat(&Token::And) {
            left = Expr::And(Box::new(left), Box::new(self.with()?));
        }
        Ok(left)
    }

    /// `ID ("WITH" ID)? | "(" or ")"`
    fn with(&mut self) -> Result<Expr, String> {
        match self.take() {
            Some(Token::Open) => {
                let inner = self.or()?;
                if self.eat(&Token::Close) {
                    Ok(inner)
                } else {
                    Err("unbalanced parenthesis".to_owned())
                }
            }
            Some(Token::Id(id)) => {
                if !self.eat(&Token::With) {
                    return Ok(Expr::License(id));
                }
                match self.take() {
                    Some(Token::Id(exception)) => Ok(Expr::With(id, exception)),
                    other => Err(format!("expected an exception after WITH, found {other:?}")),
                }
            }
            Some(other) => Err(format!("expected a licence, found {other:?}")),
            None => Err("expected a licence, found the end".to_owned()),
        }
    }
}

impl Expr {
    /// Whether the expression can be met using only allowed licences and exceptions.
    fn satisfied(&self, licenses: &[&str], exceptions: &[&str]) -> bool {
        match self {
            Self::License(id) => licenses.contains(&id.as_str()),
            Self::With(id, exception) => {
                licenses.contains(&id.as_str()) && exceptions.contains(&exception.as_str())
            }
            Self::And(a, b) => {
                a.satisfied(licenses, exceptions) && b.satisfied(licenses, exceptions)
            }
            Self::Or(a, b) => {
                a.satisfied(licenses, exceptions) || b.satisfied(licenses, exceptions)
            }
        }
    }

    /// The licence and exception ids it names that are not allowed.
    fn not_allowed<'a>(
        &'a self,
        licenses: &[&str],
        exceptions: &[&str],
        out: &mut BTreeSet<&'a str>,
    ) {
        match self {
            Self::License(id) => {
                if !licenses.contains(&id.as_str()) {
                    out.insert(id);
                }
            }
            Self::With(id, exception) => {
                if !licenses.contains(&id.as_str()) {
                    out.insert(id);
                }
                if !exceptions.contains(&exception.as_str()) {
                    out.insert(exception);
                }
            }
            Self::And(a, b) | Self::Or(a, b) => {
                a.not_allowed(licenses, exceptions, out);
                b.not_allowed(licenses, exceptions, out);
            }
        }
    }
}

/// The semver-major of a version: `1.2.3` → `1`, `0.2.3` → `0.2`, `0.0.3` → `0.0.3`.
fn major(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let parts: Vec<&str> = core.split('.').collect();
    match parts.as_slice() {
        ["0", "0", patch, ..] => format!("0.0.{patch}"),
        ["0", minor, ..] => format!("0.{minor}"),
        [major, ..] => (*major).to_owned(),
        [] => version.to_owned(),
    }
}

impl Metadata {
    /// Whether `package` is one of the workspace's own.
    fn is_member(&self, package: &Package) -> bool {
        self.workspace_members.contains(&package.id)
    }

    /// `name version` of each package that depends on `id`, for messages.
    fn dependents(&self, id: &str) -> Vec<String> {
        let names: HashMap<&str, &Package> =
            self.packages.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut out: Vec<String> = self
            .resolve
            .iter()
            .flat_map(|r| &r.nodes)
            .filter(|node| node.dependencies.iter().any(|d| d == id))
            .filter_map(|node| names.get(node.id.as_str()))
            .map(|p| format!("{} {}", p.name, p.version))
            .collect();
        out.sort();
        out
    }

    /// Licence violations, one message each.
    fn licence_violations(&self, licenses: &[&str], exceptions: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for package in &self.packages {
            let who = format!("{} {}", package.name, package.version);
            let Some(expr) = &package.license else {
                let unpublished = package.publish.as_ref().is_some_and(Vec::is_empty);
                let listed = NO_LICENSE_FIELD
                    .iter()
                    .any(|(name, _)| *name == package.name);
                if !(listed || self.is_member(package) && unpublished) {
                    out.push(format!(
                        "licence: {who} has no `license` field (list it in NO_LICENSE_FIELD with a reason, or drop it)"
                    ));
                }
                continue;
            };
            match Parser::parse(expr) {
                Err(e) => out.push(format!("licence: {who}: cannot parse `{expr}`: {e}")),
                Ok(parsed) if !parsed.satisfied(licenses, exceptions) => {
                    let mut bad = BTreeSet::new();
                    parsed.not_allowed(licenses, exceptions, &mut bad);
                    let bad: Vec<&str> = bad.into_iter().collect();
                    out.push(format!(
                        "licence: {who} is `{expr}`: no choice within ALLOWED_LICENSES (not allowed: {})",
                        bad.join(", ")
                    ));
                }
                Ok(_) => {}
            }
        }
        out
    }

    /// Duplicate-major violations against `allowed`, one message each.
    fn duplicate_violations(&self, allowed: &[Duplicate]) -> Vec<String> {
        let mut by_name: BTreeMap<&str, BTreeMap<String, Vec<&Package>>> = BTreeMap::new();
        for package in &self.packages {
            by_name
                .entry(&package.name)
                .or_default()
                .entry(major(&package.version))
                .or_default()
                .push(package);
        }
        let mut out = Vec::new();
        for (name, majors) in &by_name {
            if majors.len() < 2 {
                continue;
            }
            let found: BTreeSet<&str> = majors.keys().map(String::as_str).collect();
            let entry = allowed.iter().find(|d| d.name == *name);
            if entry.is_some_and(|d| d.majors.iter().copied().collect::<BTreeSet<_>>() == found) {
                continue;
            }
            let versions: Vec<String> = majors
                .values()
                .flatten()
                .map(|p| {
                    let by = self.dependents(&p.id);
                    format!("{} (pulled by {})", p.version, by.join(", "))
                })
                .collect();
            out.push(match entry {
                None => format!(
                    "duplicate: {name} in {} semver-major versions: {}; make them one, or list it in DUPLICATE_MAJORS with the reason",
                    found.len(),
                    versions.join("; ")
                ),
                Some(d) => format!(
                    "duplicate: {name}: DUPLICATE_MAJORS allows {:?} ({}), the tree has {:?}: {}",
                    d.majors,
                    d.reason,
                    found,
                    versions.join("; ")
                ),
            });
        }
        for d in allowed {
            if by_name.get(d.name).is_none_or(|majors| majors.len() < 2) {
                out.push(format!(
                    "duplicate: {} is no longer in several majors: remove it from DUPLICATE_MAJORS",
                    d.name
                ));
            }
        }
        out
    }

    /// Source violations (neither crates.io nor a workspace member), one message each.
    fn source_violations(&self) -> Vec<String> {
        let mut out = Vec::new();
        for package in &self.packages {
            let ok = match &package.source {
                Some(source) => CRATES_IO.contains(&source.as_str()),
                None => self.is_member(package),
            };
            if !ok {
                out.push(format!(
                    "source: {} {} comes from {} (only crates.io and workspace members are allowed)",
                    package.name,
                    package.version,
                    package.source.as_deref().unwrap_or("a path outside the workspace")
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prints every violation on its own line, then fails if there are any.
    fn assert_none(what: &str, violations: &[String]) {
        for v in violations {
            eprintln!("{v}");
        }
        assert!(
            violations.is_empty(),
            "{} {what} violation(s) in the dependency tree (listed above)",
            violations.len()
        );
    }

    fn tree() -> Metadata {
        cargo_metadata().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_licence_is_allowed() {
        assert_none(
            "licence",
            &tree().licence_violations(ALLOWED_LICENSES, ALLOWED_EXCEPTIONS),
        );
    }

    #[test]
    fn no_unlisted_duplicate_majors() {
        assert_none("duplicate", &tree().duplicate_violations(DUPLICATE_MAJORS));
    }

    #[test]
    fn every_source_is_crates_io_or_the_workspace() {
        assert_none("source", &tree().source_violations());
    }

    fn ok(expr: &str) -> bool {
        Parser::parse(expr)
            .unwrap_or_else(|e| panic!("{expr}: {e}"))
            .satisfied(ALLOWED_LICENSES, ALLOWED_EXCEPTIONS)
    }

    #[test]
    fn spdx_expressions_evaluate_with_precedence_and_parentheses() {
        assert!(ok("MIT"));
        assert!(ok("MIT OR Apache-2.0"));
        assert!(ok("GPL-3.0-only OR MIT"));
        assert!(!ok("GPL-3.0-only AND MIT"));
        assert!(!ok("GPL-3.0-only"));
        // AND binds tighter than OR: (MIT AND GPL) OR Apache-2.0.
        assert!(ok("MIT AND GPL-3.0-only OR Apache-2.0"));
        // ... and parentheses override it.
        assert!(!ok("MIT AND (GPL-3.0-only OR LGPL-2.1-only)"));
        assert!(ok("(MIT OR Apache-2.0) AND Unicode-3.0"));
        assert!(ok(
            "ISC AND (Apache-2.0 OR ISC) AND (Apache-2.0 OR ISC OR MIT-0)"
        ));
        assert!(ok("Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT"));
        assert!(ok("Apache-2.0 WITH LLVM-exception"));
        assert!(!ok("GPL-2.0-only WITH Classpath-exception-2.0"));
        assert!(!ok("Apache-2.0 WITH Some-exception"));
        // Legacy spellings found on crates.io.
        assert!(ok("MIT/Apache-2.0"));
        assert!(ok("Apache-2.0 / MIT"));
        assert!(ok("MIT or Apache-2.0"));
        assert_eq!(
            Parser::parse("A OR B AND C WITH E"),
            Ok(Expr::Or(
                Box::new(Expr::License("A".into())),
                Box::new(Expr::And(
                    Box::new(Expr::License("B".into())),
                    Box::new(Expr::With("C".into(), "E".into()))
                ))
            ))
        );
    }

    #[test]
    fn malformed_spdx_expressions_are_errors() {
        for bad in [
            "",
            "(MIT",
            "MIT)",
            "MIT OR",
            "AND MIT",
            "MIT Apache-2.0",
            "MIT WITH",
            "()",
        ] {
            assert!(Parser::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn majors_follow_semver() {
        assert_eq!(major("1.2.3"), "1");
        assert_eq!(major("0.22.1"), "0.22");
        assert_eq!(major("0.0.3"), "0.0.3");
        assert_eq!(major("2.0.0-rc.1"), "2");
        assert_eq!(major("0.4.3+wasi-0.2"), "0.4");
    }

    /// A made-up tree with one violation of each kind: the checks must see them.
    #[test]
    fn each_kind_of_violation_is_reported() {
        let json = r#"{
          "workspace_members": ["path+file:///ws#app@0.1.0"],
          "packages": [
            {"id": "path+file:///ws#app@0.1.0", "name": "app", "version": "0.1.0",
             "license": null, "source": null, "publish": []},
            {"id": "path+file:///elsewhere#lib@1.0.0", "name": "lib", "version": "1.0.0",
             "license": "MIT", "source": null, "publish": null},
            {"id": "registry+https://github.com/rust-lang/crates.io-index#gpl@1.0.0", "name": "gpl",
             "version": "1.0.0", "license": "GPL-3.0-only OR LGPL-2.1-only",
             "source": "registry+https://github.com/rust-lang/crates.io-index", "publish": null},
            {"id": "registry+https://github.com/rust-lang/crates.io-index#dup@0.1.0", "name": "dup",
             "version": "0.1.0", "license": "MIT",
             "source": "registry+https://github.com/rust-lang/crates.io-index", "publish": null},
            {"id": "registry+https://github.com/rust-lang/crates.io-index#dup@0.2.0", "name": "dup",
             "version": "0.2.0", "license": "MIT",
             "source": "registry+https://github.com/rust-lang/crates.io-index", "publish": null},
            {"id": "git+https://example.com/x#git@1.0.0", "name": "git", "version": "1.0.0",
             "license": null, "source": "git+https://example.com/x", "publish": null}
          ],
          "resolve": {"nodes": [
            {"id": "path+file:///ws#app@0.1.0", "dependencies": [
              "registry+https://github.com/rust-lang/crates.io-index#dup@0.1.0",
              "registry+https://github.com/rust-lang/crates.io-index#dup@0.2.0"]}
          ]}
        }"#;
        let tree: Metadata = serde_json::from_str(json).unwrap();

        let licences = tree.licence_violations(ALLOWED_LICENSES, ALLOWED_EXCEPTIONS);
        assert_eq!(licences.len(), 2, "{licences:#?}");
        assert!(
            licences[0].contains("gpl 1.0.0")
                && licences[0].contains("GPL-3.0-only, LGPL-2.1-only")
        );
        assert!(licences[1].contains("git 1.0.0 has no `license` field"));

        let allowed = [Duplicate {
            name: "dup",
            majors: &["0.1", "0.2"],
            reason: "test",
        }];
        assert!(tree.duplicate_violations(&allowed).is_empty());
        let duplicates = tree.duplicate_violations(&[]);
        assert_eq!(duplicates.len(), 1, "{duplicates:#?}");
        assert!(duplicates[0].contains("dup in 2 semver-major versions"));
        assert!(duplicates[0].contains("0.1.0 (pulled by app 0.1.0)"));
        let stale = [Duplicate {
            name: "app",
            majors: &["0.1", "0.2"],
            reason: "test",
        }];
        let stale = tree.duplicate_violations(&stale);
        assert!(
            stale
                .iter()
                .any(|v| v.contains("app is no longer in several majors")),
            "{stale:#?}"
        );

        let sources = tree.source_violations();
        assert_eq!(sources.len(), 2, "{sources:#?}");
        assert!(sources[0].contains("lib 1.0.0 comes from a path outside the workspace"));
        assert!(sources[1].contains("git 1.0.0 comes from git+https://example.com/x"));
    }
}
